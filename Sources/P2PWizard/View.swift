// Model to text grid. Layout: header (row 0), step bar (row 1), scrollable body, message line,
// key line. Dialogs are boxes drawn over the body.
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

public func bodyHeight(_ model: WizardModel) -> Int { max(1, model.rows - 4) }

public func view(_ model: WizardModel) -> TextGrid {
    var grid = TextGrid(cols: model.cols, rows: model.rows)
    let g = Glyphs(ascii: model.config.ascii)
    if model.tooSmall {
        let text = "Terminal too small: need \(model.config.minCols)x\(model.config.minRows), have \(model.cols)x\(model.rows). Resize or press q to quit."
        for (i, l) in wordWrap(text, width: max(1, model.cols)).enumerated() { grid.put(l, row: i, col: 0, style: .warn) }
        return grid
    }
    drawHeader(&grid, model)
    drawStepBar(&grid, model, g)
    let lines = bodyLines(model)
    let height = bodyHeight(model)
    let offset = min(max(0, model.scroll[model.screen] ?? 0), max(0, lines.count - height))
    for (i, line) in lines.dropFirst(offset).prefix(height).enumerated() {
        var col = 1
        for span in line { col = grid.put(span.text, row: 2 + i, col: col, style: span.style) }
    }
    drawMessage(&grid, model, g, lineCount: lines.count, offset: offset, height: height)
    drawKeys(&grid, model)
    if let dialog = model.dialog { drawDialog(&grid, dialog, model, g) }
    return grid
}

// MARK: - Frame

private func drawHeader(_ grid: inout TextGrid, _ model: WizardModel) {
    let f = { (s: String) in model.config.ascii ? asciiFold(s) : s }
    grid.fill(row: 0, style: .highlight)
    grid.put(f(" p2ptui · Step \(model.screen.number)/\(Screen.allCases.count): \(model.screen.title)"), row: 0, col: 0, style: .highlight)
    let right = "This machine: \(model.role.displayName) "
    grid.put(right, row: 0, col: max(0, grid.cols - right.count), style: .highlight)
}

/// Status of a screen for the step bar: nil for screens without a check.
private func screenStatus(_ s: Screen, _ model: WizardModel) -> StepStatus? {
    guard let step = s.step else { return nil }
    if s == .hairpin && model.probes[.hairpin] == .skipped { return .notChecked }
    return model.report.assess(step).status
}

private func mainProbesRunning(_ s: Screen, _ model: WizardModel) -> Bool {
    let main = s == .natType ? [ProbeID.nat] : s.probes
    return main.contains { model.isRunning($0) }
}

private func drawStepBar(_ grid: inout TextGrid, _ model: WizardModel, _ g: Glyphs) {
    let names: [Screen: String] = [.welcome: "Welcome", .firewall: "Firewall", .natType: "NAT", .doubleNat: "Double NAT",
                                   .hairpin: "Hairpin", .cloudNat: "Cloud", .logs: "Logs", .summary: "Summary"]
    var col = 1
    for s in Screen.allCases {
        var mark = ""
        var markStyle = CellStyle.dim
        if mainProbesRunning(s, model) {
            mark = g.spinner(model.nowMs)
            markStyle = .bold
        } else if let st = screenStatus(s, model) {
            mark = g.short(st)
            markStyle = g.style(st)
        }
        let name = names[s]!
        let width = name.count + (mark.isEmpty ? 0 : 2)
        if col + width >= grid.cols { break }
        let current = s == model.screen
        if !mark.isEmpty {
            col = grid.put(mark, row: 1, col: col, style: current ? .highlight : markStyle)
            col = grid.put(" ", row: 1, col: col, style: current ? .highlight : .normal)
        }
        col = grid.put(name, row: 1, col: col, style: current ? .highlight : .normal)
        col += 1
    }
}

private func drawMessage(_ grid: inout TextGrid, _ model: WizardModel, _ g: Glyphs, lineCount: Int, offset: Int, height: Int) {
    let row = grid.rows - 2
    let f = { (s: String) in model.config.ascii ? asciiFold(s) : s }
    var right = ""
    if lineCount > height {
        right = f("↑↓ lines \(offset + 1)-\(min(lineCount, offset + height)) of \(lineCount) ")
    }
    let room = max(0, grid.cols - right.count - 2)
    if let message = model.message {
        grid.put(String(f(message).prefix(room)), row: row, col: 1, style: model.messageStyle)
    } else {
        let running = ProbeID.allCases.filter { model.isRunning($0) }
        if !running.isEmpty {
            let text = "\(g.spinner(model.nowMs)) Running: " + running.map(\.label).joined(separator: ", ")
            grid.put(String(f(text).prefix(room)), row: row, col: 1, style: .dim)
        }
    }
    if !right.isEmpty { grid.put(right, row: row, col: grid.cols - right.count, style: .dim) }
}

private func drawKeys(_ grid: inout TextGrid, _ model: WizardModel) {
    let row = grid.rows - 1
    let text: String
    switch model.dialog {
    case .help?: text = " any key: close help"
    case .quitConfirm?: text = " y quit  n stay  s save first"
    case .overwriteConfirm?: text = " y overwrite  n choose another name  Esc back"
    case .savePrompt?: text = " Enter save  Esc cancel  ←→ Home End move  Ctrl-U clear"
    case nil:
        var extra = "r re-run"
        if model.screen == .welcome { extra = "1-3 role" }
        if model.screen == .hairpin && model.hairpinConsent == .notAsked { extra = "y run" }
        text = " Enter/→/n next  ←/b back  ↑↓ PgUp/Dn scroll  \(extra)  s save  ? help  q quit"
    }
    grid.fill(row: row, style: .highlight)
    grid.put(model.config.ascii ? asciiFold(text) : text, row: row, col: 0, style: .highlight)
}

// MARK: - Body

func bodyLines(_ model: WizardModel) -> [Line] {
    var b = Builder(width: max(1, model.cols - 2), ascii: model.config.ascii)
    let g = Glyphs(ascii: model.config.ascii)
    switch model.screen {
    case .welcome: welcomeBody(&b, model, g)
    case .logs:
        for p in Explain.intro(.logs) { b.bullet(p, glyphs: g, indent: 0) }
        readings(&b, Readings.forScreen(.logs), g)
    case .summary: summaryBody(&b, model, g)
    default: stepBody(&b, model, g)
    }
    return b.lines
}

private func welcomeBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs) {
    for p in Explain.intro(.welcome) { b.para(p); b.blank() }
    b.heading("Which machine is this?")
    let choices: [(String, Role, String)] = [("1", .client, "Client: the device a person uses to reach a resource"),
                                             ("2", .connector, "Connector: the machine next to the resources"),
                                             ("3", .unknown, "Not sure")]
    for (key, role, text) in choices {
        let on = model.role == role
        b.raw([Span(text: "  \(on ? g.radioOn : g.radioOff) \(key)  ", style: on ? .bold : .normal),
               Span(text: text, style: on ? .bold : .normal)])
    }
    b.para("Both sides must pass, so run p2ptui on both machines; the summary names the role.", style: .dim, indent: 2)
    b.heading("Probes")
    probeLines(&b, model, g, ProbeID.allCases)
    readings(&b, Readings.forScreen(.welcome), g)
}

private func probeLines(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs, _ probes: [ProbeID]) {
    for p in probes {
        switch model.probes[p] ?? .idle {
        case .idle:
            let why = p == .hairpin ? "waits for your go-ahead on step 5" : "not started"
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
    b.heading("Further reading")
    for r in list { b.bullet("\(r.title): \(r.reference)", glyphs: g) }
}

private func yesNo(_ v: Bool?) -> String { v.map { $0 ? "yes" : "no" } ?? "unknown" }

private func stepBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs) {
    let screen = model.screen
    guard let step = screen.step else { return }
    let guide = Guide.guide(for: step, in: model.report)
    let r = model.report
    if mainProbesRunning(screen, model) {
        let start = screen.probes.compactMap { p -> Int? in
            if case .running(let s, _) = model.probes[p] { return s }
            return nil
        }.min() ?? model.nowMs
        b.para("Checking… \(seconds(model.nowMs - start)) (you can move on; the result appears here when ready)",
               style: .bold, lead: g.spinner(model.nowMs) + " ")
    } else if screen == .hairpin && model.probes[.hairpin] == .skipped {
        let why = model.hairpinConsent == .disabledByFlag ? "turned off with --no-hairpin" : "you chose to skip it"
        b.para("Skipped: \(why).", lead: g.long(.notChecked) + "  ", leadStyle: .dim)
    } else {
        b.para(guide.finding, lead: g.long(guide.status) + "  ", leadStyle: g.style(guide.status))
    }
    b.blank()
    for p in Explain.intro(screen) { b.para(p); b.blank() }

    if screen == .hairpin && model.hairpinConsent == .notAsked {
        b.heading("Run the hairpin test?")
        b.para("It sends one packet to this network's own public address. Some enterprise firewalls read that as an attack (LAND) and may cut connections for a while. Press y to run it, or x to skip it.", style: .warn, indent: 2)
    }

    b.heading("Live probes")
    probeLines(&b, model, g, screen.probes)

    var facts: [String] = []
    switch screen {
    case .firewall:
        if r.udp.status != .notChecked {
            facts.append("Outbound UDP: \(r.udp.status.rawValue)")
            // Each port, with how it failed, comes from the guide's evidence below.
            facts += r.udp.firewallRules.map { "Firewall rule: \($0)" }
        }
        if r.quic.status != .notChecked {
            facts.append("QUIC: \(r.quic.status.rawValue)" + (r.quic.server.map { " (probed \($0))" } ?? ""))
        }
    case .natType:
        if r.nat.status != .notChecked {
            facts.append("Mapping: \(r.nat.mapping.rawValue)")
            facts.append("Filtering: \(r.nat.filtering.rawValue)")
            facts.append("Classic NAT type (as pystun3 prints it): \(r.nat.classicType.rawValue)")
            facts.append("Public address and port: \(r.nat.publicEndpoint ?? "none seen")")
            if let l = r.nat.localEndpoint { facts.append("Local address and port: \(l)") }
            facts.append("Port preserved: \(yesNo(r.nat.portPreserved))")
            if let v = r.nat.mappingVariesByDestination {
                facts.append(v ? "The public port changed between servers: the NAT picks a new port per destination, which defeats EIM."
                               : "Every server saw the same public endpoint.")
            }
            for s in r.nat.servers {
                facts.append("Server \(s.server): \(s.outcome)" + (s.mappedEndpoint.map { ", saw \($0)" } ?? ""))
            }
        }
        if r.ipv6.status != .notChecked {
            facts.append("IPv6 (note): \(r.ipv6.status.rawValue)" + (r.ipv6.globalAddress.map { ", address \($0)" } ?? ""))
        }
    case .doubleNat:
        if r.doubleNat.status != .notChecked {
            facts.append("Double NAT detected: \(yesNo(r.doubleNat.detected))")
            if let a = r.gateway.address { facts.append("Default gateway: \(a)") }
            if let e = r.gateway.externalAddress {
                let via = r.gateway.protocols.isEmpty ? "" : " (via \(r.gateway.protocols.joined(separator: ", ")))"
                facts.append("Address the gateway reports for itself: \(e)\(via)")
            }
            if let p = r.nat.publicEndpoint { facts.append("Public address seen by STUN: \(p)") }
            if !r.doubleNat.hops.isEmpty { facts.append("Hops: " + r.doubleNat.hops.joined(separator: "; ")) }
        }
    case .hairpin:
        if r.hairpin.status != .notChecked {
            facts.append("Hairpin supported: \(yesNo(r.hairpin.supported))")
            if let s = r.hairpin.observedSource { facts.append("Looped-back packet came from \(s)") }
        }
    case .cloudNat:
        if r.cloud.status != .notChecked {
            facts.append("Cloud: \(r.cloud.provider == .none ? "none detected" : r.cloud.provider.rawValue)")
            if r.cloud.provider != .none {
                facts.append("Public address from the metadata service: \(r.cloud.publicAddress ?? (r.cloud.metadataSilence == nil ? "none" : "unknown (no answer)"))")
                facts.append("Cloud NAT gateway suspected: \(yesNo(r.cloud.natGatewaySuspected))")
            }
        }
        if model.role == .connector {
            facts.append("This is the Connector: it is the side that must not sit behind a cloud NAT gateway.")
        }
    default: break
    }
    let evidence = facts + guide.evidence
    if !evidence.isEmpty {
        b.heading("What was found")
        for e in evidence { b.bullet(e, glyphs: g) }
    }
    if !guide.meaning.isEmpty {
        b.heading("What it means")
        for m in guide.meaning { b.para(m, indent: 2) }
    }
    if !guide.advice.isEmpty {
        b.heading("What to change")
        for a in guide.advice { b.bullet(a, glyphs: g) }
    }
    readings(&b, guide.furtherReading.isEmpty ? Readings.forScreen(screen) : guide.furtherReading, g)
}

private func summaryBody(_ b: inout Builder, _ model: WizardModel, _ g: Glyphs) {
    let other = model.role == .client ? "the Connector" : model.role == .connector ? "the Client" : "the other machine"
    b.para("This machine: \(model.role.displayName). Both sides must pass: run p2ptui on \(other) too.", style: .bold)
    if model.anyRunning {
        b.para("Some probes are still running; the verdict may change.", style: .warn,
               lead: g.spinner(model.nowMs) + " ")
    }
    b.heading("Checklist")
    let pad = StepStatus.allCases.map { g.long($0).count }.max() ?? 0
    for a in model.report.assessSteps() {
        let label = g.long(a.status)
        let lead = label + String(repeating: " ", count: pad - label.count + 2)
        b.para("\(a.step.title): \(a.finding)", indent: 2, lead: lead, leadStyle: g.style(a.status))
    }
    let v = model.report.verdict
    b.heading("Verdict")
    let style: CellStyle = v.directConnection == .likely ? .pass : v.directConnection == .possible ? .warn : .fail
    b.para("Direct connection \(v.directConnection.rawValue) from this side.", style: style, indent: 2)
    for reason in v.reasons { b.bullet(reason, glyphs: g) }
    b.heading("Next steps")
    var next: [String] = []
    for step in Step.allCases {
        let guide = Guide.guide(for: step, in: model.report)
        if guide.status == .fail || guide.status == .warning { next += guide.advice }
    }
    next.append("Run p2ptui on \(other) as well and compare the two summaries.")
    next.append("Reproduce the connection, then read the Client and Connector logs (step 7) to see whether it went direct or through a relay.")
    for n in next { b.bullet(n, glyphs: g) }
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
    readings(&b, Readings.forScreen(.summary), g)
}

// MARK: - Dialogs

private func drawDialog(_ grid: inout TextGrid, _ dialog: Dialog, _ model: WizardModel, _ g: Glyphs) {
    let width = min(grid.cols - 4, 72)
    let inner = width - 4
    var b = Builder(width: inner, ascii: model.config.ascii)
    var title = ""
    var fieldRow: Int?
    var fieldLine: Line = []
    switch dialog {
    case .help:
        title = "Help"
        let keys: [(String, String)] = [
            ("Enter → n", "next step"), ("← b", "previous step"), ("↑ ↓ PgUp PgDn", "scroll the page"),
            ("Home End", "top or bottom of the page"), ("r", "re-run this step's probes"),
            ("s", "save the summary as a text file"), ("1 2 3", "choose the role (step 1)"),
            ("y x", "run or skip the hairpin test (step 5)"), ("?", "this help"), ("q", "quit"),
        ]
        for (k, d) in keys { b.para(d, lead: k.padding(14)) }
        b.blank()
        b.para("Symbols: \(g.long(.pass)), \(g.long(.warning)), \(g.long(.fail)), \(g.long(.notChecked)).", style: .dim)
    case .quitConfirm:
        title = "Quit?"
        b.para("The summary has not been saved.")
        b.para("Quit anyway? y quits, n stays, s saves first.", style: .bold)
    case .overwriteConfirm(let path):
        title = "File exists"
        b.para("A file already exists at:")
        b.para(path, style: .bold, indent: 2)
        b.para("Overwrite it? y overwrites, n lets you choose another name.", style: .warn)
    case .savePrompt(let text, let cursor, let error):
        title = "Save summary"
        b.para("Save the summary as plain text to (relative paths are in the current directory):")
        b.blank()
        fieldRow = b.lines.count
        let shown = model.config.ascii ? asciiFold(text) : text
        let chars = Array(shown)
        let cur = min(cursor, chars.count)
        let start = max(0, cur - (inner - 3))
        var visible = Array(chars[start..<chars.count].prefix(inner - 2))
        if visible.count < inner - 2 { visible += Array(repeating: " ", count: inner - 2 - visible.count) }
        fieldLine = [Span(text: "> ", style: .bold)] + visible.enumerated().map { i, c in
            Span(text: String(c), style: start + i == cur ? .highlight : .bold)
        }
        b.lines.append([])
        if let error {
            b.blank()
            b.para(error, style: .fail)
        }
    }
    var content = b.lines
    if let r = fieldRow { content[r] = fieldLine }
    let height = min(grid.rows - 2, content.count + 4)
    let top = max(1, (grid.rows - height) / 2)
    let left = max(0, (grid.cols - width) / 2)
    let h = model.config.ascii ? "-" : "─"
    let v = model.config.ascii ? "|" : "│"
    let (tl, tr, bl, br) = model.config.ascii ? ("+", "+", "+", "+") : ("┌", "┐", "└", "┘")
    for row in top..<(top + height) { grid.fill(row: row, from: left, to: left + width) }
    grid.put(tl + String(repeating: h, count: width - 2) + tr, row: top, col: left, style: .bold)
    grid.put(" \(title) ", row: top, col: left + 2, style: .bold)
    for row in (top + 1)..<(top + height - 1) {
        grid.put(v, row: row, col: left, style: .bold)
        grid.put(v, row: row, col: left + width - 1, style: .bold)
    }
    grid.put(bl + String(repeating: h, count: width - 2) + br, row: top + height - 1, col: left, style: .bold)
    for (i, line) in content.prefix(height - 4).enumerated() {
        var col = left + 2
        for span in line { col = grid.put(span.text, row: top + 2 + i, col: col, style: span.style) }
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
