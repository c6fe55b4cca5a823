import Foundation
import Testing
import P2PReport

extension NATLab {
/// `p2ptui serve --egress-ports 1-65535` at 203.0.113.30 in the lab's internet (scenarios egress,
/// egress-quic, egress-53-443 of scripts/natlab): egress proven by answers on a random sample of
/// ports, QUIC filtering told apart from a closed port.
@Suite("Egress server", .needsTools("python3"))
struct EgressServerLabTests {
    static let egress = ["--egress-target", "203.0.113.30", "--timeout", "4"]

    @Test func everyPortAnswersInThePlainScenario() async throws {
        let rs = try await EgressServerLab.checks("egress", [
            ["--stun", Lab.p2ptuiServer] + Self.egress,
            // The control for the filter test: the same aioquic server answers when nothing filters.
            ["--stun", Lab.p2ptuiServer, "--quic", "203.0.113.40:443", "--timeout", "4"],
        ])
        guard rs.count == 2 else { Issue.record("got \(rs.count) reports"); return }
        let r = rs[0]
        #expect(rs[1].quic.status == .open, "aioquic answers Version Negotiation: \(rs[1].quic.evidence)")
        #expect(r.udp.status == .open, "\(r.udp.evidence)")
        #expect(r.udp.ports.count >= 32 + 5, "STUN port, the fixed list and the random sample: \(r.udp.ports.keys.sorted())")
        #expect(r.udp.ports.values.allSatisfy { $0 == .reached })
        #expect(r.udp.evidence.contains { $0.hasPrefix("random sample of 32 ports: answered 32") }, "\(r.udp.evidence)")
        #expect(r.quic.status == .open, "\(r.quic.evidence)")
        #expect(r.verdict.directConnection == .likely, "\(r.verdict.reasons)")
    }

    @Test func quicOnlyFilterOn443() async throws {
        let rs = try await EgressServerLab.checks("egress-quic", [
            // A real third-party QUIC server (aioquic) behind the filter: silence proves nothing.
            ["--stun", Lab.p2ptuiServer, "--quic", "203.0.113.40:443", "--timeout", "4"],
            // The egress server answers plain probes on 443, so QUIC silence there is filtering.
            ["--stun", Lab.p2ptuiServer] + Self.egress,
        ])
        guard rs.count == 2 else { Issue.record("expected two reports, got \(rs.count)"); return }
        let third = rs[0], ours = rs[1]
        #expect(third.quic.status == .notProven, "\(third.quic.evidence)")
        #expect(third.verdict.directConnection == .likely, "\(third.verdict.reasons)")
        #expect(ours.quic.status == .filtered, "\(ours.quic.evidence)")
        #expect(ours.quic.plainAnswered == true)
        #expect(ours.udp.ports[443] == .reached, "plain UDP to 443 gets through")
        #expect(ours.verdict.directConnection == .unlikely)
        #expect(ours.verdict.codes.first == .quicFiltered, "\(ours.verdict.codes)")
    }

    @Test func only53And443OutIsPartialNamingTheBlockedRandomPorts() async throws {
        guard let r = try await EgressServerLab.checks("egress-53-443", [["--stun", "203.0.113.30:443"] + Self.egress]).first else { return }
        #expect(r.udp.status == .partial, "\(r.udp.evidence)")
        #expect(r.udp.ports[53] == .reached && r.udp.ports[443] == .reached)
        let blocked = r.udp.ports.filter { $0.value == .blocked }.keys.sorted()
        #expect(blocked.count >= 32 + 3, "123, 40000, 51820 and the random sample: \(blocked)")
        #expect(blocked.allSatisfy { r.udp.failures[$0] == .silentDrop })
        let named = r.udp.evidence.first { $0.hasPrefix("random sample of 32 ports: answered 0") } ?? ""
        #expect(!named.isEmpty, "\(r.udp.evidence)")
        for p in blocked where p != 123 && p != 40000 && p != 51820 { #expect(named.contains(p.description)) }
        #expect(r.verdict.blocking)
    }

    /// `serve --egress-ports 1024-65535`, the range a user picks to stay above the privileged
    /// ports: the server is recognised on 40000 and 51820, the sample is drawn from its range, and
    /// the fixed ports below it (443 first) are proven by the host's port-unreachable or named as
    /// outside the range, never called dropped.
    @Test func aServerAbovethePrivilegedPortsIsRecognisedOnItsRange() async throws {
        guard let r = try await EgressServerLab.checks("egress", [["--stun", Lab.p2ptuiServer] + Self.egress],
                                                      environment: ["NATLAB_EGRESS_PORTS": "1024-65535"]).first else { return }
        #expect(r.udp.ports[40000] == .reached && r.udp.ports[51820] == .reached, "\(r.udp.evidence)")
        #expect(r.udp.evidence.contains { $0.hasPrefix("random sample of 32 ports: answered 32") }, "\(r.udp.evidence)")
        let sampled = r.udp.ports.keys.map { Int($0.number) }.filter { ![443, 53, 123, 40000, 51820, 3478].contains($0) }
        #expect(sampled.count >= 31 && sampled.allSatisfy { $0 >= 1024 }, "\(sampled.sorted())")
        for p: UDPPort in [443, 53, 123] {
            #expect(r.udp.ports[p] == .reached || r.udp.failures[p] == .outsideEgressRange,
                    "port \(p): \(r.udp.ports[p]?.rawValue ?? "-") \(r.udp.failures[p]?.rawValue ?? "-")")
        }
        #expect(r.udp.status == .open, "\(r.udp.evidence)")
    }

    /// `serve --egress-ports 40000-41000 --egress-mode sockets` (what runs without root): no fixed
    /// port of check's list but 40000 is in the range; with only 443 and 53 asked, the server is
    /// recognised through its own STUN port, and the sample comes from 40000-41000.
    @Test func aSocketsModeServerIsRecognisedThroughItsOwnSTUNPort() async throws {
        let env = ["NATLAB_EGRESS_PORTS": "40000-41000", "NATLAB_EGRESS_MODE": "sockets"]
        let rs = try await EgressServerLab.checks("egress", [
            ["--stun", "203.0.113.30:3478", "--stun", Lab.p2ptuiServer, "--egress-port", "443", "--egress-port", "53"] + Self.egress,
            ["--stun", Lab.p2ptuiServer] + Self.egress,
        ], environment: env)
        guard rs.count == 2 else { Issue.record("got \(rs.count) reports"); return }
        let own = rs[0], fixed = rs[1]
        #expect(own.udp.evidence.contains { $0.hasPrefix("random sample of 32 ports: answered 32") }, "\(own.udp.evidence)")
        let sampled = own.udp.ports.keys.map { Int($0.number) }.filter { ![443, 53, 3478].contains($0) }
        #expect(sampled.count == 32 && sampled.allSatisfy { (40000...41000).contains($0) }, "\(sampled.sorted())")
        #expect(own.udp.status == .open, "\(own.udp.evidence)")
        // Through the fixed list: recognised on 40000 (the only fixed port in the range).
        #expect(fixed.udp.ports[40000] == .reached, "\(fixed.udp.evidence)")
        #expect(fixed.udp.evidence.contains { $0.hasPrefix("random sample of 32 ports: answered 32") }, "\(fixed.udp.evidence)")
        #expect(fixed.udp.failures.values.allSatisfy { $0 != .silentDrop }, "\(fixed.udp.failures)")
    }
}
}

enum EgressServerLab {
    /// One `natlab run SCENARIO`, running `p2ptui check --json ARGS` once per entry of `runs`
    /// (one lab for all), and the decoded reports in order.
    static func checks(_ scenario: String, _ runs: [[String]], environment: [String: String] = [:]) async throws -> [Report] {
        let sep = "----p2ptui-report----"
        let script = runs.map { args in
            ([Lab.p2ptui, "check", "--json"] + args).map { "'\($0)'" }.joined(separator: " ") + "; echo; echo \(sep)"
        }.joined(separator: "\n")
        let out = try await Lab.runAsync([Lab.natlab, "run", scenario, "bash", "-c", script], environment: environment)
        #expect(out.status == 0, "natlab run \(scenario) exited \(out.status): \(out.stderr.suffix(600))")
        return try out.stdout.components(separatedBy: sep).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty }
            .map { try JSONDecoder().decode(Report.self, from: Data($0.utf8)) }
    }
}
