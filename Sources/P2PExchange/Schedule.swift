import P2PSocket

/// Retransmission schedules.
public enum Schedule {
    /// Unanswered requests before silence may be called blocked: at 30 % loss each way about half
    /// of all round trips fail, and 0.51^14 < 1e-4.
    public static let blockedMinSends = 14

    /// First contact with a server (RTT unknown): `blockedMinSends` (14) sends 50 ms
    /// apart, the last at 0.65 s, so silence over the `silenceWindow` can be called blocked (at 30 %
    /// loss each way all 14 round trips fail less than 1 time in 10,000) and every request still
    /// had at least 0.35 s to be answered. An answered server stops at its first answer, so the
    /// dense start costs nothing without loss (RFC 8489 section 6.2.1 lets a client choose its
    /// retransmission timer; the count, not the spacing, is what tells loss from blocking).
    public static let firstContact: [Double] = (0..<blockedMinSends).map { Double($0) * 0.05 }

    /// How long any probe waits for a first answer before calling it silence: every probe's silent
    /// case ends by then, so a blocked network is diagnosed in about a second.
    public static let silenceWindow = 1.0

    /// Deadline for a name lookup started now: a resolver that does not answer within the silence
    /// window (no reachable DNS server) is a DNS failure, not a reason to hold the check up.
    public static func resolveDeadline(_ deadline: Deadline, clock: any MonotonicClock) -> Deadline {
        min(deadline, Deadline.after(seconds: silenceWindow, clock: clock))
    }

    /// Requests a test whose expected outcome may be silence (filtering) sends: silence is judged by
    /// how many requests went unanswered against the loss seen on answered ones
    /// (`NATClassifier.confident`), so the count, not the time, is what makes silence mean
    /// filtering: at 30 % loss each way (about half of all round trips lost) 14 silent requests are
    /// all lost 1 time in 10,000.
    public static let silentTestSends = 14

    /// Send times and window for a test whose expected outcome may be silence, from the measured
    /// RTT in seconds. RFC 8489 section 6.2.1 bases the retransmission timer on the RTT when it is
    /// known; a possibly filtered answer is not awaited per request, so the requests are spread
    /// evenly (at least 10 ms apart, at most two RTTs) over the window, which ends a grace of two
    /// RTTs (at least 30 ms) after the last one: the window is eight RTTs, at least 0.2 s (spread
    /// against bursts of loss), at most 1 s.
    public static func silentTest(rtt: Double) -> (offsets: [Double], window: Double) {
        let window = min(1.0, max(0.2, rtt * 8))
        let grace = min(window / 2, max(0.03, rtt * 2))
        let interval = min(rtt * 2, (window - grace) / Double(silentTestSends - 1))
        let step = max(0.01, interval)
        return ((0..<silentTestSends).map { Double($0) * step }.filter { $0 <= window - grace }, window)
    }

    /// Retransmissions for a test expected to be answered, once the RTT is known: eight sends, so
    /// even at 30 % loss each way (about half of all round trips lost) one gets through in 99.5 %
    /// of tests; an answered test stops at its first answer, so this costs nothing without loss.
    public static func known(rtt: Double) -> [Double] {
        let rto = min(0.15, max(0.05, rtt * 3))
        return [0, 1, 2.5, 4.5, 7, 10, 14, 19].map { $0 * rto }
    }
}
