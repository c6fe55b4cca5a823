import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

@Suite struct SummaryGoldenTests {
    static let names = ReportFixtures.all.map(\.name)

    static func fixture(_ name: String) -> Report {
        ReportFixtures.all.first { $0.name == name }!.report
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
        let c = Compare.compare(client: ReportFixtures.homeAllPass, connector: ReportFixtures.cloudAllFail)
        golden.expect(c.renderText(), matches: "compare-home-vs-cloud.txt")
    }
}

@Suite struct SummaryShapeTests {
    static let variants: [(String, SummaryOptions)] = [
        ("utf8", SummaryOptions()), ("ascii", SummaryOptions(ascii: true)),
        ("redacted", SummaryOptions(redact: true)), ("narrow", SummaryOptions(width: 60)),
        ("ascii-narrow-redacted", SummaryOptions(ascii: true, redact: true, width: 40)),
    ]

    @Test(arguments: ReportFixtures.all.map(\.name))
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
        let text = SummaryText.render(ReportFixtures.cloudAllFail, options: SummaryOptions(width: 200))
        #expect(text.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
        #expect(text.split(separator: "\n").contains { $0.unicodeScalars.count == 80 })
    }

    @Test func escapeCodesFromTheNetworkAreRemoved() {
        // The inconclusive fixture's STUN server sent ESC sequences and a tab in its SOFTWARE field.
        let text = SummaryText.render(ReportFixtures.inconclusiveAllWarn)
        #expect(!text.contains("\u{1B}"))
        // The same visible escapes as the report's cleaner writes (UntrustedText); the tab became a space.
        #expect(text.contains("\\x1b[31mevil\\x1b[0m server)"), "\(text)")
    }

    @Test func headerAndOrder() {
        let r = ReportFixtures.cloudAllFail
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
