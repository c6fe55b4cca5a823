// `p2ptui punch` live between two lab machines (scripts/natlab pair): each pair of NATs is built,
// both sides run `check --json` and `punch` with their codes exchanged through pipes
// (scripts/punchpair), and the live result must agree with `compare` on the two reports:
// proven <-> likely, fails <-> unlikely.
import Foundation
import P2PReport
import Testing

struct PunchPair: Sendable, CustomTestStringConvertible {
    let topology: String
    let direct: Bool
    /// The client's and the connector's code when no path exists.
    var clientCode: PunchCode? = nil
    var connectorCode: PunchCode? = nil
    /// Exit statuses (0 proven, 1 none, 3 could not run).
    var clientStatus: Int32? = nil
    var connectorStatus: Int32? = nil
    var testDescription: String { topology }

    static let matrix: [PunchPair] = [
        PunchPair(topology: "eim:eim", direct: true),
        PunchPair(topology: "eim:fullcone", direct: true),
        PunchPair(topology: "eim:symmetric", direct: false,
                  clientCode: .symmetricPeer, connectorCode: .symmetricHere),
        PunchPair(topology: "restricted:symmetric", direct: true),
        PunchPair(topology: "fullcone:symmetric", direct: true),
        PunchPair(topology: "symmetric:symmetric", direct: false,
                  clientCode: .symmetricBoth, connectorCode: .symmetricBoth),
        PunchPair(topology: "double:eim", direct: true),
        PunchPair(topology: "lan", direct: true),
        PunchPair(topology: "lan-hairpin", direct: true),
        PunchPair(topology: "udp-blocked:eim", direct: false,
                  clientCode: .udpBlockedHere, connectorCode: .udpBlockedPeer, clientStatus: 3, connectorStatus: 1),
        // The connector's router drops UDP packets over 1200 bytes: proven, but QUIC would fail.
        PunchPair(topology: "eim:smalldgram", direct: true, clientCode: .quicWouldFail, connectorCode: .quicWouldFail),
    ]
}

/// What scripts/punchpair left in one pair's directory.
struct PairOutcome: Sendable {
    var line: String
    /// What each side's `punch --json` says, read as the report's punch section (its fields are
    /// part of the JSON).
    var client: PunchSection
    var connector: PunchSection
    var clientStatus: Int32
    var connectorStatus: Int32
    var compare: String
    var seconds: Double
    /// `punch.direct` as `--save-to` added it to each side's saved report.
    var savedClient: Bool?
    var savedConnector: Bool?

    static func load(_ dir: String, line: String, seconds: Double) -> PairOutcome? {
        func punch(_ name: String) -> PunchSection? {
            FileManager.default.contents(atPath: "\(dir)/\(name)").flatMap { try? JSONDecoder().decode(PunchSection.self, from: $0) }
        }
        struct Cmp: Decodable { var directConnection: String }
        struct Saved: Decodable { struct P: Decodable { var direct: Bool }; var punch: P? }
        func saved(_ name: String) -> Bool? {
            FileManager.default.contents(atPath: "\(dir)/\(name)").flatMap { try? JSONDecoder().decode(Saved.self, from: $0) }?.punch?.direct
        }
        func status(_ name: String) -> Int32? {
            (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        guard let c = punch("client.punch.json"), let k = punch("connector.punch.json"),
              let cs = status("client.punch.status"), let ks = status("connector.punch.status"),
              let cmp = FileManager.default.contents(atPath: "\(dir)/compare.json")
                .flatMap({ try? JSONDecoder().decode(Cmp.self, from: $0) })?.directConnection else { return nil }
        return PairOutcome(line: line, client: c, connector: k, clientStatus: cs, connectorStatus: ks, compare: cmp, seconds: seconds,
                           savedClient: saved("client.report.json"), savedConnector: saved("connector.report.json"))
    }
}

extension NATLab {
@Suite("punch between two NATs")
struct PunchLab {
    /// Runs one pair in a lab of its own (own prefix), on a thread of its own.
    static func run(_ pair: PunchPair, index: Int, root: String,
                    environment: [String: String] = [:]) async throws -> (PunchPair, PairOutcome?, String) {
        let dir = "\(root)/\(index)"
        // A proven path is measured for 2 s (punch's default is 3): every size both ways, with room
        // for a loaded machine.
        let environment = ["PUNCH_MEASURE": "2"].merging(environment) { _, new in new }
        // 4 s deadline: every pair that can meet does so in well under a second.
        let outcome = try await Lab.runAsync(
            [Lab.natlab, "pair", "run", pair.topology, Lab.repoRoot.appendingPathComponent("scripts/punchpair").path, dir, "4"],
            timeout: 90, environment: ["NATLAB_PREFIX": "\(Lab.prefix)p\(index)", "NATLAB_QUIET": "1"].merging(environment) { _, new in new })
        let line = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (pair, PairOutcome.load(dir, line: line, seconds: outcome.seconds),
                "exit \(outcome.status), timed out \(outcome.timedOut)\n\(outcome.stderr.suffix(2000))")
    }

    @Test(.needsTools("python3")) func liveResultAgreesWithCompareOverTheMatrix() async throws {
        guard FileManager.default.isExecutableFile(atPath: Lab.p2ptui) else {
            Issue.record("no p2ptui binary at \(Lab.p2ptui): run `swift build` first")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-punchlab-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Independent labs: four at a time (each side's check and punch mostly wait on timers).
        var results: [(PunchPair, PairOutcome?, String)] = []
        let matrix = PunchPair.matrix
        for batch in stride(from: 0, to: matrix.count, by: 4) {
            try await withThrowingTaskGroup(of: (PunchPair, PairOutcome?, String).self) { group in
                for i in batch..<min(batch + 4, matrix.count) {
                    group.addTask { try await Self.run(matrix[i], index: i, root: root) }
                }
                for try await r in group { results.append(r) }
            }
        }
        for (pair, outcome, diag) in results.sorted(by: { $0.0.topology < $1.0.topology }) {
            guard let o = outcome else {
                Issue.record("\(pair.topology): no result from scripts/punchpair: \(diag)")
                continue
            }
            print("PunchLab: \(o.line) (\(String(format: "%.1f", o.seconds)) s)")
            #expect(o.client.direct == pair.direct && o.connector.direct == pair.direct, "\(pair.topology): live \(o.line)")
            // The two sides agree with each other and with compare.
            #expect(o.compare == (pair.direct ? "likely" : "unlikely"), "\(pair.topology): compare says \(o.compare), live \(o.line)")
            #expect(o.clientStatus == pair.clientStatus ?? (pair.direct ? 0 : 1), "\(pair.topology) client exit")
            #expect(o.connectorStatus == pair.connectorStatus ?? (pair.direct ? 0 : 1), "\(pair.topology) connector exit")
            #expect(o.savedClient == pair.direct && o.savedConnector == pair.direct, "\(pair.topology): --save-to added the result to both reports")
            if pair.direct {
                for side in [o.client, o.connector] {
                    #expect(side.remoteEndpoint != nil && side.localEndpoint != nil && side.rttMs != nil,
                            "\(pair.topology): a proven path names both ends and its RTT")
                    Self.expectMeasured(side.quality, tooSmall: pair.clientCode == .quicWouldFail, pair.topology)
                }
            }
            if let c = pair.clientCode { #expect(o.client.code == c, "\(pair.topology) client: \(o.client.reason)") }
            if let c = pair.connectorCode { #expect(o.connector.code == c, "\(pair.topology) connector: \(o.connector.reason)") }
        }
        // Every pair's lab (prefix <test prefix>p<index>) is gone.
        let listing = try Lab.run(["ip", "netns", "list"], timeout: 10).stdout
        let left = listing.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
            .filter { $0.hasPrefix(Lab.prefix + "p") }
        #expect(left.isEmpty, "namespaces left behind: \(left)")
    }

    /// Both sides measured the proven path: answered round trips, no loss on a lab link, and every
    /// size both ways (1472 bytes on the 1500-byte veths), or none of them where the router drops
    /// UDP over 1200 bytes.
    static func expectMeasured(_ q: PathQuality?, tooSmall: Bool, _ topology: String) {
        guard let q else { Issue.record("\(topology): a proven path between two measuring sides has no quality"); return }
        print("PunchLab: \(topology) quality: \(q.line)")
        #expect(q.rttSamples >= 1 && q.rttMedianMs != nil && q.rttP99Ms != nil, "\(topology): \(q.line)")
        #expect(q.outboundLossPercent == 0 && q.inboundLossPercent == 0, "\(topology): \(q.line)")
        if tooSmall {
            #expect(q.datagramStatus == "too-small" && q.outboundMaxBytes == nil && q.inboundMaxBytes == nil, "\(topology): \(q.line)")
        } else {
            #expect(q.datagramStatus == "fits-quic" && q.outboundMaxBytes == 1472 && q.inboundMaxBytes == 1472, "\(topology): \(q.line)")
        }
    }

    /// IPv6 on both sides behind stateful firewalls (replies only), symmetric IPv4 NATs: punch meets
    /// on the IPv6 addresses, and compare (with a STUN server over IPv6 for check) says likely
    /// because of that path, although the IPv4 NATs alone cannot meet.
    @Test(.needsTools("python3")) func ipv6BetweenSymmetricNATsIsProvenAndComparedLikely() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-punchv6-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pair = PunchPair(topology: "v6sym:v6sym", direct: true)
        let (_, outcome, diag) = try await Self.run(pair, index: 91, root: root, environment: [
            "PUNCH_STUN": "203.0.113.10:3478 203.0.113.20:3478 [2001:db8:ff::10]:3478"])
        guard let o = outcome else { Issue.record("no result from scripts/punchpair: \(diag)"); return }
        print("PunchLab: \(o.line) (\(String(format: "%.1f", o.seconds)) s)")
        #expect(o.client.code == .ipv6Path && o.connector.code == .ipv6Path, "live \(o.line): \(o.client.reason)")
        #expect(o.client.remoteEndpoint?.hasPrefix("[2001:db8:2::2]:") == true, "\(o.client.remoteEndpoint ?? "nil")")
        #expect(o.compare == "likely", "compare says \(o.compare), live \(o.line)")
        let text = (try? String(contentsOfFile: "\(root)/91/compare.json", encoding: .utf8)) ?? ""
        #expect(text.contains("pair-ipv6-path") && text.contains("pair-both-dependent"), "\(text)")
    }

    /// One RFC 5780 server only (two destination addresses, no second server): the symmetric side
    /// showed one public IP in mapping tests I, II and III, the other filters by address only, and
    /// punch proves a path; compare must say likely, naming that evidence.
    @Test(.needsTools("python3")) func oneBehaviourServerIsEnoughForRestrictedAndSymmetric() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-punchone-\(getpid())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pair = PunchPair(topology: "restricted:symmetric", direct: true)
        let (_, outcome, diag) = try await Self.run(pair, index: 90, root: root,
                                                    environment: ["PUNCH_STUN": "203.0.113.10:3478"])
        guard let o = outcome else { Issue.record("no result from scripts/punchpair: \(diag)"); return }
        #expect(o.client.direct && o.connector.direct, "live \(o.line)")
        #expect(o.compare == "likely", "compare says \(o.compare), live \(o.line)")
        let text = (try? String(contentsOfFile: "\(root)/90/compare.json", encoding: .utf8)) ?? ""
        #expect(text.contains("RFC 5780 mapping tests"), "\(text)")
    }
}
}
