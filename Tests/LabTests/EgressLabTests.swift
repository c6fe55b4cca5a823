import Foundation
import Glibc
import Testing
import P2PReport

/// UDP egress in the NAT lab: the real binary, run by `scripts/natlab run SCENARIO` in the client
/// namespace, against the lab's `p2ptui serve` at 203.0.113.10 (ports 3478/3479); the extra ports
/// go to the same host, whose kernel answers ICMP port unreachable for closed ports.
@Suite(.serialized, .enabled(if: EgressLab.available, "needs root and a built p2ptui (scripts/test)"))
struct EgressLabTests {
    @Test func eimScenarioReachesEveryPort() async throws {
        let r = try await EgressLab.check("eim")
        #expect(r.udp.status == .open, "\(r.udp.evidence)")
        #expect(r.udp.ports.count == 7)
        #expect(r.udp.ports.values.allSatisfy { $0 == .reached })
    }

    @Test func udpBlockedScenarioIsBlocked() async throws {
        let r = try await EgressLab.check("udp-blocked")
        #expect(r.udp.status == .blocked, "\(r.udp.evidence)")
        #expect(r.udp.failures["3478"] == "silent-drop")
        #expect(r.udp.ports["3478"] == .blocked)
        #expect(r.udp.ports["443"] == .unknown, "silence on a port nothing listens on proves nothing")
    }
}

/// Under CI=true a skipped lab is a failure (scripts/test).
@Test func egressLabIsNotSkippedUnderCI() {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        #expect(EgressLab.available, "EgressLabTests need root, .build/debug/p2ptui and scripts/natlab")
    }
}

enum EgressLab {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let binary = repo.appendingPathComponent(".build/debug/p2ptui").path
    static let natlab = repo.appendingPathComponent("scripts/natlab").path

    static let available: Bool = getuid() == 0 && FileManager.default.isExecutableFile(atPath: binary)
        && FileManager.default.isExecutableFile(atPath: natlab)

    /// `natlab run SCENARIO p2ptui check --json ...` and the decoded report (exit status 0 or 1).
    /// The seconds-long subprocess wait runs on a thread of its own: blocking the cooperative pool
    /// (two threads on a 2-core machine) would stall every concurrently running test.
    static func check(_ scenario: String) async throws -> Report {
        let (status, data) = try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Int32, Data), any Error>) in
            Thread { c.resume(with: Result { try runNatlab(scenario) }) }.start()
        }
        #expect([0, 1].contains(status), "natlab run \(scenario) exited \(status)")
        return try JSONDecoder().decode(Report.self, from: data)
    }

    static func runNatlab(_ scenario: String) throws -> (Int32, Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: natlab)
        p.arguments = ["run", scenario, binary, "check", "--json", "--stun", "203.0.113.10:3478", "--stun", "203.0.113.10:3479",
                       "--egress-target", "203.0.113.10", "--quic", "203.0.113.10:443", "--timeout", "4"]
        var env = ProcessInfo.processInfo.environment
        env["NATLAB_QUIET"] = "1"
        env["P2PTUI_BIN"] = binary
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }
}
