// With the kernel's default ICMP rate limits in every lab namespace, back-to-back runs
// of `p2ptui check` (no pause, no NAT state reset) give the same step statuses and verdict.
import Foundation
import P2PReport
import Testing

/// Runs `p2ptui check --json` `runs` times back to back inside one lab of `scenario` and decodes
/// every report (nil after recording why when the lab is unavailable or the output is garbled).
func backToBackReports(_ scenario: String, servers: [String], extra: [String] = [], runs: Int,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws -> [Report]? {
    let check = ([Lab.p2ptui, "check", "--json"] + servers.flatMap { ["--stun", $0] } + extra).joined(separator: " ")
    let marker = "=====8<====="
    let script = "for i in $(seq \(runs)); do \(check); echo '\(marker)'; done"
    let outcome = try await Lab.inScenarioAsync(scenario, ["bash", "-c", script], timeout: Double(runs) * 20 + 30)
    #expect(!outcome.timedOut, "\(scenario): timed out", sourceLocation: sourceLocation)
    let chunks = outcome.stdout.components(separatedBy: marker + "\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
    guard chunks.count == runs else {
        Issue.record("\(scenario): \(chunks.count) reports of \(runs); stderr:\n\(outcome.stderr.suffix(2000))", sourceLocation: sourceLocation)
        return nil
    }
    var out: [Report] = []
    for c in chunks {
        do { out.append(try JSONDecoder().decode(Report.self, from: Data(c.utf8))) } catch {
            Issue.record("\(scenario): not a Report (\(error)): \(c.prefix(500))", sourceLocation: sourceLocation)
            return nil
        }
    }
    return out
}

/// One run's answer as a user sees it: every step's status and the verdict.
func stepSignature(_ r: Report) -> String {
    r.assessSteps().map { "\($0.step.rawValue)=\($0.status.rawValue)" }.joined(separator: " ")
        + " verdict=\(r.verdict.directConnection.rawValue)"
}

extension NATLab {
@Suite("Back-to-back runs agree (kernel ICMP rate limits on)")
struct BackToBackTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var scenario: String
        var servers: [String]
        var extra: [String] = []
        var testDescription: String { scenario + (extra.isEmpty ? "" : " " + extra.joined(separator: " ")) }
    }

    /// eim: the egress probe's port-unreachables and the path trace's time-exceeded were the
    /// budgets found spent back to back; udp-53-443: the second server is the one that answers;
    /// public-symmetric: no RFC 5780 server, hosts silent on closed ports.
    static let cases = [
        Case(scenario: "eim", servers: ["203.0.113.10:3478"]),
        // An --egress-target that is an ordinary host (not `serve --egress-ports`): its closed
        // ports answer with rate-limited ICMP.
        Case(scenario: "eim", servers: ["203.0.113.10:3478"], extra: ["--egress-target", "203.0.113.10"]),
        Case(scenario: "udp-53-443", servers: ["203.0.113.10:3478", "203.0.113.20:443"], extra: ["--hairpin"]),
        Case(scenario: "public-symmetric", servers: ["203.0.113.30:3478", "203.0.113.31:19302", "203.0.113.32:3478"]),
    ]

    @Test(arguments: cases)
    func fiveRunsGiveTheSameStatusesAndVerdict(_ c: Case) async throws {
        guard let reports = try await backToBackReports(c.scenario, servers: c.servers, extra: c.extra, runs: 5) else { return }
        let first = stepSignature(reports[0])
        for (i, r) in reports.enumerated().dropFirst() {
            #expect(stepSignature(r) == first,
                    "\(c.scenario) run \(i + 1) differs from run 1:\n  \(stepSignature(r))\n  \(first)\nudp: \(r.udp.evidence)\ndoubleNat: \(r.doubleNat.evidence)\nhairpin: \(r.hairpin.evidence)")
        }
        // And the answers are the right ones, not merely the same.
        switch c.scenario {
        case "eim":
            #expect(reports.allSatisfy { $0.udp.status == .open && $0.doubleNat.detected == false })
        case "udp-53-443":
            #expect(reports.allSatisfy { $0.udp.status == .partial }, "\(reports.map(\.udp.status))")
            #expect(reports.allSatisfy { $0.doubleNat.detected == false && $0.hairpin.supported == false },
                    "checked through the server that answered: \(reports[0].doubleNat.evidence) \(reports[0].hairpin.evidence)")
        case "public-symmetric":
            #expect(reports.allSatisfy { $0.nat.mapping == .addressDependent || $0.nat.mapping == .addressAndPortDependent })
            #expect(reports.allSatisfy { $0.nat.classicType != .blocked })
        default: break
        }
    }
}
}
