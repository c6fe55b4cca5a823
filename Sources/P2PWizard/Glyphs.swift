// Symbols that carry meaning without colour, in UTF-8 or ASCII.
import P2PReport

struct Glyphs {
    let ascii: Bool

    /// Status as symbol and word, e.g. "✔ pass" or "[PASS]".
    func long(_ s: StepStatus) -> String {
        switch (s, ascii) {
        case (.pass, false): return "✔ pass"
        case (.warning, false): return "⚠ warning"
        case (.fail, false): return "✘ fail"
        case (.notChecked, false): return "· not checked"
        case (.pass, true): return "[PASS]"
        case (.warning, true): return "[WARN]"
        case (.fail, true): return "[FAIL]"
        case (.notChecked, true): return "[ -- ]"
        }
    }

    /// One-character status for the step bar.
    func short(_ s: StepStatus) -> String {
        switch (s, ascii) {
        case (.pass, false): return "✔"
        case (.warning, false): return "⚠"
        case (.fail, false): return "✘"
        case (.notChecked, false): return "·"
        case (.pass, true): return "+"
        case (.warning, true): return "!"
        case (.fail, true): return "x"
        case (.notChecked, true): return "-"
        }
    }

    func style(_ s: StepStatus) -> CellStyle {
        switch s {
        case .pass: return .pass
        case .warning: return .warn
        case .fail: return .fail
        case .notChecked: return .dim
        }
    }

    func spinner(_ nowMs: Int) -> String {
        let frames: [String] = ascii ? ["|", "/", "-", "\\"] : ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
        return frames[(max(0, nowMs) / 100) % frames.count]
    }

    var bullet: String { ascii ? "*" : "•" }
    var done: String { ascii ? "+" : "✔" }
    var skipped: String { ascii ? "-" : "·" }
    var radioOn: String { ascii ? "(*)" : "(●)" }
    var radioOff: String { "( )" }
}

/// "2.3 s" from milliseconds: the running clock, which ticks in tenths.
func seconds(_ ms: Int) -> String {
    let ms = max(0, ms)
    return "\(ms / 1000).\((ms % 1000) / 100) s"
}

/// A finished probe's duration: "9 ms" under a second (most probes), else "2.3 s".
func duration(_ ms: Int) -> String {
    ms < 1000 ? "\(max(0, ms)) ms" : seconds(ms)
}
