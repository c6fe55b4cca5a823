import Testing
import P2PReport
@testable import P2PWizard

/// "Which device does NAT for this network?": offered on a failed NAT type or Cloud NAT step,
/// preselecting what the report names; the answer is a choice, "Don't know" goes back to what was
/// identified, and a later run keeps the choice.
@Suite struct DeviceQuestionTests {
    /// The bad fixture: symmetric NAT on an AWS VM with a NAT gateway suspected.
    static func bad(cols: Int = 80, rows: Int = 24, config: WizardConfig = Fixtures.config()) -> WizardModel {
        var m = WizardModel(config: config, cols: cols, rows: rows)
        _ = start(&m)
        _ = update(&m, .tick(nowMs: 1500))
        m.hairpinConsent = .granted
        m.probes[.hairpin] = .running(startedAtMs: 1000, detail: nil)
        _ = update(&m, .runFinished(probes: ProbeID.allCases, report: Fixtures.badReport))
        m.screen = .step(.natType)
        return m
    }

    static func index(_ d: NATDevice?) -> Int { deviceChoices.firstIndex(of: d)! }

    @Test func theProbesIdentifyTheDeviceAndTheQuestionPreselectsIt() {
        var m = Self.bad()
        #expect(m.report.natDevice?.name == .awsNATGateway && m.report.natDevice?.how == .identified)
        _ = update(&m, .key(.char("d")))
        #expect(m.dialog == .natDevice(selected: Self.index(.awsNATGateway)))
    }

    @Test func choosingADeviceMakesItTheReportsChoiceAndARunKeepsIt() {
        var m = Self.bad()
        _ = update(&m, .key(.char("d")))
        _ = update(&m, .key(.home))
        for _ in 0..<Self.index(.fortigate) { _ = update(&m, .key(.down)) }
        _ = update(&m, .key(.enter))
        #expect(m.dialog == nil)
        #expect(m.report.natDevice == NATDeviceInfo(name: .fortigate, how: .chosen))
        #expect(m.message == "NAT device: FortiGate (chosen).")
        _ = update(&m, .runFinished(probes: [.nat], report: Fixtures.badReport))
        #expect(m.report.natDevice == NATDeviceInfo(name: .fortigate, how: .chosen))
    }

    @Test func dontKnowGoesBackToWhatWasIdentified() {
        var m = Self.bad(config: WizardConfig(role: .client, natDevice: .sonicwall))
        #expect(m.report.natDevice?.name == .sonicwall && m.report.natDevice?.how == .chosen)
        _ = update(&m, .key(.char("d")))
        #expect(m.dialog == .natDevice(selected: Self.index(.sonicwall)))
        _ = update(&m, .key(.end))
        #expect(m.dialog == .natDevice(selected: Self.index(nil)))
        _ = update(&m, .key(.enter))
        #expect(m.report.natDevice?.name == .awsNATGateway && m.report.natDevice?.how == .identified)
    }

    @Test func escapeLeavesTheDeviceAsItWas() {
        var m = Self.bad()
        _ = update(&m, .key(.char("d")))
        _ = update(&m, .key(.up))
        _ = update(&m, .key(.escape))
        #expect(m.dialog == nil && m.report.natDevice?.how == .identified)
    }

    @Test func notOfferedOnAPassingStepOrAStepWithoutADeviceFix() {
        var good = Fixtures.finished(Fixtures.goodReport)
        good.screen = .step(.natType)
        _ = update(&good, .key(.char("d")))
        #expect(good.dialog == nil)
        var m = Self.bad()
        m.screen = .step(.doubleNat)
        _ = update(&m, .key(.char("d")))
        #expect(m.dialog == nil)
        m.screen = .step(.cloudNat)
        _ = update(&m, .key(.char("d")))
        #expect(m.dialog != nil)
    }

    @Test func goldenScreensIdentifiedAndChosen() throws {
        let golden = GoldenTests()
        var m = Self.bad(cols: 120, rows: 40)
        _ = update(&m, .key(.end))
        try golden.check(view(m), "device-identified-natType-120x40.txt")
        _ = update(&m, .key(.char("d")))
        try golden.check(view(m), "device-dialog-identified-120x40.txt")
        _ = update(&m, .key(.home))
        _ = update(&m, .key(.down))
        _ = update(&m, .key(.enter))
        try golden.check(view(m), "device-chosen-natType-120x40.txt")
        var a = Self.bad(config: Fixtures.config(ascii: true))
        _ = update(&a, .key(.char("d")))
        try golden.check(view(a), "device-dialog-identified-80x24-ascii.txt")
    }
}
