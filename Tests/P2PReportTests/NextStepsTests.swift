@testable import P2PReport
import Testing

/// The next steps: the first advice of every finding that fails or warns, in the verdict's order
/// (what stands in the way most comes first), then the other side and the logs.
@Suite struct NextStepsTests {
    /// Symmetric NAT (unlikely, blocking), UDP blocked to some ports (possible), double NAT.
    static let report: Report = VerdictTests.report {
        $0.nat.mapping = .addressAndPortDependent
        $0.nat.classicType = .symmetricNAT
        $0.udp = UDPSection(status: .partial, ports: [3478: .reached, 443: .blocked], failures: [443: .silentDrop])
        $0.doubleNat.detected = true
    }

    static func firstAdvice(_ code: FindingCode, in r: Report) throws -> String {
        let f = try #require(FindingRules.findings(for: r).first { $0.code == code })
        return try #require(FindingWords.text(f, in: r).advice.first)
    }

    @Test func theVerdictsHeaviestFindingLeadsEvenWhenAnEarlierStepFails() throws {
        let r = Self.report
        let steps = Guide.nextSteps(for: r)
        #expect(FindingRules.verdict(for: r).findings.first?.code == .mappingEndpointDependent)
        // The firewall step comes first in the article, but the symmetric NAT weighs more.
        #expect(steps.first == (try Self.firstAdvice(.mappingEndpointDependent, in: r)), "\(steps)")
        #expect(steps.dropFirst().first == (try Self.firstAdvice(.udpPartial, in: r)), "\(steps)")
    }

    @Test func everyFailingOrWarningFindingGivesItsFirstAdviceInVerdictOrder() throws {
        let r = Self.report
        let concerns = FindingRules.findings(for: r).filter { $0.status == .fail || $0.status == .warning }
        let ordered = FindingRules.verdict(for: r).findings.filter { concerns.contains($0) }
        var expected: [String] = []
        for f in ordered + concerns.filter({ !ordered.contains($0) }) {
            if let a = FindingWords.text(f, in: r).advice.first, !expected.contains(a) { expected.append(a) }
        }
        #expect(Guide.nextSteps(for: r) == expected + Pages.closingSteps(role: r.run.role))
    }

    @Test func aShortMappingLifetimeWarningGivesItsAdviceLikeAnyOtherFinding() throws {
        var r = VerdictTests.report { _ in }
        r.mappingLifetime = MappingLifetimeSection(status: .checked, minSeconds: 10, maxSeconds: 20, limitSeconds: 120)
        let lifetime = try #require(FindingRules.findings(for: r).first { $0.code == .shortMappingLifetime })
        let advice = try #require(FindingWords.text(lifetime, in: r).advice.first)
        #expect(Guide.nextSteps(for: r).contains(advice))
    }
}
