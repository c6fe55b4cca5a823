// "Which device does NAT for this network?": asked on the NAT type and Cloud NAT steps when they
// fail, with the fix catalogue's devices and "Don't know", preselecting what the report names.
// The answer is a choice (`NATDeviceSource.chosen`); "Don't know" goes back to what was identified.
import P2PReport

/// The list the question offers, in order: every catalogue device, then "Don't know" (nil).
let deviceChoices: [NATDevice?] = NATDevice.allCases.map(Optional.some) + [nil]

/// The steps that ask: those a device's setting can fix.
func asksForDevice(_ step: Step) -> Bool { step == .natType || step == .cloudNat }

/// Whether the current screen offers the question now: its step failed and its probes are done.
func deviceQuestionOffered(_ model: WizardModel) -> Bool {
    guard let step = model.screen.step, asksForDevice(step), !mainProbesRunning(model.screen, model) else { return false }
    return model.report.assess(step).status == .fail
}

/// The report's device, from the person's choice or what the probes identified.
func refreshDevice(_ model: inout WizardModel) {
    model.report.natDevice = NATDeviceIdentity.resolve(model.report, chosen: model.chosenDevice)
}

/// `d`: opens the question with the report's device (identified or chosen) selected.
func openDeviceQuestion(_ model: inout WizardModel) {
    let current = model.report.natDevice?.name
    model.dialog = .natDevice(selected: deviceChoices.firstIndex(of: current) ?? deviceChoices.count - 1)
}

func handleDeviceKey(_ selected: Int, _ key: Key, in model: inout WizardModel) {
    switch key {
    case .up, .char("k"):
        model.dialog = .natDevice(selected: max(0, selected - 1))
    case .down, .char("j"):
        model.dialog = .natDevice(selected: min(deviceChoices.count - 1, selected + 1))
    case .home:
        model.dialog = .natDevice(selected: 0)
    case .end:
        model.dialog = .natDevice(selected: deviceChoices.count - 1)
    case .enter, .char(" "):
        model.dialog = nil
        model.chosenDevice = deviceChoices[selected]
        refreshDevice(&model)
        model.message = model.chosenDevice.map { "NAT device: \($0.displayName) (chosen)." }
            ?? "NAT device: not chosen; " + FixText.how(model.report.natDevice ?? NATDeviceInfo()) + "."
    case .escape:
        model.dialog = nil
    default:
        break
    }
}

/// The step body's part: what the report names now, and the key that asks.
func deviceLines(_ b: inout Builder, _ model: WizardModel) {
    guard deviceQuestionOffered(model) else { return }
    b.heading("Which device does NAT for this network?")
    b.para("Now: " + FixText.how(model.report.natDevice ?? NATDeviceInfo())
           + ". Press d to name the device; the report keeps your answer.", indent: 2)
}

/// The dialog's lines: the question, then one line per choice with the selected one marked.
func deviceDialogLines(_ selected: Int, _ model: WizardModel, _ g: Glyphs, into b: inout Builder) -> String {
    b.para("The fix for this step is a setting on the device in front of this network.")
    if let info = model.report.natDevice, info.how == .identified, let name = info.name {
        b.para("Identified: \(name.displayName).", style: .dim)
    }
    b.blank()
    for (i, choice) in deviceChoices.enumerated() {
        let on = i == selected
        let text = choice?.displayName ?? "Don't know"
        b.raw([Span(text: "\(on ? g.radioOn : g.radioOff) ", style: on ? .bold : .normal),
               Span(text: text, style: on ? .highlight : .normal)])
    }
    return "Which device does NAT for this network?"
}
