import Testing
import P2PReport
@testable import P2PWizard

@Suite struct UpdateTests {
    @Test func startLaunchesEveryProbeButHairpin() {
        var m = WizardModel(config: Fixtures.config())
        let effects = start(&m)
        #expect(effects == [.startProbes([.nat, .udp, .quic, .doubleNat, .cloud, .ipv6, .datagram])])
        #expect(m.isRunning(.nat))
        #expect(!m.isRunning(.hairpin))
        #expect(m.probes[.hairpin] == .idle)
    }

    @Test func noHairpinFlagMarksItSkipped() {
        var m = WizardModel(config: Fixtures.config(hairpin: false))
        _ = start(&m)
        #expect(m.probes[.hairpin] == .skipped)
        m.screen = .hairpin
        #expect(press(&m, .char("y")).isEmpty)
        #expect(press(&m, .char("r")).isEmpty)
        #expect(m.message?.contains("--no-hairpin") == true)
    }

    @Test func navigationForwardBackAndBounds() {
        var m = WizardModel(config: Fixtures.config())
        #expect(m.screen == .welcome)
        _ = press(&m, .left)
        #expect(m.screen == .welcome)
        _ = press(&m, .enter, .right, .char("n"))
        #expect(m.screen == .doubleNat)
        _ = press(&m, .char("b"), .left, .left)
        #expect(m.screen == .welcome)
        for _ in 0..<20 { _ = press(&m, .enter) }
        #expect(m.screen == .summary)
        #expect(m.message?.contains("last step") == true)
    }

    @Test func roleChoiceOnWelcomeNamesTheRoleInTheReport() {
        var m = WizardModel(config: WizardConfig())
        _ = press(&m, .char("2"))
        #expect(m.role == .connector)
        #expect(m.report.run.role == .connector)
        _ = press(&m, .enter, .char("1"))   // not on welcome: ignored
        #expect(m.role == .connector)
    }

    @Test func quitAsksWhenSummaryUnsavedAndNotAfterSaving() {
        var m = Fixtures.finished(Fixtures.goodReport)
        #expect(press(&m, .char("q")).isEmpty)
        #expect(m.dialog == .quitConfirm)
        _ = press(&m, .char("n"))
        #expect(m.dialog == nil)
        _ = press(&m, .char("q"))
        #expect(press(&m, .char("y")) == [.quit(code: 0)])

        var s = Fixtures.finished(Fixtures.goodReport)
        _ = update(&s, .saveResult(.saved(path: "./x.txt")))
        #expect(press(&s, .char("q")) == [.quit(code: 0)])
    }

    @Test func newResultsAfterSavingMakeTheSummaryUnsavedAgain() {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = update(&m, .saveResult(.saved(path: "./x.txt")))
        #expect(!m.summaryUnsaved)
        _ = update(&m, .probe(.finished(.hairpin(HairpinSection(status: .checked, supported: false)), elapsedMs: 10)))
        #expect(m.summaryUnsaved)
    }

    @Test func saveFlowWithOverwriteConfirm() throws {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = press(&m, .char("s"))
        guard case .savePrompt(let field, nil)? = m.dialog else { Issue.record("no prompt"); return }
        let (text, cursor) = (field.text, field.cursor)
        #expect(text == "./p2ptui-summary-testhost-20260101-1200.txt")
        #expect(cursor == text.count)
        _ = press(&m, .ctrl("u"))
        type(&m, "out.txt")
        _ = press(&m, .left, .left, .left, .left, .char("X"))
        #expect(m.dialog == .savePrompt(TextField(text: "outX.txt", cursor: 4), error: nil))
        _ = press(&m, .backspace, .end)
        let effects = press(&m, .enter)
        #expect(effects.count == 1)
        guard case .save(let path, let body, false)? = effects.first else { Issue.record("no save"); return }
        #expect(path == "out.txt")
        #expect(body.contains("NAT type"))
        // The file exists: ask; `y` saves with overwrite.
        _ = update(&m, .saveResult(.exists(path: "out.txt")))
        #expect(m.dialog == .overwriteConfirm(path: "out.txt"))
        let again = press(&m, .char("y"))
        guard case .save("out.txt", _, true)? = again.first else { Issue.record("no overwrite"); return }
        _ = update(&m, .saveResult(.saved(path: "out.txt")))
        #expect(m.dialog == nil)
        #expect(m.savedPath == "out.txt")
        #expect(m.message == "Summary saved to out.txt")
    }

    @Test func declineOverwriteReturnsToThePrompt() {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = update(&m, .saveResult(.exists(path: "a.txt")))
        _ = press(&m, .char("n"))
        #expect(m.dialog == .savePrompt(TextField(text: "a.txt", cursor: 5), error: nil))
    }

    @Test func failedSaveKeepsTheDialogWithAMessage() {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = press(&m, .char("s"))
        _ = update(&m, .saveResult(.failed(path: "/nope/x.txt", reason: "No such file or directory")))
        guard case .savePrompt(let field, let error?)? = m.dialog, field.text == "/nope/x.txt" else { Issue.record("dialog closed"); return }
        #expect(error.contains("No such file or directory"))
        #expect(m.savedPath == nil)
        #expect(m.summaryUnsaved)
        // Typing clears the error; Esc closes.
        _ = press(&m, .char("a"))
        guard case .savePrompt(_, nil)? = m.dialog else { Issue.record("error kept"); return }
        _ = press(&m, .escape)
        #expect(m.dialog == nil)
    }

    @Test func emptyPathIsRefused() {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = press(&m, .char("s"), .ctrl("u"))
        #expect(press(&m, .enter).isEmpty)
        guard case .savePrompt(_, _?)? = m.dialog else { Issue.record("no error"); return }
    }

    @Test func hairpinRunsOnlyAfterConsent() {
        var m = WizardModel(config: Fixtures.config())
        _ = start(&m)
        m.screen = .hairpin
        #expect(press(&m, .char("r")).isEmpty)
        #expect(m.message?.contains("y") == true)
        #expect(press(&m, .char("y")) == [.startProbes([.hairpin])])
        #expect(m.hairpinConsent == .granted)
        #expect(m.isRunning(.hairpin))
        #expect(press(&m, .char("y")).isEmpty)   // already running
    }

    @Test func hairpinSkip() {
        var m = WizardModel(config: Fixtures.config())
        m.screen = .hairpin
        _ = press(&m, .char("x"))
        #expect(m.hairpinConsent == .declined)
        #expect(m.probes[.hairpin] == .skipped)
        #expect(view(m).plainText.contains("you chose to skip it"))
    }

    @Test func probeEventsDriveSpinnerThenDone() {
        var m = WizardModel(config: Fixtures.config())
        _ = start(&m)
        m.screen = .natType
        _ = update(&m, .tick(nowMs: 2300))
        _ = update(&m, .probe(.progress(.nat, "test II: 192.0.2.2:3478 answered")))
        var text = view(m).plainText
        #expect(text.contains("Checking… 2.3 s"))
        #expect(text.contains("running 2.3 s: test II: 192.0.2.2:3478 answered"))
        let nat = Fixtures.goodReport.nat
        _ = update(&m, .tick(nowMs: 2500))
        _ = update(&m, .probe(.finished(.nat(nat), elapsedMs: 2500)))
        #expect(m.probes[.nat] == .done(elapsedMs: 2500))
        #expect(m.report.nat == nat)
        text = view(m).plainText
        #expect(text.contains("✔ pass"))
        #expect(text.contains("Port Restricted Cone"))
    }

    @Test func aProbesDurationIsMeasuredOnTheEnginesClock() {
        // The wizard's clock advances with ticks only; events that arrive before the next tick
        // must still show how long the probe ran, never "done in 0 ms".
        var m = WizardModel(config: Fixtures.config())
        _ = start(&m)
        m.screen = .firewall
        _ = update(&m, .probe(.started(.udp, elapsedMs: 3)))
        _ = update(&m, .probe(.started(.quic, elapsedMs: 4)))
        _ = update(&m, .probe(.finished(.udp(Fixtures.goodReport.udp), elapsedMs: 1213)))
        _ = update(&m, .probe(.finished(.quic(Fixtures.goodReport.quic), elapsedMs: 904)))
        #expect(m.probes[.udp] == .done(elapsedMs: 1210))
        #expect(m.probes[.quic] == .done(elapsedMs: 900))
        let text = view(m).plainText
        #expect(text.contains("UDP egress: done in 1.2 s"), "\(text)")
        #expect(text.contains("QUIC egress: done in 900 ms"), "\(text)")
        #expect(!text.contains("done in 0 ms"), "\(text)")
    }

    @Test func runFinishedFillsWhatEventsDidNotDeliver() {
        var m = WizardModel(config: Fixtures.config())
        _ = start(&m)
        _ = update(&m, .tick(nowMs: 900))
        _ = update(&m, .runFinished(probes: [.udp, .quic], report: Fixtures.badReport))
        #expect(m.report.udp.status == .partial)
        #expect(m.probes[.udp] == .done(elapsedMs: 900))
        #expect(m.isRunning(.nat))
        #expect(m.report.run.hostname == "testhost")
        #expect(m.report.run.role == .client)
    }

    @Test func rerunEmitsEffectForTheStepsProbes() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .firewall
        #expect(press(&m, .char("r")) == [.startProbes([.udp, .quic])])
        #expect(m.isRunning(.udp))
        #expect(press(&m, .char("r")).isEmpty)
        #expect(m.message == "Already running.")
        m.screen = .summary
        #expect(press(&m, .char("r")) == [.startProbes([.nat, .doubleNat, .hairpin, .cloud, .ipv6, .datagram])])
    }

    @Test func scrollingIsClampedAndResizeReclamps() {
        var m = Fixtures.finished(Fixtures.badReport)
        m.screen = .natType
        let total = bodyLines(m).count
        #expect(total > bodyHeight(m))
        _ = press(&m, .end)
        #expect(m.viewports[.natType]?.offset == total - bodyHeight(m))
        _ = press(&m, .down)
        #expect(m.viewports[.natType]?.offset == total - bodyHeight(m))
        _ = press(&m, .home, .pageDown)
        #expect(m.viewports[.natType]?.offset == min(bodyHeight(m) - 1, total - bodyHeight(m)))
        _ = press(&m, .pageUp, .up)
        #expect(m.viewports[.natType]?.offset == 0)
        _ = press(&m, .end)
        _ = update(&m, .resize(cols: 200, rows: 60))
        #expect(m.viewports[.natType]?.offset == max(0, bodyLines(m).count - bodyHeight(m)))
        #expect(view(m).cols == 200)
    }

    @Test func tinyTerminalSaysSoAndQuitsOnQ() {
        var m = Fixtures.finished(Fixtures.goodReport)
        _ = update(&m, .resize(cols: 60, rows: 20))
        let grid = view(m)
        #expect(grid.cols == 60 && grid.rows == 20)
        #expect(grid.plainText.contains("Terminal too small: need 80x24, have 60x20."))
        #expect(press(&m, .enter).isEmpty)
        #expect(m.screen == .welcome)
        #expect(press(&m, .char("q")) == [.quit(code: 0)])
        _ = update(&m, .resize(cols: 0, rows: 0))
        #expect(view(m).cells.isEmpty)
    }

    @Test func helpOverlayOpensAndAnyKeyCloses() {
        var m = WizardModel(config: Fixtures.config())
        _ = press(&m, .char("?"))
        #expect(m.dialog == .help)
        #expect(view(m).plainText.contains("re-run this step's probes"))
        _ = press(&m, .escape)
        #expect(m.dialog == nil)
        #expect(m.screen == .welcome)
    }

    @Test func asciiModeHasNoNonASCIICharacters() {
        for s in Screen.allCases {
            var m = Fixtures.finished(Fixtures.badReport, ascii: true)
            m.screen = s
            let text = view(m).plainText
            #expect(text.allSatisfy { $0.isASCII }, "screen \(s)")
            if s == .firewall { #expect(text.contains("[FAIL]")) }
        }
    }

    @Test func summaryNamesRoleVerdictAndChecklist() {
        var m = Fixtures.finished(Fixtures.badReport)
        m.screen = .summary
        let lines = bodyLines(m).map { $0.map(\.text).joined() }
        let text = lines.joined(separator: "\n")
        #expect(view(m).plainText.contains("This machine: Client"))
        #expect(text.contains("Direct connection: UNLIKELY"))
        for step in Step.allCases { #expect(text.contains(step.title)) }
        #expect(text.contains("✘ fail"))
    }

    @Test func wordWrapRespectsWidth() {
        let lines = wordWrap("aaa bbb ccc dddddddddd e", width: 7)
        #expect(lines == ["aaa bbb", "ccc", "ddddddd", "ddd e"])
        #expect(lines.allSatisfy { $0.count <= 7 })
    }
}
