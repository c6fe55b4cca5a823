/// How one run spends the ICMP errors of the hosts it asks for them. Hosts rate-limit the errors
/// they send to one peer (RFC 1812 section 4.3.2.8; Linux: a token a second, a burst of 6), and a
/// run that follows another (or another tool) within seconds finds that budget partly spent. The
/// order is kept by the probes themselves: the path trace's TTL 1 goes first on the first router
/// (`FirstHopGate`: nothing else names the first hop), then SSDP (its silence can only be judged
/// after a second, UDA 1.1 section 1.3.3, so a refusal saves the most), then PCP and NAT-PMP on
/// their shared port 5351, then the hairpin packets; each destination's ICMP-aware ports in the
/// order the egress plan gives (most important first). Here: what a silence is taken for, and
/// the windows, as pure functions tested apart from running them.
public enum ICMPPlan {
    /// What a later ICMP-aware port of a host does when it is silent after the host answered
    /// another port with ICMP in this run.
    public enum Refill: Sendable, Equatable {
        /// A control re-probe of the answered port at once: silent too, the host's budget is spent
        /// and the port is left out of the status as rate-limited, at no wait; answered, the
        /// silence may be a drop, and only then the probe waits for the host's next token. A
        /// first port still silent near the end of its long window has the rest asked meanwhile,
        /// and after a late first answer (an empty budget) the rest are not asked.
        case controlFirst
        /// Once per run wait for the host's next token and ask the port again, then the control
        /// re-probe: more ports proven, at up to a second's wait.
        case waitOnce
    }

    /// Send times and window for a query to a host whose round trip is known to take `rtt`
    /// seconds and that answers at once (an ICMP error, or a kernel's STUN/QUIC reply): six sends,
    /// spaced two RTTs (so no send goes before the previous one's error could be back and none
    /// spends a second token), 10 to 50 ms apart; the window ends three RTTs (at least 20 ms)
    /// after the last. Unknown RTT: 50 ms apart, a 0.3 s window.
    public static func follow(rtt: Double?) -> (sends: [Double], window: Double) {
        let r = rtt ?? 1
        let step = min(0.05, max(0.01, r * 2))
        let sends = (0..<6).map { Double($0) * step }
        return (sends, min(0.3, sends[5] + max(0.02, r * 3)))
    }

    /// Send times and window for NAT-PMP and PCP requests to the gateway, whose round trip took
    /// `rtt` seconds (the trace's first hop). RFC 6886 section 3.1 retransmits after 250 ms, so a
    /// gateway on the LAN answers well within it; with the RTT known the window is 20 RTTs, at
    /// least 150 ms, three sends spread over its first two thirds. Unknown: 0, 0.25, 0.5 s and 1 s.
    public static func portControl(rtt: Double?) -> (sends: [Double], window: Double) {
        guard let rtt else { return ([0, 0.25, 0.5], 1.0) }
        let window = min(1.0, max(0.15, rtt * 20))
        return ([0, window / 3, window * 2 / 3], window)
    }

    /// How long a silent gateway query waits at least once the rest of the check is done: its
    /// RTT-based window, or RFC 6886 section 3.1's first 250 ms when the RTT is not known.
    public static func gatewaySilence(rtt: Double?) -> Double {
        rtt.map { portControl(rtt: $0).window } ?? 0.25
    }
}
