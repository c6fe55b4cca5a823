// Model to text grid. Layout: header (row 0), step bar (row 1), scrollable body, message line,
// key line. Dialogs are boxes drawn over the body.
import P2PReport
import P2PExport

extension Role {
    /// The role as the header names it.
    var displayName: String {
        switch self {
        case .client: return "Client"
        case .connector: return "Connector"
        case .unknown: return "not sure"
        }
    }
}

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
    // Another screen's offset may predate a change of its body: clamp a copy for drawing.
    var viewport = model.viewports[model.screen] ?? Viewport()
    viewport.clamp(content: lines.count, height: height)
    let offset = viewport.offset
    for (i, line) in viewport.window(lines, height: height).enumerated() {
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
    if skipped(step, model) { return .notChecked }
    return model.report.assess(step).status
}

private func drawStepBar(_ grid: inout TextGrid, _ model: WizardModel, _ g: Glyphs) {
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
        let name = s.shortName
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
    case .punch?: text = " Enter start/close  Esc cancel  ←→ Home End move  Ctrl-U clear"
    case .natDevice?: text = " ↑↓ choose  Enter this one  Esc cancel"
    case nil:
        var extra = "r re-run"
        if model.screen == .welcome { extra = "1-3 role" }
        if model.screen == .step(.hairpin) && model.hairpinConsent == .notAsked { extra = "y run" }
        if model.screen == .summary { extra = "p punch" }
        if deviceQuestionOffered(model) { extra = "d device" }
        text = " Enter/→/n next  ←/b back  ↑↓ PgUp/Dn scroll  \(extra)  s save  ? help  q quit"
    }
    grid.fill(row: row, style: .highlight)
    grid.put(model.config.ascii ? asciiFold(text) : text, row: row, col: 0, style: .highlight)
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
            ("y x", "run or skip the hairpin test (step \(Screen.step(.hairpin).number))"),
            ("p", "live test with the other side (Summary step)"),
            ("d", "name the NAT device (steps \(Screen.step(.natType).number), \(Screen.step(.cloudNat).number))"),
            ("l", "how long an idle mapping lasts (Summary step)"), ("?", "this help"), ("q", "quit"),
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
    case .punch(let stage, let field, let error):
        let (t, row) = punchDialogLines(stage, error: error, into: &b)
        title = t
        if let row {
            fieldRow = row
            let shown = field.window(width: inner - 2, fold: model.config.ascii ? asciiFold : { $0 })
            let editable: Bool
            if case .ready = stage { editable = true } else { editable = false }
            fieldLine = [Span(text: "> ", style: .bold)] + shown.text.enumerated().map { i, c in
                Span(text: String(c), style: editable && i == shown.cursorColumn ? .highlight : .bold)
            }
        }
    case .natDevice(let selected):
        title = deviceDialogLines(selected, model, g, into: &b)
    case .savePrompt(let field, let error):
        title = "Save summary"
        b.para("Save the summary as plain text to (relative paths are in the current directory):")
        b.blank()
        fieldRow = b.lines.count
        let shown = field.window(width: inner - 2, fold: model.config.ascii ? asciiFold : { $0 })
        fieldLine = [Span(text: "> ", style: .bold)] + shown.text.enumerated().map { i, c in
            Span(text: String(c), style: i == shown.cursorColumn ? .highlight : .bold)
        }
        b.lines.append([])
        if let error {
            b.blank()
            b.para(error, style: .fail)
        }
    }
    var content = b.lines
    if let r = fieldRow { content[r] = fieldLine }
    drawBox(&grid, title: title, content: content, width: width, ascii: model.config.ascii)
}

/// A framed box of `width` columns, centred, titled on its top border, holding `content` (cut to fit).
private func drawBox(_ grid: inout TextGrid, title: String, content: [Line], width: Int, ascii: Bool) {
    let height = min(grid.rows - 2, content.count + 4)
    let top = max(1, (grid.rows - height) / 2)
    let left = max(0, (grid.cols - width) / 2)
    let h = ascii ? "-" : "─"
    let v = ascii ? "|" : "│"
    let (tl, tr, bl, br) = ascii ? ("+", "+", "+", "+") : ("┌", "┐", "└", "┘")
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
