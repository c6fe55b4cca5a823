import Foundation
import P2PReport
import Testing

extension NATLab {
/// A server list shaped like the built-in one (three plain binding servers, then RFC 5780
/// behaviour-test candidates) in the `public-fullcone` scenario with NATLAB_CANDIDATES=1: the
/// first candidate's alternate address is dead, the second is the project's honest server.
@Suite("Built-in list shape: plain servers and behaviour-test candidates")
struct DefaultServersLabTests {
    static let plain = ["203.0.113.30:3478", "203.0.113.31:19302", "203.0.113.32:3478"]
    static let candidates = ["203.0.113.12:3478", "203.0.113.10:3478"]

    @Test(.needsTools("python3")) func aDeadCandidateIsDroppedWithItsReasonAndTheNextAnswersFiltering() async throws {
        let runs = [(Self.plain + Self.candidates), Self.plain].map { list in
            list.flatMap { ["--stun", $0] } + ["--timeout", "5"]
        }
        let rs = try await EgressServerLab.checks("public-fullcone", runs, environment: ["NATLAB_CANDIDATES": "1"])
        guard rs.count == 2 else { Issue.record("got \(rs.count) reports"); return }
        let with = rs[0].nat, without = rs[1].nat
        #expect(with.mapping == .endpointIndependent && with.filtering == .endpointIndependent, "\(with.evidence)")
        #expect(with.classicType == .fullCone, "\(with.evidence)")
        #expect(with.evidence.contains { $0.hasPrefix("not used for behaviour tests: 203.0.113.12:3478")
            && $0.contains("answered none of the mapping tests") }, "\(with.evidence)")
        // The control: the plain servers alone leave filtering, and so the classic name, open.
        #expect(without.mapping == .endpointIndependent && without.filtering == .unknown, "\(without.evidence)")
        #expect(without.classicType == .unknown)
    }
}
}
