import Testing
@testable import P2PReport

@Suite struct RunTimelineTests {
    @Test func rowsCarryStartFirstStepEndAndLastStepInTheOrderProbesEnded() {
        var t = RunTimeline()
        t.record(.started(.nat, elapsedMs: 1), nowMs: 1)
        t.record(.started(.quic, elapsedMs: 2), nowMs: 2)
        t.record(.progress(.nat, "test I answered"), nowMs: 5)
        t.record(.progress(.nat, "filtering: no answer after 14 requests"), nowMs: 150)
        t.record(.finished(.quic(QUICSection(status: .notProven, server: "q")), elapsedMs: 100), nowMs: 100)
        t.record(.finished(.nat(NATSection()), elapsedMs: 210), nowMs: 210)
        #expect(t.rows.map(\.probe) == [.nat, .quic])
        #expect(t.rows[0] == RunTimeline.Row(probe: .nat, startMs: 1, firstStepMs: 5, endMs: 210,
                                             lastStep: "filtering: no answer after 14 requests"))
        let lines = t.render().split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("  QUIC egress") && lines[1].hasSuffix("2 / - / 100"))
        #expect(lines[2].hasSuffix("1 / 5 / 210; filtering: no answer after 14 requests"))
    }

    @Test func aProbeThatNeverEndedIsShownAsNotDone() {
        var t = RunTimeline()
        t.record(.started(.udp, elapsedMs: 0), nowMs: 0)
        #expect(t.render().contains("0 / - / not done"))
    }
}
