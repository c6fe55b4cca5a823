import Foundation
import P2PExport
import P2PReport
import Testing

@Suite struct SummaryGoldenTests {
    static let names = Fixtures.all.map(\.name)

    static func fixture(_ name: String) -> Report {
        Fixtures.all.first { $0.name == name }!.report
    }

    @Test(arguments: names) func utf8Summary(name: String) {
        golden.expect(SummaryText.render(Self.fixture(name)), matches: "\(name).txt")
    }

    @Test(arguments: names) func asciiSummary(name: String) {
        golden.expect(SummaryText.render(Self.fixture(name), options: SummaryOptions(ascii: true)),
                      matches: "\(name).ascii.txt")
    }

    @Test(arguments: names) func jsonReport(name: String) throws {
        let bytes = try ReportJSON.encode(Self.fixture(name))
        golden.expect(String(decoding: bytes, as: UTF8.self), matches: "\(name).json")
    }

    @Test(arguments: ["home-all-pass", "cloud-all-fail"]) func redactedSummary(name: String) {
        golden.expect(SummaryText.render(Self.fixture(name), options: SummaryOptions(redact: true)),
                      matches: "\(name).redacted.txt")
    }

    @Test func comparisonText() {
        let c = Compare.compare(client: Fixtures.homeAllPass, connector: Fixtures.cloudAllFail)
        golden.expect(c.renderText(), matches: "compare-home-vs-cloud.txt")
    }
}

@Suite struct SummaryShapeTests {
    static let variants: [(String, SummaryOptions)] = [
        ("utf8", SummaryOptions()), ("ascii", SummaryOptions(ascii: true)),
        ("redacted", SummaryOptions(redact: true)), ("narrow", SummaryOptions(width: 60)),
        ("ascii-narrow-redacted", SummaryOptions(ascii: true, redact: true, width: 40)),
    ]

    @Test(arguments: Fixtures.all.map(\.name))
    func linesFitAndAreClean(name: String) {
        let report = SummaryGoldenTests.fixture(name)
        for (label, options) in Self.variants {
            let text = SummaryText.render(report, options: options)
            let width = min(max(options.width, SummaryText.minWidth), SummaryText.maxWidth)
            #expect(text.hasSuffix("\n"), "\(label): ends with a newline")
            for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                // A URL is never cut: it may overrun the width, alone after the line's indent.
                let isURL = line.split(separator: " ").count == 1 && line.contains("://")
                #expect(line.unicodeScalars.count <= width || isURL, "\(label) line \(i + 1) too long: \(line)")
                #expect(line.last != " ", "\(label) line \(i + 1) has trailing space")
            }
            for b in text.utf8 {
                #expect(b >= 0x20 || b == 0x0A, "\(label): control byte \(b)")
                #expect(b != 0x7F, "\(label): DEL")
                if options.ascii { #expect(b < 0x80, "\(label): non-ASCII byte \(b)") }
            }
        }
    }

    @Test func widthIsCappedAt80() {
        let text = SummaryText.render(Fixtures.cloudAllFail, options: SummaryOptions(width: 200))
        #expect(text.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
        #expect(text.split(separator: "\n").contains { $0.unicodeScalars.count == 80 })
    }

    @Test func escapeCodesFromTheNetworkAreRemoved() {
        // The inconclusive fixture's STUN server sent ESC sequences and a tab in its SOFTWARE field.
        let text = SummaryText.render(Fixtures.inconclusiveAllWarn)
        #expect(!text.contains("\u{1B}"))
        // The same visible escapes as the report's cleaner writes (UntrustedText); the tab became a space.
        #expect(text.contains("\\x1b[31mevil\\x1b[0m server)"), "\(text)")
    }

    @Test func headerAndOrder() {
        let r = Fixtures.cloudAllFail
        let text = SummaryText.render(r)
        for needle in ["Tool:          p2ptui 0.1.0", "Time (UTC):    2026-11-30T06:00:00Z",
                       "Host name:     connector-eu-1", "OS:            Linux 6.1.0-18-amd64 x86_64",
                       "Role:          Connector", "STUN servers:  stun.example.net:3478, 198.51.100.7:3478"] {
            #expect(text.contains(needle), "header has \(needle)")
        }
        // Verdict first, then the steps in the article's order, then IPv6 and Logs.
        var positions = [text.range(of: "OVERALL: ")!.lowerBound]
        for (i, step) in Step.allCases.enumerated() {
            positions.append(text.range(of: "\(i + 1). \u{2718} FAIL \(step.title)")?.lowerBound
                             ?? text.range(of: "\(i + 1). \u{26A0} WARN \(step.title)")!.lowerBound)
        }
        positions.append(text.range(of: "6. Logs: direct or relayed?")!.lowerBound)
        #expect(positions == positions.sorted())
        #expect(text.contains("UNLIKELY"))
        #expect(!text.contains("(unverified)"))
        #expect(text.contains("https://www.twingate.com/docs/firewall-failures"))
        #expect(text.contains("https://www.rfc-editor.org/rfc/rfc4787"))
    }

    @Test func everyStatusHasItsSymbol() {
        for (status, mark) in [(StepStatus.pass, "[PASS]"), (.warning, "[WARN]"), (.fail, "[FAIL]"),
                               (.notChecked, "[ -- ]")] {
            #expect(SummaryText.statusSymbol(status, ascii: true) == mark)
            #expect(SummaryText.statusSymbol(status, ascii: false).unicodeScalars.first!.value > 0x7F)
        }
    }
}

@Suite struct FixtureCoverageTests {
    /// Every step shows every status it can have in some fixture. The hairpin step has no "fail"
    /// (a NAT without hairpin is a warning: it matters only on a shared LAN), see Report.assessHairpin.
    @Test func everyStepHasEveryStatus() {
        var seen: [Step: Set<StepStatus>] = [:]
        for (_, r) in Fixtures.all {
            for a in r.assessSteps() { seen[a.step, default: []].insert(a.status) }
        }
        for step in Step.allCases {
            var wanted = Set(StepStatus.allCases)
            if step == .hairpin { wanted.remove(.fail) }
            #expect(seen[step, default: []].isSuperset(of: wanted), "\(step): \(seen[step, default: []])")
        }
        #expect(Set(Fixtures.all.map(\.report.verdict.directConnection)) == Set(DirectConnection.allCases))
    }

    @Test func everyGuideHasMeaningAndReading() {
        for (_, r) in Fixtures.all {
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
        let aws = Guide.guide(for: .cloudNat, in: Fixtures.cloudAllFail)
        #expect(aws.advice.joined().contains("public subnet"))
        #expect(aws.advice.joined().contains("Internet Gateway"))
        let nat = Guide.guide(for: .natType, in: Fixtures.cloudAllFail)
        #expect(nat.meaning.joined().contains("endpoint-independent mapping"))
        #expect(nat.facts.contains("Public endpoint: 203.0.113.77:61002"))
        let hp = Guide.guide(for: .hairpin, in: Fixtures.cloudAllFail)
        #expect(hp.meaning.joined().contains("same NAT"))
        let fw = Guide.guide(for: .firewall, in: Fixtures.cloudAllFail)
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
