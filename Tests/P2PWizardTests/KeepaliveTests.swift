import Testing
import P2PReport
@testable import P2PWizard

/// The Summary step's keepalive measurement: started by `l`, a progress bar while it runs (the
/// other steps stay usable), cancelled by `l` again, its result in the report and the summary.
@Suite struct KeepaliveTests {
    func body(_ m: WizardModel) -> String {
        bodyLines(m).map { $0.map(\.text).joined() }.joined(separator: "\n")
    }

    func onSummary() -> WizardModel {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        return m
    }

    @Test func idleSummaryOffersTheMeasurement() {
        let m = onSummary()
        #expect(body(m).contains("Press l to measure how long the NAT keeps an idle UDP mapping"))
    }

    @Test func lStartsItInTheBackgroundWithAProgressBar() {
        var m = onSummary()
        let t0 = m.nowMs
        #expect(press(&m, .char("l")) == [.keepaliveStart(limitSeconds: 300)])
        _ = update(&m, .tick(nowMs: t0 + 30_000))
        _ = update(&m, .keepaliveProgress("waiting for 35 s of silence"))
        let text = body(m)
        #expect(text.contains("[█░░░░░░░░░░░░░░░░░░░] at most 272 s left: waiting for 35 s of silence;"))
        // Other steps stay usable while it runs.
        _ = press(&m, .left)
        #expect(m.screen == .logs)
        #expect(m.dialog == nil)
    }

    @Test func theResultGoesIntoTheReportWithItsAdvice() {
        var m = onSummary()
        _ = press(&m, .char("l"))
        let section = MappingLifetimeSection(status: .checked, minSeconds: 15, maxSeconds: 25, limitSeconds: 300,
                                             server: "203.0.113.10:3478", durationSeconds: 28)
        _ = update(&m, .keepaliveFinished(section))
        #expect(m.keepalive == .done)
        #expect(m.report.mappingLifetime == section)
        let text = body(m)
        #expect(text.contains("Idle mapping lifetime: between 15 and 25 s"))
        #expect(text.contains("Keepalives must be more frequent than every 15 s"))
        #expect(m.report.verdict.reasons.contains { $0.contains("under 30 s") })
    }

    @Test func lAgainCancelsAndALateResultIsIgnored() {
        var m = onSummary()
        _ = press(&m, .char("l"))
        #expect(press(&m, .char("l")) == [.keepaliveCancel])
        #expect(m.keepalive == .cancelled)
        _ = update(&m, .keepaliveFinished(MappingLifetimeSection(status: .checked, minSeconds: 55, maxSeconds: 65)))
        #expect(m.report.mappingLifetime == Fixtures.goodReport.mappingLifetime)
        #expect(body(m).contains("Cancelled; no result."))
    }

    @Test func lDoesNothingOnOtherSteps() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .logs
        #expect(press(&m, .char("l")).isEmpty)
        #expect(m.keepalive == .idle)
    }

    @Test func asciiProgressBar() {
        #expect(progressBar(done: 5, total: 10, width: 10, ascii: true) == "[#####.....]")
        #expect(progressBar(done: 50, total: 10, width: 4, ascii: true) == "[####]")
        #expect(progressBar(done: 0, total: 0, width: 3, ascii: false) == "[░░░]")
    }
}
