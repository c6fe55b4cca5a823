import Testing
@testable import P2PExchange

/// Send schedules: silence is judged by the count of unanswered requests, so every RTT gets the
/// full count inside its window, with time left for the last request's answer.
@Suite struct ScheduleTests {
    @Test(arguments: [0.0001, 0.0007, 0.005, 0.03, 0.1, 0.3, 2.0])
    func silentTestSendsTheFullCountInsideItsWindow(rtt: Double) {
        let (offsets, window) = Schedule.silentTest(rtt: rtt)
        #expect(offsets.count == Schedule.silentTestSends)
        #expect(offsets.first == 0)
        #expect(window >= 0.2 && window <= 1.0)
        // The last request still has at least 30 ms (or two RTTs, within the window) to be answered.
        #expect(window - (offsets.last ?? 0) >= min(window / 2, max(0.03, rtt * 2)) - 1e-9)
        // Requests at least 10 ms apart: a burst of loss cannot take them all.
        for (a, b) in zip(offsets, offsets.dropFirst()) { #expect(b - a >= 0.01 - 1e-9) }
    }

    @Test func silentTestWindowGrowsWithTheRTTUpToOneSecond() {
        #expect(Schedule.silentTest(rtt: 0.0007).window == 0.2)
        #expect(Schedule.silentTest(rtt: 0.05).window == 0.4)
        #expect(Schedule.silentTest(rtt: 0.5).window == 1.0)
    }
}
