import P2PSocket
import Synchronization

/// Orders the probes that ask this host's first router for ICMP errors (`ICMPPlan.firstRouter`).
/// Routers rate-limit the errors they send to one host (Linux: a token a second, a burst of 6),
/// and the path trace's TTL-1 time-exceeded is the one answer that cannot be had any other way;
/// the gateway queries (closed NAT-PMP/PCP/SSDP ports) and the hairpin test (packets to our own
/// public address) also provoke errors from that router. So those wait until the trace's first
/// hop has answered or given up: back-to-back runs then always leave the trace its token. The
/// first hop's round trip, when it answered, times the gateway queries (`ICMPPlan.portControl`).
public final class FirstHopGate: Sendable {
    private let opened = Atomic<Bool>(false)
    /// The first hop's round trip in nanoseconds; 0: not known.
    private let rttNanos = Atomic<UInt64>(0)

    public init() {}

    /// The first hop answered after `rtt` seconds, or the trace gave up on it (nil).
    public func open(rtt: Double? = nil) {
        if let rtt { rttNanos.store(max(1, UInt64(max(0, rtt) * 1e9)), ordering: .relaxed) }
        opened.store(true, ordering: .releasing)
    }

    public var isOpen: Bool { opened.load(ordering: .acquiring) }

    private let routed = Atomic<Bool>(false)
    /// The trace named hop 1 from the routing table (its time-exceeded did not come in time).
    public func namedFromRoutes() { routed.store(true, ordering: .releasing) }
    public var isNamedFromRoutes: Bool { routed.load(ordering: .acquiring) }

    /// The first hop's round trip in seconds, when it answered.
    public var rtt: Double? {
        let n = rttNanos.load(ordering: .relaxed)
        return n == 0 ? nil : Double(n) / 1e9
    }

    /// Returns once the gate is open, `limit` seconds passed, or the task is cancelled.
    public func wait(limit: Double, clock: any MonotonicClock = SystemClock()) async {
        let end = Deadline.after(seconds: limit, clock: clock)
        while !isOpen, !end.hasPassed(clock: clock), !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
    }
}

/// The path trace's hops that answered only after retries (seconds after their first send): a
/// router whose ICMP budget was spent (by an earlier run or another tool) answers with its next
/// token, up to a second later, and the evidence says the double-NAT answer waited for it.
public final class HopWaits: Sendable {
    private let waits = Mutex<[Int: Double]>([:])

    public init() {}

    public func record(ttl: Int, seconds: Double) { waits.withLock { $0[ttl] = seconds } }

    /// TTL and wait, by TTL.
    public var late: [(ttl: Int, seconds: Double)] {
        waits.withLock { w in w.keys.sorted().map { ($0, w[$0]!) } }
    }
}

/// Runs `body`, and cancels it once `stop()` holds and at least `atLeast` seconds have passed:
/// a wait for an answer a host's ICMP rate limit may withhold does not hold up a report whose
/// other probes are done. `cut` tells the body was cancelled before it ended by itself (its
/// value, if it still returned one, is kept).
public func untilRestDone<T: Sendable>(atLeast: Double, stop: @escaping @Sendable () -> Bool, clock: any MonotonicClock,
                                       _ body: @escaping @Sendable () async -> T?) async -> (value: T?, cut: Bool) {
    await withTaskGroup(of: RestDoneRace<T>.self) { group in
        group.addTask { .done(await body()) }
        group.addTask {
            let start = clock.nowNanos()
            while !Task.isCancelled {
                if Double(clock.nowNanos() &- start) / 1e9 >= atLeast, stop() { return .cut }
                try? await Task.sleep(nanoseconds: 5_000_000)
            }
            return .cut
        }
        guard let first = await group.next() else { return (nil, false) }
        group.cancelAll()
        if case .done(let v) = first {
            return (v, false)
        }
        for await e in group {
            if case .done(let v) = e { return (v, true) }
        }
        return (nil, true)
    }
}

/// Which of `untilRestDone`'s two tasks ended: the body (with its value), or the watcher.
private enum RestDoneRace<T: Sendable>: Sendable {
    case done(T?)
    case cut
}

/// A flag set once and read from other tasks.
public final class SetOnce: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public func set() { flag.store(true, ordering: .releasing) }

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    /// Returns once set, `limit` seconds passed, or the task is cancelled.
    public func wait(limit: Double, clock: any MonotonicClock) async {
        let end = Deadline.after(seconds: limit, clock: clock)
        while !isSet, !end.hasPassed(clock: clock), !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}
