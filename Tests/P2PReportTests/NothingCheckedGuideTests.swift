import P2PReport
import Testing

/// With nothing checked, the first next step is the fix (DNS, or an IP for `--stun`).
@Suite struct NothingCheckedGuideTests {
    @Test func firstNextStepIsTheDNSFix() throws {
        var r = Report()
        r.nat = NATSection(status: .inconclusive)
        r.nat.inconclusiveReason = "no STUN server could be resolved (DNS failure): the checks could not run"
        r.nat.servers = [ServerObservation(server: "stun.l.google.com:19302", outcome: .dnsFailure),
                         ServerObservation(server: "stun.cloudflare.com:3478", outcome: .dnsFailure)]
        r.udp.status = .unknown
        r.verdict = Verdict.derive(from: r)
        #expect(r.verdict.directConnection == .unknown)
        let steps = Guide.nextSteps(for: r)
        let nat = try #require(FindingRules.findings(for: .natType, in: r).first)
        #expect(nat.code == .natNotChecked && nat.parameters["cause"] == "dns-failure")
        #expect(r.verdict.codes.first == .natNotChecked)
        #expect(steps.first == FindingWords.text(nat, in: r).advice.first, "\(steps)")
        #expect(Pages.headline(.unknown).contains("UNKNOWN"))
    }
}
