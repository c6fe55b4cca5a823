// `p2ptui check`'s terminal text, rendered from the same step content as the summary and the wizard.
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

@Suite struct CheckTextTests {
    @Test func goldens() {
        golden.expect(CheckText.render(ReportFixtures.cloudAllFail, verbose: false, symbols: true), matches: "check-cloud-all-fail.txt")
        golden.expect(CheckText.render(ReportFixtures.homeAllPass, verbose: true, symbols: false), matches: "check-home-all-pass-v.ascii.txt")
    }

    @Test(arguments: ReportFixtures.all.map(\.name))
    func everyStepOnceWithItsFinding(name: String) {
        let r = SummaryGoldenTests.fixture(name)
        let text = CheckText.render(r, verbose: false, symbols: true)
        for g in Guide.guides(for: r) {
            let line = "\(SummaryText.statusSymbol(g.status, ascii: false)) \(g.title): \(g.finding)"
            #expect(text.components(separatedBy: line + "\n").count == 2, "once: \(line)")
        }
        #expect(text.contains("Verdict: direct connection \(r.verdict.directConnection.rawValue)\n"))
        for (i, s) in Guide.nextSteps(for: r).enumerated() { #expect(text.contains("  \(i + 1). \(s)\n")) }
    }

    @Test func briefShowsTheFirstFactsAndSaysHowManyMore() {
        let r = ReportFixtures.cloudAllFail
        let nat = Guide.guide(for: .natType, in: r)
        #expect(nat.facts.count > CheckText.briefFacts, "fixture has enough facts to cut")
        let brief = CheckText.render(r, verbose: false, symbols: true)
        let verbose = CheckText.render(r, verbose: true, symbols: true)
        for (i, f) in nat.facts.enumerated() {
            #expect(verbose.contains("    \(f)\n"))
            if i < CheckText.briefFacts { #expect(brief.contains("    \(f)\n")) }
        }
        #expect(!brief.contains("    \(nat.facts.last!)\n"))
        #expect(brief.contains("    (\(nat.facts.count - CheckText.briefFacts) more with -v)\n"))
        #expect(!verbose.contains("more with -v"))
    }

    @Test func asciiHasNoSymbols() {
        for (_, r) in ReportFixtures.all {
            let text = CheckText.render(r, verbose: true, symbols: false)
            #expect(!text.unicodeScalars.contains { $0.value == 0x2714 || $0.value == 0x2718 || $0.value == 0x26A0 })
            #expect(text.contains("[PASS]") || text.contains("[FAIL]") || text.contains("[WARN]") || text.contains("[ -- ]"))
        }
    }
}
