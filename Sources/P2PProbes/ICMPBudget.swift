import P2PSocket
import Synchronization

/// Orders the probes that ask this host's first router for ICMP errors. Routers
/// rate-limit the errors they send to one host (Linux: a token a second, a burst of 6), and the
/// path trace's TTL-1 time-exceeded is the one answer that cannot be had any other way; the
/// gateway queries (closed NAT-PMP/PCP/SSDP ports) and the hairpin test (packets to our own public
/// address) also provoke errors from that router. So those wait until the trace's first hop has
/// answered or given up: back-to-back runs then always leave the trace its token.
public final class FirstHopGate: Sendable {
    private let opened = Atomic<Bool>(false)

    public init() {}

    /// The first hop answered, or the trace gave up on it.
    public func open() { opened.store(true, ordering: .releasing) }

    public var isOpen: Bool { opened.load(ordering: .acquiring) }

    /// Returns once the gate is open, `limit` seconds passed, or the task is cancelled.
    public func wait(limit: Double, clock: any MonotonicClock = SystemClock()) async {
        let end = Deadline.after(seconds: limit, clock: clock)
        while !isOpen, !end.hasPassed(clock: clock), !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }
}
