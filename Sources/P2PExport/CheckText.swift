// The terminal output of `p2ptui check`: one line per step with its finding, the first facts behind
// it (all of them with -v), the verdict with its reasons, and the next steps. The same content as
// the summary and the wizard, in fewer lines.
import P2PReport

public enum CheckText {
    /// Facts shown per step without -v.
    public static let briefFacts = 3

    /// - Parameters:
    ///   - verbose: every fact instead of the first `briefFacts`.
    ///   - symbols: UTF-8 status symbols (the caller decides from the locale and --ascii).
    public static func render(_ report: Report, verbose: Bool, symbols: Bool) -> String {
        var out = "p2ptui check: \(report.run.durationMs) ms, STUN servers: "
            + report.run.stunServers.joined(separator: ", ") + "\n"
        if let device = report.natDevice { out += "NAT device: \(FixText.described(device))\n" }
        for g in Guide.guides(for: report) {
            out += "\(SummaryText.statusSymbol(g.status, ascii: !symbols)) \(g.title): \(g.finding)\n"
            let shown = verbose ? g.facts : Array(g.facts.prefix(briefFacts))
            for e in shown { out += "    \(e)\n" }
            if shown.count < g.facts.count { out += "    (\(g.facts.count - shown.count) more with -v)\n" }
        }
        // The path's limits (not article steps): one line each, when measured.
        for line in [PathLimitsContent.datagramLine(report.datagram), PathLimitsContent.lifetimeLine(report.mappingLifetime)] {
            if let line { out += "\(line)\n" }
        }
        out += "Verdict: direct connection \(report.verdict.directConnection.rawValue)\n"
        for r in report.verdict.reasons { out += "  - \(r)\n" }
        out += "\(Pages.nextStepsLabel):\n"
        for (i, s) in Guide.nextSteps(for: report).enumerated() { out += "  \(i + 1). \(s)\n" }
        return out
    }
}
