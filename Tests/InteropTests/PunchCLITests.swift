import Foundation
import P2PPunch
import P2PReport
import STUNCodec
import Testing

/// `p2ptui punch` exit statuses and messages (the suite runs in a namespace holding only `lo`;
/// the STUN server named here does not exist, so nothing leaves the machine).
@Suite struct PunchCLITests {
    static let binary: String = ProcessInfo.processInfo.environment["P2PTUI_BIN"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/p2ptui").path

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// Runs punch; `answer` turns the first stdout line (our code) into what is written to stdin
    /// (nil: close stdin at once).
    static func punch(_ args: [String], answer: (@Sendable (String) -> String?)? = nil) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["punch", "--stun", "127.0.0.1:9"] + args
        let input = Pipe(), out = Pipe(), err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var collected = Data()
        if let answer {
            // Read until the first line is complete, then answer it.
            while !collected.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                collected += chunk
            }
            let first = String(decoding: collected.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            if let reply = answer(first) { input.fileHandleForWriting.write(Data((reply + "\n").utf8)) }
        }
        try? input.fileHandleForWriting.close()
        collected += out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: collected, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    func available() -> Bool {
        if FileManager.default.isExecutableFile(atPath: Self.binary) { return true }
        Issue.record("no p2ptui binary at \(Self.binary): run `swift build` first")
        return false
    }

    @Test func malformedPeerCodeExitsTwoBeforeAnyPacket() throws {
        guard available() else { return }
        let r = try Self.punch(["--peer", "p2p1-hello!"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("malformed code"))
    }

    @Test func wrongVersionAndExpiredCodesExitTwo() throws {
        guard available() else { return }
        let v = try Self.punch(["--peer", "p2p9-aaaa"])
        #expect(v.status == 2 && v.stderr.contains("wrong version: the code is version 9"))
        let old = ConnectionCode(expiry: 1_000_000, fragment: [1, 2, 3, 4], secret: [UInt8](repeating: 5, count: 12),
                                 candidates: [Candidate(.host, TransportAddress(.v4(127, 0, 0, 1), 9))])
        let e = try Self.punch(["--peer", old.text])
        #expect(e.status == 2 && e.stderr.contains("expired code"))
    }

    @Test func ownCodeOnStdinExitsTwo() throws {
        guard available() else { return }
        let r = try Self.punch(["--timeout", "1"], answer: { $0 })
        #expect(r.stdout.hasPrefix("p2p1-"))
        #expect(r.status == 2)
        #expect(r.stderr.contains("this side's own code"))
    }

    @Test func noCodeOnStdinExitsTwo() throws {
        guard available() else { return }
        let r = try Self.punch([], answer: { _ in nil })
        #expect(r.status == 2)
        #expect(r.stderr.contains("no code on stdin"))
    }

    @Test func noSTUNAnswerAndNoPathExitsThreeWithJSON() throws {
        guard available() else { return }
        let peer = ConnectionCode.make(now: UInt32(Date().timeIntervalSince1970), role: .connector, hint: .independent,
                                       candidates: [Candidate(.serverReflexive, TransportAddress(.v4(127, 0, 0, 1), 9))])
        let r = try Self.punch(["--json", "--timeout", "0.5", "--role", "client"], answer: { _ in peer.text })
        #expect(r.status == 3)
        let lines = r.stdout.split(separator: "\n", maxSplits: 1)
        #expect(lines.first?.hasPrefix("p2p1-") == true)
        struct J: Decodable { var direct: Bool; var code: PunchCode; var pairsTried: Int; var localEndpoint: String?; var rttMs: Double? }
        let j = try JSONDecoder().decode(J.self, from: Data(String(lines.last ?? "").utf8))
        #expect(!j.direct && j.localEndpoint == nil && j.rttMs == nil && j.pairsTried == 1)
        // Missing values are written as null: the keys the README promises are always there.
        for key in ["localEndpoint", "remoteEndpoint", "rttMs"] { #expect(r.stdout.contains("\"\(key)\" : null")) }
        #expect(j.code == .udpBlockedHere)
    }
}
