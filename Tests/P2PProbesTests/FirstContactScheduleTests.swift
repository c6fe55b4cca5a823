import P2PExchange
import Testing
@testable import P2PProbes

/// The first contact sends as many requests as silence needs to be called blocked, inside every
/// probe's silence window.
@Suite struct FirstContactScheduleTests {
    @Test func firstContactSendsEnoughToCallSilenceBlockedWithTimeLeftForTheLastAnswer() {
        #expect(Schedule.firstContact.count == NATClassifier.blockedMinSends)
        #expect(Schedule.silenceWindow - (Schedule.firstContact.last ?? 1) >= 0.3)
        #expect(EgressProbe.stunWindow <= Schedule.silenceWindow)
    }
}
