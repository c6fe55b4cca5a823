// The body of each screen as styled, wrapped lines: the layout the view draws through its viewport
// and `update` measures for scrolling. Step screens render the step's content (P2PReport/Content).
import P2PReport
import P2PExport

/// One body line: styled spans.
struct Span: Equatable {
    var text: String
    var style: CellStyle
}

typealias Line = [Span]

/// Builds wrapped body lines at a fixed width, folding to ASCII when asked.
struct Builder {
    let width: Int
    let ascii: Bool
    var lines: [Line] = []

    func fold(_ s: String) -> String { ascii ? asciiFold(s) : s }

    mutating func blank() {
        if let last = lines.last, last.isEmpty { return }
        if !lines.isEmpty { lines.append([]) }
    }

    mutating func heading(_ text: String) {
        blank()
        lines.append([Span(text: fold(text), style: .bold)])
    }

    /// A wrapped paragraph; `lead` is drawn on the first line (in `leadStyle`) and the rest hangs under it.
    mutating func para(_ text: String, style: CellStyle = .normal, indent: Int = 0, lead: String = "",
                       leadStyle: CellStyle? = nil) {
        let lead = fold(lead)
        let hang = indent + lead.count
        let wrapped = wordWrap(fold(text), width: max(1, width - hang))
        for (i, w) in wrapped.enumerated() {
            var line: Line = [Span(text: String(repeating: " ", count: indent), style: .normal)]
            if i == 0 && !lead.isEmpty {
                line.append(Span(text: lead, style: leadStyle ?? style))
            } else if !lead.isEmpty {
                line.append(Span(text: String(repeating: " ", count: lead.count), style: .normal))
            }
            line.append(Span(text: w, style: style))
            lines.append(line)
        }
    }

    mutating func bullet(_ text: String, glyphs: Glyphs, style: CellStyle = .normal, indent: Int = 2) {
        para(text, style: style, indent: indent, lead: glyphs.bullet + " ")
    }

    mutating func raw(_ line: Line) {
        lines.append(line.map { Span(text: fold($0.text), style: $0.style) })
    }
}

/// Rows the body gets: the terminal less the header, step bar, message and key lines.
public func bodyHeight(_ model: WizardModel) -> Int { max(1, model.rows - 4) }

/// Whether every probe that decides `step` was skipped on purpose (declined or turned off).
func skipped(_ step: Step, _ model: WizardModel) -> Bool {
    step.content.decidedBy.allSatisfy { model.probes[$0] == .skipped }
}

func mainProbesRunning(_ s: Screen, _ model: WizardModel) -> Bool {
    (s.step?.content.decidedBy ?? []).contains { model.isRunning($0) }
}

func bodyLines(_ model: WizardModel) -> [Line] {
    var b = Builder(width: max(1, model.cols - 2), ascii: model.config.ascii)
    let g = Glyphs(ascii: model.config.ascii)
    switch model.screen {
    case .welcome: welcomeBody(&b, model, g)
    case .step(let step): stepBody(&b, model, g, step)
    case .logs: logsBody(&b, g)
    case .summary: summaryBody(&b, model, g)
    }
    return b.lines
}

private func welcomeBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs) {
    for p in Pages.welcome { b.para(p); b.blank() }
    b.para("Probes are already running in the background. Move through the steps at your own pace; each step shows its result as soon as it is ready.")
    b.heading("Which machine is this?")
    let choices: [(String, Role, String)] = [("1", .client, "Client: the device a person uses to reach a resource"),
                                             ("2", .connector, "Connector: the machine next to the resources"),
                                             ("3", .unknown, "Not sure")]
    for (key, role, text) in choices {
        let on = model.role == role
        b.raw([Span(text: "  \(on ? g.radioOn : g.radioOff) \(key)  ", style: on ? .bold : .normal),
               Span(text: text, style: on ? .bold : .normal)])
    }
    b.heading("Probes")
    probeLines(&b, model, g, ProbeID.allCases)
    readings(&b, Pages.welcomeReading, g)
}

private func logsBody(_ b: inout Builder, _ g: Glyphs) {
    b.para(Pages.logsIntro)
    b.blank()
    for c in Pages.logs {
        b.bullet(c.text, glyphs: g, indent: 0)
        b.para(c.source, style: .dim, indent: 2)
    }
    b.blank()
    b.para(Pages.logsClosing)
}

private func probeLines(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs, _ probes: [ProbeID]) {
    for p in probes {
        switch model.probes[p] ?? .idle {
        case .idle:
            let why = p == .hairpin ? "waits for your go-ahead on step \(Screen.step(.hairpin).number)" : "not started"
            b.para(why, style: .dim, indent: 2, lead: "\(g.skipped) \(p.label): ")
        case .running(let start, let detail):
            let d = detail.map { ": \($0)" } ?? ""
            b.para("running \(seconds(model.nowMs - start))\(d)", indent: 2,
                   lead: "\(g.spinner(model.nowMs)) \(p.label): ", leadStyle: .bold)
        case .done(let ms):
            b.para("done in \(duration(ms))", indent: 2, lead: "\(g.done) \(p.label): ")
        case .skipped:
            b.para("skipped", style: .dim, indent: 2, lead: "\(g.skipped) \(p.label): ")
        }
    }
}

private func readings(_ b: inout Builder, _ list: [Reading], _ g: Glyphs) {
    guard !list.isEmpty else { return }
    b.heading(Pages.readingLabel)
    for r in list { b.bullet("\(r.title): \(r.reference)", glyphs: g) }
}

/// One step's screen: the step's content (Steps.swift) applied to the report, plus its live probes.
private func stepBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs, _ step: Step) {
    let guide = Guide.guide(for: step, in: model.report)
    let content = step.content
    let running = mainProbesRunning(model.screen, model)
    if running {
        let start = content.decidedBy.compactMap { p -> Int? in
            if case .running(let s, _) = model.probes[p] { return s }
            return nil
        }.min() ?? model.nowMs
        b.para("Checking… \(seconds(model.nowMs - start)) (you can move on; the result appears here when ready)",
               style: .bold, lead: g.spinner(model.nowMs) + " ")
    } else if skipped(step, model) {
        let why = model.hairpinConsent == .disabledByFlag ? "turned off with --no-hairpin" : "you chose to skip it"
        b.para("Skipped: \(why).", lead: g.long(.notChecked) + "  ", leadStyle: .dim)
    } else {
        b.para(guide.finding, lead: g.long(guide.status) + "  ", leadStyle: g.style(guide.status))
    }
    b.blank()
    b.para(guide.intro)

    if step == .hairpin && model.hairpinConsent == .notAsked {
        b.heading("Run the hairpin test?")
        b.para("Why it asks first: the test sends one packet to this network's own public address. "
               + "Some firewalls read that as a LAND attack (Palo Alto reported that theirs do, and may then "
               + "shut down NAT sessions in use); Tailscale removed the same test from its netcheck for that reason "
               + "(github.com/tailscale/tailscale/pull/12205). Press y to run it, or x to skip it.",
               style: .warn, indent: 2)
    }

    b.heading("Live probes")
    probeLines(&b, model, g, content.probes)

    // Facts and advice wait for the result; what the step means does not.
    if !running && !guide.facts.isEmpty {
        b.heading(Pages.factsLabel)
        for e in guide.facts { b.bullet(e, glyphs: g) }
    }
    if content.probes.contains(.ipv6) && !model.isRunning(.ipv6) {
        b.heading(Pages.ipv6Title)
        for e in Pages.ipv6Facts(model.report) { b.bullet(e, glyphs: g) }
    }
    if !guide.meaning.isEmpty {
        b.heading(Pages.meaningLabel)
        for (i, m) in guide.meaning.enumerated() {
            if i > 0 { b.blank() }
            b.para(m, indent: 2)
        }
    }
    if !running && !guide.advice.isEmpty {
        b.heading(Pages.adviceLabel)
        for a in guide.advice { b.bullet(a, glyphs: g) }
    }
    deviceLines(&b, model)
    readings(&b, content.reading, g)
}

private func summaryBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs) {
    if model.anyRunning {
        b.para("Some probes are still running; the verdict may change.", style: .warn,
               lead: g.spinner(model.nowMs) + " ")
    }
    b.heading("Checklist")
    let pad = StepStatus.allCases.map { g.long($0).count }.max() ?? 0
    let checklist = model.report.assessSteps()
    for a in checklist {
        let label = g.long(a.status)
        let lead = label + String(repeating: " ", count: pad - label.count + 2)
        b.para("\(a.step.title): \(a.finding)", indent: 2, lead: lead, leadStyle: g.style(a.status))
    }
    let v = model.report.verdict
    b.heading("Verdict")
    let style: CellStyle = v.directConnection == .likely ? .pass : (v.directConnection == .possible || v.directConnection == .unknown) ? .warn : .fail
    b.para(Pages.headline(v.directConnection), style: style, indent: 2)
    if let meaning = Pages.meaning(v.directConnection) { b.para(meaning, indent: 2) }
    // What decides comes first (blocking findings, heaviest first), even where the checklist above
    // already says it: a note alone under the verdict would read as its cause.
    for reason in v.reasons { b.bullet(reason, glyphs: g) }
    b.heading(Pages.nextStepsLabel)
    for (i, n) in Guide.nextSteps(for: model.report).enumerated() { b.para(n, indent: 2, lead: "\(i + 1). ") }
    keepaliveLines(&b, model)
    b.heading("Save summary")
    if let path = model.savedPath {
        if model.summaryUnsaved {
            b.para("Saved to \(path), but newer results came in since: press s to save again.", style: .warn, indent: 2)
        } else {
            b.para("Saved to \(path).", style: .pass, indent: 2)
        }
    } else {
        b.para("Press s to save this summary as a plain-text file (for a support ticket).", indent: 2)
    }
}

