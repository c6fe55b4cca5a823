// The live hole-punch dialog (`p` on the Summary step): pure state; the command gathers, checks and
// answers with messages (P2PWizard knows nothing of sockets or codes' insides).
import P2PReport

/// Where the punch dialog is.
public enum PunchStage: Sendable, Equatable {
    /// Asking STUN for this side's public endpoint.
    case gathering
    /// Showing this side's code; the field takes the other's.
    case ready(code: String)
    /// Checks under way.
    case running(code: String)
    /// Done; the result is in `report.punch`.
    case finished(code: String, headline: String)
    /// Could not make a code (the text says why).
    case unavailable(String)
}

/// `p` on the Summary step.
func openPunch(_ model: inout WizardModel) -> [WizardEffect] {
    model.dialog = .punch(.gathering, TextField(), error: nil)
    return [.punchPrepare(role: model.role)]
}

/// Messages from the command about the punch test.
func punchMessage(_ msg: WizardMsg, in model: inout WizardModel) {
    guard case .punch(let stage, let field, _)? = model.dialog else {
        // A late answer after the dialog closed: keep a finished result, drop the rest.
        if case .punchFinished(let section, _) = msg { model.report.punch = section }
        return
    }
    switch msg {
    case .punchCode(let code):
        if stage == .gathering { model.dialog = .punch(.ready(code: code), field, error: nil) }
    case .punchUnavailable(let why):
        model.dialog = .punch(.unavailable(why), field, error: nil)
    case .punchRejected(let why):
        if case .running(let code) = stage { model.dialog = .punch(.ready(code: code), field, error: why) }
    case .punchFinished(let section, let headline):
        model.report.punch = section
        if case .running(let code) = stage {
            // The measured path (when both sides measured) as a second line, and QUIC's verdict on it.
            var shown = headline
            if let q = section.quality { shown += "\nPath: " + q.line }
            if section.code == .quicWouldFail { shown += "\nBut QUIC would fail: no 1200-byte datagram crosses this path." }
            model.dialog = .punch(.finished(code: code, headline: shown), field, error: nil)
        }
    default:
        break
    }
}

func handlePunchKey(_ stage: PunchStage, _ field: TextField, _ key: Key, in model: inout WizardModel) -> [WizardEffect] {
    switch stage {
    case .gathering, .running:
        if key == .escape {
            model.dialog = nil
            return [.punchCancel]
        }
    case .unavailable, .finished:
        if key == .escape || key == .enter {
            model.dialog = nil
            return [.punchCancel]
        }
    case .ready(let code):
        var field = field
        switch key {
        case .escape:
            model.dialog = nil
            return [.punchCancel]
        case .enter:
            let text = field.text.trimmingSpaces
            guard !text.isEmpty else {
                model.dialog = .punch(stage, field, error: "Paste the other side's code first.")
                return []
            }
            model.dialog = .punch(.running(code: code), field, error: nil)
            return [.punchStart(peerCode: text)]
        default:
            if field.handle(key) { model.dialog = .punch(stage, field, error: nil) }
        }
    }
    return []
}

/// The dialog's lines (drawn by `drawDialog`); `fieldRow` is where the text field goes.
func punchDialogLines(_ stage: PunchStage, error: String?, into b: inout Builder) -> (title: String, fieldRow: Int?) {
    let title = Pages.punchTitle
    switch stage {
    case .gathering:
        b.para("Asking the STUN servers for this side's public address...")
        return (title, nil)
    case .unavailable(let why):
        b.para(why, style: .fail)
        b.blank()
        b.para("Enter or Esc closes.", style: .dim)
        return (title, nil)
    case .finished(_, let headline):
        for (i, line) in headline.split(separator: "\n").enumerated() {
            b.para(String(line), style: i > 0 ? (line.hasPrefix("But") ? .warn : .normal) : headline.hasPrefix("DIRECT") ? .pass : .warn)
        }
        b.blank()
        b.para("The result is part of the summary now: s saves it. Enter closes.", style: .dim)
        return (title, nil)
    case .ready(let code), .running(let code):
        b.para("1. Give this code to the other side (chat, ticket, phone):")
        // Long codes wrap in pieces; the other side's paste ignores the line breaks.
        let piece = max(8, b.width - 4)
        var rest = Substring(code)
        while !rest.isEmpty {
            b.para(String(rest.prefix(piece)), style: .bold, indent: 3)
            rest = rest.dropFirst(piece)
        }
        b.para("2. Run `p2ptui punch` there (or this dialog) and paste its code here:")
        let row = b.lines.count
        b.lines.append([])
        if let error {
            b.para(error, style: .fail)
        }
        if case .running = stage {
            b.para("Sending checks to every address of the other side (up to 15 s)...", style: .dim)
        }
        return (title, row)
    }
}
