import P2PReport
import P2PTestSupport
import Testing

@Suite struct FixtureCoverageTests {
    /// Every step shows every status it can have in some fixture. The hairpin step has no "fail"
    /// (a NAT without hairpin is a warning: it matters only on a shared LAN), see Report.assessHairpin.
    @Test func everyStepHasEveryStatus() {
        var seen: [Step: Set<StepStatus>] = [:]
        for (_, r) in ReportFixtures.all {
            for a in r.assessSteps() { seen[a.step, default: []].insert(a.status) }
        }
        for step in Step.allCases {
            var wanted = Set(StepStatus.allCases)
            if step == .hairpin { wanted.remove(.fail) }
            #expect(seen[step, default: []].isSuperset(of: wanted), "\(step): \(seen[step, default: []])")
        }
        #expect(Set(ReportFixtures.all.map(\.report.verdict.directConnection)) == Set(DirectConnection.allCases))
    }

    @Test func everyGuideHasMeaningAndReading() {
        for (_, r) in ReportFixtures.all {
            for g in Guide.guides(for: r) {
                #expect(!g.meaning.isEmpty)
                #expect(!g.intro.isEmpty)
                #expect(!g.furtherReading.isEmpty)
                #expect(!g.facts.isEmpty || g.status == .notChecked, "\(g.step) has facts unless it did not run")
                if g.status == .notChecked { #expect(g.finding.contains("did not run"), "\(g.step): \(g.finding)") }
                if g.status == .fail { #expect(!g.advice.isEmpty, "\(g.step) fail has advice") }
                if g.status == .pass { #expect(g.advice.isEmpty) }
            }
        }
    }

    @Test func guideSaysWhatTheArticleSays() {
        let aws = Guide.guide(for: .cloudNat, in: ReportFixtures.cloudAllFail)
        #expect(aws.advice.joined().contains("public subnet"))
        #expect(aws.advice.joined().contains("Internet Gateway"))
        let nat = Guide.guide(for: .natType, in: ReportFixtures.cloudAllFail)
        #expect(nat.meaning.joined().contains("endpoint-independent mapping"))
        #expect(nat.facts.contains("Public endpoint: 203.0.113.77:61002"))
        let hp = Guide.guide(for: .hairpin, in: ReportFixtures.cloudAllFail)
        #expect(hp.meaning.joined().contains("same NAT"))
        let fw = Guide.guide(for: .firewall, in: ReportFixtures.cloudAllFail)
        #expect(fw.facts.contains("UDP port 443: blocked (icmp-prohibited)"))
        #expect(fw.facts.contains("Local firewall rule: ip filter OUTPUT udp dport 51820 drop"))
        // The Logs step keeps only claims checked on the vendor's public pages, each with its link.
        #expect(!Pages.logs.isEmpty)
        for c in Pages.logs {
            #expect(c.source.hasPrefix("https://www.twingate.com/docs/"), "\(c.text)")
            #expect(!c.text.contains("unverified"))
        }
        #expect(!Pages.logs.map(\.text).joined().contains("TWINGATE_LOG_ANALYTICS"), "not in the vendor's public docs")
    }
}
