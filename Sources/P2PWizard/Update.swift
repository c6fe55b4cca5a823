// The wizard's only state transition: a message in, a changed model and effects out.
import P2PReport
import P2PExport

/// What the wizard does the moment it opens: start every probe except hairpin, which waits for consent
/// on its step, so results are usually ready when the person reaches a step.
public func start(_ model: inout WizardModel) -> [WizardEffect] {
    let probes = ProbeID.allCases.filter { $0 != .hairpin }
    return launch(probes, in: &model)
}

public func update(_ model: inout WizardModel, _ msg: WizardMsg) -> [WizardEffect] {
    switch msg {
    case .tick(let now):
        model.nowMs = max(model.nowMs, now)
        return []
    case .resize(let c, let r):
        model.cols = max(0, c)
        model.rows = max(0, r)
        clampScroll(&model)
        return []
    case .probe(let event):
        apply(event, to: &model)
        refreshDevice(&model)
        clampScroll(&model)
        return []
    case .runFinished(let probes, let report):
        finishRun(probes, report, in: &model)
        refreshDevice(&model)
        clampScroll(&model)
        return []
    case .saveResult(let outcome):
        return saved(outcome, in: &model)
    case .punchCode, .punchUnavailable, .punchRejected, .punchFinished:
        punchMessage(msg, in: &model)
        return []
    case .keepaliveProgress, .keepaliveFinished:
        keepaliveMessage(msg, in: &model)
        clampScroll(&model)
        return []
    case .key(let key):
        return handle(key, in: &model)
    }
}

// MARK: - Probes

private func launch(_ probes: [ProbeID], in model: inout WizardModel) -> [WizardEffect] {
    let todo = probes.filter { !model.isRunning($0) }
    guard !todo.isEmpty else { return [] }
    for p in todo { model.probes[p] = .running(startedAtMs: model.nowMs, detail: nil) }
    return [.startProbes(todo)]
}

private func apply(_ event: ProbeEvent, to model: inout WizardModel) {
    switch event {
    case .started(let p, let engineMs):
        if !model.isRunning(p) { model.probes[p] = .running(startedAtMs: model.nowMs, detail: nil) }
        model.engineStartMs[p] = engineMs
    case .progress(let p, let text):
        if case .running(let s, _) = model.probes[p] { model.probes[p] = .running(startedAtMs: s, detail: text) }
    case .finished(let result, let elapsed):
        result.apply(to: &model.report)
        model.report.run.role = model.role
        let p = result.probe
        if let s = model.engineStartMs.removeValue(forKey: p) {
            model.probes[p] = .done(elapsedMs: max(0, elapsed - s))
        } else if case .running(let s, _) = model.probes[p] {
            model.probes[p] = .done(elapsedMs: max(0, model.nowMs - s))
        } else {
            model.probes[p] = .done(elapsedMs: elapsed)
        }
    }
}

/// Takes from a finished engine run whatever its events did not deliver, so no spinner is left turning.
private func finishRun(_ probes: [ProbeID], _ report: Report, in model: inout WizardModel) {
    if model.report.run.startedAt.isEmpty && model.report.run.hostname.isEmpty {
        model.report.run = report.run
    }
    for p in probes {
        guard case .running(let s, _) = model.probes[p] else { continue }
        model.engineStartMs[p] = nil
        model.report.copySection(of: p, from: report)
        model.probes[p] = .done(elapsedMs: max(0, model.nowMs - s))
    }
    model.report.run.role = model.role
    model.report.verdict = Verdict.derive(from: model.report)
}


/// `r`: the current step's probes, or every probe on a screen without its own.
private func rerun(in model: inout WizardModel) -> [WizardEffect] {
    var probes = model.screen.probes
    if model.screen == .step(.hairpin) && model.hairpinConsent != .granted {
        model.message = model.hairpinConsent == .disabledByFlag
            ? "The hairpin test is off (--no-hairpin)."
            : "Press y to run the hairpin test first."
        return []
    }
    if probes.isEmpty {
        probes = ProbeID.allCases.filter { $0 != .hairpin || model.hairpinConsent == .granted }
    }
    let effects = launch(probes, in: &model)
    model.message = effects.isEmpty ? "Already running." : "Re-running: " + probes.map(\.label).joined(separator: ", ") + "."
    return effects
}

// MARK: - Keys

private func handle(_ key: Key, in model: inout WizardModel) -> [WizardEffect] {
    if model.tooSmall {
        // Below the minimum size nothing else is readable; `q` still leaves at once.
        if key == .char("q") || key == .char("Q") || key == .ctrl("c") { return [.quit(code: 0)] }
        return []
    }
    if let dialog = model.dialog { return handleDialog(dialog, key, in: &model) }
    model.message = nil
    model.messageStyle = .normal
    switch key {
    case .char("q"), .char("Q"):
        if model.summaryUnsaved {
            model.dialog = .quitConfirm
            return []
        }
        return [.quit(code: 0)]
    case .char("?"), .char("h"):
        model.dialog = .help
    case .char("s"), .char("S"):
        openSavePrompt(&model)
    case .char(let c) where (c == "p" || c == "P") && model.screen == .summary:
        return openPunch(&model)
    case .char("d"), .char("D"):
        if deviceQuestionOffered(model) { openDeviceQuestion(&model) }
    case .char(let c) where (c == "l" || c == "L") && model.screen == .summary:
        return toggleKeepalive(&model)
    case .char("r"), .char("R"):
        return rerun(in: &model)
    case .enter, .right, .char("n"), .char(" "):
        if let next = model.screen.next {
            model.screen = next
        } else {
            model.message = "This is the last step: s saves the summary, q quits."
        }
    case .left, .char("b"):
        if let prev = model.screen.previous { model.screen = prev }
    case .up, .char("k"):
        scroll(&model, by: -1)
    case .down, .char("j"):
        scroll(&model, by: 1)
    case .pageUp:
        scroll(&model, by: -Viewport.page(height: bodyHeight(model)))
    case .pageDown:
        scroll(&model, by: Viewport.page(height: bodyHeight(model)))
    case .home:
        model.viewports[model.screen] = Viewport()
    case .end:
        scroll(&model, by: Int.max)
    case .char(let c) where model.screen == .welcome && ["1", "2", "3"].contains(c):
        model.role = c == "1" ? .client : c == "2" ? .connector : .unknown
        model.report.run.role = model.role
    case .char("y"), .char("Y"):
        if model.screen == .step(.hairpin) && model.hairpinConsent != .disabledByFlag && !model.isRunning(.hairpin) {
            model.hairpinConsent = .granted
            return launch([.hairpin], in: &model)
        }
    case .char("x"), .char("X"):
        if model.screen == .step(.hairpin) && model.hairpinConsent == .notAsked {
            model.hairpinConsent = .declined
            model.probes[.hairpin] = .skipped
        }
    default:
        break
    }
    return []
}

private func openSavePrompt(_ model: inout WizardModel) {
    let path = model.savedPath ?? model.config.defaultSummaryPath
    model.dialog = .savePrompt(TextField(text: path), error: nil)
}

private func summaryText(_ model: WizardModel) -> String {
    var report = model.report
    report.run.role = model.role
    return SummaryText.render(report, options: SummaryOptions(ascii: model.config.ascii, redact: false, width: 80))
}

private func handleDialog(_ dialog: Dialog, _ key: Key, in model: inout WizardModel) -> [WizardEffect] {
    switch dialog {
    case .help:
        model.dialog = nil
    case .punch(let stage, let field, _):
        return handlePunchKey(stage, field, key, in: &model)
    case .natDevice(let selected):
        handleDeviceKey(selected, key, in: &model)
    case .quitConfirm:
        switch key {
        case .char("y"), .char("Y"), .char("q"): return [.quit(code: 0)]
        case .char("s"), .char("S"): openSavePrompt(&model)
        case .char("n"), .char("N"), .escape: model.dialog = nil
        default: break
        }
    case .overwriteConfirm(let path):
        switch key {
        case .char("y"), .char("Y"):
            return [.save(path: path, text: summaryText(model), overwrite: true)]
        case .char("n"), .char("N"), .escape:
            model.dialog = .savePrompt(TextField(text: path), error: nil)
        default: break
        }
    case .savePrompt(var field, _):
        switch key {
        case .escape:
            model.dialog = nil
        case .enter:
            let path = field.text.trimmingSpaces
            if path.isEmpty {
                model.dialog = .savePrompt(field, error: "Type a file name first.")
                return []
            }
            return [.save(path: path, text: summaryText(model), overwrite: false)]
        default:
            if field.handle(key) { model.dialog = .savePrompt(field, error: nil) }
        }
    }
    return []
}

private func saved(_ outcome: SaveOutcome, in model: inout WizardModel) -> [WizardEffect] {
    switch outcome {
    case .saved(let path):
        model.dialog = nil
        model.savedPath = path
        model.savedReport = model.report
        model.message = "Summary saved to \(path)"
        model.messageStyle = .pass
    case .exists(let path):
        model.dialog = .overwriteConfirm(path: path)
    case .failed(let path, let reason):
        model.dialog = .savePrompt(TextField(text: path),
                                   error: "Could not save: \(reason). Any existing file is unchanged.")
    }
    return []
}

// MARK: - Scrolling

/// Scrolls the current screen's viewport; the body's height comes from its layout (Body.swift).
private func scroll(_ model: inout WizardModel, by delta: Int) {
    guard !model.tooSmall else { return }
    let (screen, content, height) = (model.screen, bodyLines(model).count, bodyHeight(model))
    model.viewports[screen, default: Viewport()].scroll(by: delta, content: content, height: height)
}

/// Keeps the current screen's offset inside its body after the body or the terminal changed size.
/// Other screens are clamped when drawn (their bodies may change before they are shown).
func clampScroll(_ model: inout WizardModel) {
    guard !model.tooSmall, model.viewports[model.screen] != nil else { return }
    let (screen, content, height) = (model.screen, bodyLines(model).count, bodyHeight(model))
    model.viewports[screen]?.clamp(content: content, height: height)
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
