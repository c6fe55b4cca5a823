// NAT verdicts under packet loss on the router (scripts/natlab loss PCT: nftables `numgen random`
// drops, because this kernel has no sch_netem). At 10 % per direction the verdict is right in at
// least 19 of 20 runs; at 30 % it is right or "inconclusive", never wrong.
//
// One of the NAT lab's suites: `.needsLab` (on `NATLab`) decides whether it runs.
import Foundation
import P2PTestSupport
import Testing

extension NATLab {
@Suite("NAT verdicts under packet loss")
struct LossTests {
    /// One lab for 20 checks, with PCT % loss per direction; returns each run's classic NAT type.
    /// Blocking (processes, waitpid): call it through `offPool`.
    static func verdicts(scenario: String, lossPercent: Int, runs: Int) throws -> [String] {
        try run([Lab.natlab, "up", scenario], expect: 0)
        defer { _ = try? run([Lab.natlab, "down"]) }
        try run([Lab.natlab, "loss", String(lossPercent)], expect: 0)
        var out: [String] = []
        for _ in 0..<runs {
            let r = try run([Lab.natlab, "exec", "client", Lab.p2ptui, "check", "--json",
                             "--stun", "203.0.113.10:3478", "--stun", "203.0.113.20:3478"])
            let json = try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let nat = json?["nat"] as? [String: Any]
            out.append(nat?["classicType"] as? String ?? "no report (exit \(r.status)): \(r.stderr.suffix(200))")
        }
        return out
    }

    @Test func tenPercentLossEIMRightInAtLeast19Of20() async throws {
        let v = try await offPool { try Self.verdicts(scenario: "eim", lossPercent: 10, runs: 20) }
        let right = v.filter { $0 == "Port Restricted Cone" }.count
        #expect(right >= 19, "\(v)")
        #expect(v.allSatisfy { $0 == "Port Restricted Cone" || $0 == "Unknown" }, "never wrong: \(v)")
    }

    /// Full cone at 30 %: the riskiest case for a false "filtered" answer (every filtering test's
    /// answer must cross the lossy link both ways).
    @Test func thirtyPercentLossFullConeNeverWrong() async throws {
        let v = try await offPool { try Self.verdicts(scenario: "fullcone", lossPercent: 30, runs: 20) }
        #expect(v.allSatisfy { $0 == "Full Cone" || $0 == "Unknown" }, "right or inconclusive only: \(v)")
        #expect(v.filter { $0 == "Full Cone" }.count >= 15, "mostly right: \(v)")
    }

    struct LabCommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a lab command quietly (NATLAB_QUIET); with `expect`, another exit status throws.
    @discardableResult
    static func run(_ args: [String], expect: Int32? = nil, timeout: Double = 60) throws -> Lab.Outcome {
        let o = try Lab.run(args, timeout: timeout, environment: ["NATLAB_QUIET": "1"])
        if let expect, o.status != expect {
            throw LabCommandFailed(description: "\(args.joined(separator: " ")) exited \(o.status): \(o.stderr.suffix(400))")
        }
        return o
    }
}
}
