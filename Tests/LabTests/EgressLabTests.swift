import Foundation
import Glibc
import Testing
import P2PReport

extension NATLab {
/// UDP egress in the NAT lab: the real binary, run by `scripts/natlab run SCENARIO` in the client
/// namespace, against the lab's `p2ptui serve` at 203.0.113.10 (ports 3478/3479); the extra ports
/// go to the same host, whose kernel answers ICMP port unreachable for closed ports.
@Suite("UDP egress")
struct EgressLabTests {
    @Test func eimScenarioReachesEveryPort() async throws {
        guard let r = try await EgressLab.check("eim") else { return }
        #expect(r.udp.status == .open, "\(r.udp.evidence)")
        #expect(r.udp.ports.count == 7)
        #expect(r.udp.ports.values.allSatisfy { $0 == .reached })
        #expect(r.quic.status == .open, "the lab's p2ptui serve answers QUIC Version Negotiation on 443: \(r.quic.evidence)")
    }

    @Test func udpBlockedScenarioIsBlocked() async throws {
        guard let r = try await EgressLab.check("udp-blocked") else { return }
        #expect(r.udp.status == .blocked, "\(r.udp.evidence)")
        #expect(r.udp.failures[3478] == .silentDrop)
        #expect(r.udp.ports[3478] == .blocked)
        #expect(r.udp.ports[443] == .unknown, "silence on a port nothing listens on proves nothing")
    }
}
}

enum EgressLab {
    /// `natlab run SCENARIO p2ptui check --json ...` and the decoded report.
    static func check(_ scenario: String) async throws -> Report? {
        let out = try await Lab.inScenarioAsync(scenario, [
            Lab.p2ptui, "check", "--json", "--stun", "203.0.113.10:3478", "--stun", "203.0.113.10:3479",
            "--egress-target", "203.0.113.10", "--quic", "203.0.113.10:443", "--timeout", "4"])
        #expect([0, 1].contains(out.status), "natlab run \(scenario) exited \(out.status): \(out.stderr.suffix(400))")
        return try JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8))
    }
}
