// The Keepalive section of the Summary step: an opt-in measurement of how long the NAT keeps an
// idle UDP mapping (`check --lifetime` in the wizard). `l` starts it and `l` again cancels it; it
// runs in the background with a progress bar, so every step stays usable meanwhile.
import P2PReport
import P2PExport

/// Where the keepalive measurement is.
public enum KeepaliveState: Sendable, Equatable {
    case idle
    /// Started at `startedAtMs` on the wizard's clock; takes at most `totalSeconds`.
    case running(startedAtMs: Int, totalSeconds: Int, detail: String?)
    /// Cancelled by the person; the report keeps no result.
    case cancelled
    /// Finished: the result is `report.mappingLifetime`.
    case done
}

/// The longest idle time the wizard tests (as `check --lifetime` by default).
public let keepaliveLimitSeconds = 300

/// `l` on the Summary step: start the measurement, or cancel the running one.
func toggleKeepalive(_ model: inout WizardModel) -> [WizardEffect] {
    if case .running = model.keepalive {
        model.keepalive = .cancelled
        model.message = "Keepalive measurement cancelled."
        return [.keepaliveCancel]
    }
    // The search stops at the first forgotten mapping; at most the limit plus one test.
    model.keepalive = .running(startedAtMs: model.nowMs, totalSeconds: keepaliveLimitSeconds + 2, detail: nil)
    model.message = "Measuring the idle mapping lifetime in the background: l cancels."
    return [.keepaliveStart(limitSeconds: keepaliveLimitSeconds)]
}

/// Progress and the result, from the measurement's task.
func keepaliveMessage(_ msg: WizardMsg, in model: inout WizardModel) {
    guard case .running(let start, let total, _) = model.keepalive else { return }  // cancelled meanwhile
    switch msg {
    case .keepaliveProgress(let text):
        model.keepalive = .running(startedAtMs: start, totalSeconds: total, detail: text)
    case .keepaliveFinished(let section):
        model.keepalive = .done
        model.report.mappingLifetime = section
        model.report.verdict = Verdict.derive(from: model.report)
    default:
        break
    }
}

/// A text progress bar `width` cells wide for `done` of `total`.
func progressBar(done: Int, total: Int, width: Int, ascii: Bool) -> String {
    let filled = total > 0 ? min(width, max(0, done * width / total)) : 0
    let (full, empty) = ascii ? ("#", ".") : ("\u{2588}", "\u{2591}")
    return "[" + String(repeating: full, count: filled) + String(repeating: empty, count: width - filled) + "]"
}

/// The Keepalive section of the Summary body.
func keepaliveLines(_ b: inout Builder, _ model: WizardModel) {
    b.heading("Keepalive")
    switch model.keepalive {
    case .idle, .cancelled:
        if model.keepalive == .cancelled { b.para("Cancelled; no result.", style: .dim, indent: 2) }
        b.para("Press l to measure how long the NAT keeps an idle UDP mapping (up to "
               + "\(keepaliveLimitSeconds / 60) minutes, in the background; l again cancels).", indent: 2)
    case .running(let start, let total, let detail):
        let elapsed = max(0, model.nowMs - start) / 1000
        let bar = progressBar(done: elapsed, total: total, width: 20, ascii: model.config.ascii)
        b.para("\(bar) at most \(max(0, total - elapsed)) s left\(detail.map { ": \($0)" } ?? ""); l cancels", indent: 2)
    case .done:
        let line = PathLimitsContent.lifetimeLine(model.report.mappingLifetime) ?? "Not measured."
        let short = !PathLimitRules.findings(model.report.mappingLifetime).isEmpty
        b.para(line, style: short ? .warn : .normal, indent: 2)
        if let f = PathLimitRules.findings(model.report.mappingLifetime).first {
            for a in PathLimitsContent.words(f).advice { b.para(a, indent: 4) }
        }
    }
}
