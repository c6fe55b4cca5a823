// The wizard's screens and the saved summary render one content (P2PReport/Content): for the same
// report they must list the same findings, facts, advice and next steps, in the same order.
import P2PExport
import P2PReport
import Testing
@testable import P2PWizard

@Suite struct ParityTests {
    /// The wizard's body lines as plain strings, wide enough that nothing wraps.
    static func screen(_ m: WizardModel, _ s: Screen) -> [String] {
        var m = m
        m.screen = s
        return bodyLines(m).map { $0.map(\.text).joined() }
    }

    /// Items of the list under `heading`: each starts with a bullet ("• ", "- ") or a number ("1. "),
    /// wrapped lines are joined, lines before the first item are skipped; the list ends at a blank
    /// line or the next heading.
    static func list(under heading: String, in lines: [String]) -> [String]? {
        guard let start = lines.firstIndex(where: { $0.trimmingSpaces == heading }) else { return nil }
        let depth = lines[start].prefix { $0 == " " }.count
        var items: [String] = []
        for line in lines[(start + 1)...] {
            let t = line.trimmingSpaces
            let indent = line.prefix { $0 == " " }.count
            if t.isEmpty || t.hasPrefix("---") || (t.hasSuffix(":") && indent <= depth) { break }
            if let body = itemBody(t) { items.append(body) } else if !items.isEmpty { items[items.count - 1] += " " + t }
        }
        return items
    }

    static func itemBody(_ t: String) -> String? {
        for mark in ["• ", "- "] where t.hasPrefix(mark) { return String(t.dropFirst(mark.count)) }
        if let dot = t.firstIndex(of: "."), let n = Int(t[..<dot]), n > 0, t[t.index(after: dot)...].hasPrefix(" ") {
            return String(t[t.index(dot, offsetBy: 2)...])
        }
        return nil
    }

    /// The summary file's lines for step `i` (1-based), from its "N. " header to the next rule.
    static func section(_ i: Int, in lines: [String]) -> [String] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("\(i). ") }) else { return [] }
        let rest = lines[start...]
        let end = rest.firstIndex { $0.hasPrefix("---") } ?? lines.endIndex
        return Array(lines[start..<end])
    }

    @Test(arguments: ["good", "bad"])
    func screenAndSummaryAgree(name: String) throws {
        let report = name == "good" ? Fixtures.goodReport : Fixtures.badReport
        let m = Fixtures.finished(report, cols: 1000, rows: 60)
        let summary = SummaryText.render(m.report).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        // Next steps: the same list, in the same order.
        let wizardNext = try #require(Self.list(under: Pages.nextStepsLabel, in: Self.screen(m, .summary)))
        let fileNext = try #require(Self.list(under: Pages.nextStepsLabel + ":", in: summary))
        #expect(!wizardNext.isEmpty)
        #expect(wizardNext == fileNext)

        // Verdict reasons: the screen lists under the verdict what the file lists under "Why:", in
        // the same order (what decides first).
        let fileWhy = try #require(Self.list(under: "Why:", in: summary))
        #expect(fileWhy == m.report.verdict.reasons)
        let screen = Self.screen(m, .summary)
        let verdictAt = try #require(screen.firstIndex { $0.trimmingSpaces == "Verdict" })
        let underVerdict = Array(screen[verdictAt...]).joined(separator: "\n")
        var from = underVerdict.startIndex
        for reason in fileWhy {
            let at = try #require(underVerdict.range(of: reason, range: from..<underVerdict.endIndex), "under the verdict: \(reason)")
            from = at.upperBound
        }

        for (i, step) in Step.allCases.enumerated() {
            let screen = Self.screen(m, .step(step))
            let file = Self.section(i + 1, in: summary)
            let guide = Guide.guide(for: step, in: m.report)
            // The finding: first line of the screen, "Finding:" in the file.
            #expect(screen.first?.hasSuffix(guide.finding) == true, "\(step): \(screen.first ?? "")")
            let fileFinding = file.drop { !$0.hasPrefix("   Finding: ") }.prefix { !$0.hasSuffix(":") || $0.hasPrefix("   Finding: ") }
            #expect(fileFinding.map(\.trimmingSpaces).joined(separator: " ") == "Finding: " + guide.finding, "\(step)")
            // Facts and advice: the same items in the same order, each once.
            for label in [Pages.factsLabel, Pages.adviceLabel] {
                let a = Self.list(under: label, in: screen) ?? []
                let b = Self.list(under: label + ":", in: file) ?? []
                #expect(a == b, "\(step) \(label):\nscreen: \(a)\nfile:   \(b)")
                #expect(Set(a).count == a.count, "\(step) \(label) lists a fact twice: \(a)")
            }
            #expect(Self.list(under: Pages.adviceLabel, in: screen) ?? [] == guide.advice)
            #expect(Self.list(under: Pages.factsLabel, in: screen) ?? [] == guide.facts)
        }
    }
}
