// The plain-text summary a person sends to support (`check --output FILE`, the wizard's Save).
//
// Plain text only: no escape codes, no control characters (strings that came from the network, such
// as a STUN server's SOFTWARE field, are cleaned), lines at most `width` (<= 80) columns so it reads
// in any editor and pastes into any ticket; `ascii` gives a 7-bit variant.
import P2PReport

public struct SummaryOptions: Sendable, Equatable {
    /// ASCII only (no UTF-8 symbols).
    public var ascii: Bool
    /// Replace public addresses by stable placeholders.
    public var redact: Bool
    /// Maximum line width.
    public var width: Int
    public init(ascii: Bool = false, redact: Bool = false, width: Int = 80) {
        self.ascii = ascii
        self.redact = redact
        self.width = width
    }
}

public enum SummaryText {
    /// Narrowest and widest widths honoured; 80 keeps it pasteable everywhere.
    public static let minWidth = 40
    public static let maxWidth = 80

    /// The plain-text summary a person attaches to a support ticket.
    public static func render(_ report: Report, options: SummaryOptions = SummaryOptions()) -> String {
        let r = options.redact ? Redactor.redact(report) : report
        var w = Writer(width: min(max(options.width, minWidth), maxWidth), ascii: options.ascii)

        header(r, options: options, into: &w)
        verdictSection(r, ascii: options.ascii, into: &w)
        // One section per article step, in the article's order.
        for (i, g) in Guide.guides(for: r).enumerated() { stepSection(i + 1, g, ascii: options.ascii, into: &w) }

        // IPv6 is not an article step but tells support whether a second path exists.
        w.blank()
        w.line(String(repeating: "-", count: w.width))
        w.line(Pages.ipv6Title)
        for e in Pages.ipv6Facts(r) { w.bullet(e, indent: 3) }
        // The path's limits (not article steps): one line each, when measured.
        for line in [PathLimitsContent.datagramLine(r.datagram), PathLimitsContent.lifetimeLine(r.mappingLifetime)] {
            if let line { w.paragraph(line, indent: 0, hanging: 2) }
        }
        if let p = r.punch { punchSection(p, into: &w) }

        logsSection(into: &w)
        w.blank()
        w.line(String(repeating: "=", count: w.width))
        w.paragraph("Written by p2ptui. Plain text: paste it into the ticket as it is.", indent: 0)
        return w.text
    }

    /// Who ran the check, where and when; whether addresses are redacted.
    private static func header(_ r: Report, options: SummaryOptions, into w: inout Writer) {
        w.line("p2ptui summary: can this machine make direct peer-to-peer connections?")
        w.line(String(repeating: "=", count: w.width))
        let run = r.run
        w.field("Tool", "p2ptui \(run.toolVersion.isEmpty ? "(unknown version)" : run.toolVersion)")
        let took = run.durationMs > 0 ? " (the check took \(seconds(run.durationMs)))" : ""
        w.field("Time (UTC)", (run.startedAt.isEmpty ? "unknown" : run.startedAt) + took)
        w.field("Host name", run.hostname.isEmpty ? "unknown" : run.hostname)
        w.field("OS", run.os.isEmpty ? "unknown" : run.os)
        w.field("Role", Pages.roleName(run.role))
        w.field("STUN servers", run.stunServers.isEmpty ? "none" : run.stunServers.joined(separator: ", "))
        if let device = r.natDevice { w.field("NAT device", FixText.described(device)) }
        if options.redact {
            w.field("Redacted", "public addresses are replaced by placeholders (public-1, ...); the "
                    + "same address keeps the same placeholder; private addresses are kept")
        }
        w.blank()
    }

    /// The overall answer, why, and what to do next.
    private static func verdictSection(_ r: Report, ascii: Bool, into w: inout Writer) {
        let v = r.verdict
        w.line("OVERALL: \(verdictSymbol(v.directConnection, ascii: ascii)) "
               + Pages.headline(v.directConnection))
        if let meaning = Pages.meaning(v.directConnection) { w.paragraph(meaning, indent: 2) }
        if !v.reasons.isEmpty {
            w.line("  Why:")
            for reason in v.reasons { w.bullet(reason, indent: 2) }
        }
        w.line("  \(Pages.nextStepsLabel):")
        for (i, step) in Guide.nextSteps(for: r).enumerated() { w.numbered(i + 1, step, indent: 2) }
    }

    /// One article step: what it checks, what was found, what it means and what to do.
    private static func stepSection(_ number: Int, _ g: StepGuide, ascii: Bool, into w: inout Writer) {
        w.blank()
        w.line(String(repeating: "-", count: w.width))
        w.paragraph("\(number). \(statusSymbol(g.status, ascii: ascii)) \(g.title)",
                    indent: 0, hanging: 3)
        w.paragraph(g.intro, indent: 3)
        w.paragraph("Finding: \(g.finding)", indent: 3, hanging: 2)
        if !g.facts.isEmpty {
            w.line("   \(Pages.factsLabel):")
            for e in g.facts { w.bullet(e, indent: 3) }
        }
        w.line("   \(Pages.meaningLabel):")
        for (j, m) in g.meaning.enumerated() {
            if j > 0 { w.blank() }
            w.paragraph(m, indent: 5)
        }
        if !g.advice.isEmpty {
            w.line("   \(Pages.adviceLabel):")
            for a in g.advice { w.bullet(a, indent: 3) }
        }
        if !g.furtherReading.isEmpty {
            w.line("   \(Pages.readingLabel):")
            for rd in g.furtherReading {
                w.bullet(rd.title, indent: 3)
                w.paragraph(rd.reference, indent: 5)
            }
        }
    }

    /// The article's last step: the logs that show the rest.
    private static func logsSection(into w: inout Writer) {
        w.blank()
        w.line(String(repeating: "-", count: w.width))
        w.line("\(Step.allCases.count + 1). \(Pages.logsTitle)")
        w.paragraph(Pages.logsIntro, indent: 3)
        for c in Pages.logs {
            w.bullet(c.text, indent: 3)
            w.paragraph(c.source, indent: 5)
        }
        w.paragraph(Pages.logsClosing, indent: 3)
    }

    /// The status mark of a step: UTF-8 symbol and word, or a bracketed ASCII tag.
    public static func statusSymbol(_ s: StepStatus, ascii: Bool) -> String {
        switch (s, ascii) {
        case (.pass, false): return "\u{2714} PASS"
        case (.warning, false): return "\u{26A0} WARN"
        case (.fail, false): return "\u{2718} FAIL"
        case (.notChecked, false): return "\u{00B7} NOT CHECKED"
        case (.pass, true): return "[PASS]"
        case (.warning, true): return "[WARN]"
        case (.fail, true): return "[FAIL]"
        case (.notChecked, true): return "[ -- ]"
        }
    }

    /// The mark of the overall answer, matching the step marks.
    public static func verdictSymbol(_ d: DirectConnection, ascii: Bool) -> String {
        switch (d, ascii) {
        case (.likely, false): return "\u{2714}"
        case (.possible, false): return "\u{26A0}"
        case (.unlikely, false): return "\u{2718}"
        case (.likely, true): return "[PASS]"
        case (.possible, true): return "[WARN]"
        case (.unlikely, true): return "[FAIL]"
        case (.unknown, false): return "?"
        case (.unknown, true): return "[????]"
        }
    }

    private static func seconds(_ ms: Int) -> String {
        "\(ms / 1000).\((ms % 1000) / 100) s"
    }
}

/// Accumulates wrapped, cleaned lines.
struct Writer {
    let width: Int
    let ascii: Bool
    private(set) var lines: [String] = []

    init(width: Int, ascii: Bool) {
        self.width = width
        self.ascii = ascii
    }

    var text: String {
        // Trailing blank lines collapse; the file ends with one newline.
        var l = lines
        while l.last?.isEmpty == true { l.removeLast() }
        return l.joined(separator: "\n") + "\n"
    }

    mutating func blank() {
        if lines.last?.isEmpty == false { lines.append("") }
    }

    /// One line (wrapped if it must be), keeping its leading indentation.
    mutating func line(_ s: String) {
        let indent = s.prefix { $0 == " " }.count
        paragraph(String(s.dropFirst(indent)), indent: indent)
    }

    /// "Label:         value", value wrapped under itself.
    mutating func field(_ label: String, _ value: String) {
        let col = 15
        let head = (label + ":").padding(to: col)
        wrap(clean(value), first: head, rest: String(repeating: " ", count: col))
    }

    mutating func bullet(_ s: String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        wrap(clean(s), first: pad + "- ", rest: pad + "  ")
    }

    mutating func numbered(_ n: Int, _ s: String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        let mark = "\(n). "
        wrap(clean(s), first: pad + mark, rest: pad + String(repeating: " ", count: mark.count))
    }

    /// A paragraph at `indent`; continuation lines indented `hanging` more.
    mutating func paragraph(_ s: String, indent: Int, hanging: Int = 0) {
        let pad = String(repeating: " ", count: indent)
        wrap(clean(s), first: pad, rest: pad + String(repeating: " ", count: hanging))
    }

    /// Greedy word wrap; a word longer than the line (a long rule) is cut hard, except a URL, which
    /// stays whole on a line of its own (a cut URL cannot be followed from a ticket).
    private mutating func wrap(_ text: String, first: String, rest: String) {
        var current = first
        var currentLen = first.unicodeScalars.count
        var empty = true
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            var w = Substring(word)
            let need = w.unicodeScalars.count + (empty ? 0 : 1)
            if !empty && currentLen + need > width {
                lines.append(current)
                current = rest
                currentLen = rest.unicodeScalars.count
                empty = true
            }
            if !empty { current += " "; currentLen += 1 }
            // Hard-cut words that cannot fit on a line of their own.
            while currentLen + w.unicodeScalars.count > width && !w.contains("://") {
                let room = max(1, width - currentLen)
                let cut = w.unicodeScalars.index(w.unicodeScalars.startIndex, offsetBy: room)
                current += String(w.unicodeScalars[..<cut])
                lines.append(current)
                w = Substring(w.unicodeScalars[cut...])
                current = rest
                currentLen = rest.unicodeScalars.count
            }
            current += w
            currentLen += w.unicodeScalars.count
            empty = false
        }
        while current.last == " " { current.removeLast() }
        lines.append(current)
    }

    /// Removes what would break plain text. Tabs and newlines inside a value become spaces; other
    /// control characters, C1 controls and bidi overrides get the report's own visible escapes
    /// (`UntrustedText`, the one cleaner, so the summary shows what `check` and the JSON show); in
    /// ASCII mode anything beyond 7 bits becomes "?".
    func clean(_ s: String) -> String {
        let spaced = String(String.UnicodeScalarView(s.unicodeScalars.map {
            $0.value == 0x09 || $0.value == 0x0A || $0.value == 0x0D ? " " : $0
        }))
        let safe = UntrustedText.clean(spaced, limit: Int.max)
        guard ascii else { return safe }
        var out = String.UnicodeScalarView()
        for u in safe.unicodeScalars {
            switch u.value {
            case 0x2018...0x2019: out.append("'")
            case 0x201C...0x201D: out.append("\"")
            case 0x2013...0x2014: out.append("-")
            case 0x80...: out.append("?")
            default: out.append(u)
            }
        }
        return String(out)
    }
}

private extension String {
    func padding(to n: Int) -> String {
        let c = unicodeScalars.count
        return c >= n ? self + " " : self + String(repeating: " ", count: n - c)
    }
}
