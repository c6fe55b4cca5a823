import Glibc

/// Monotonic time in nanoseconds (CLOCK_MONOTONIC); an injectable clock for probes.
public protocol MonotonicClock: Sendable {
    func nowNanos() -> UInt64
}

/// CLOCK_MONOTONIC: never jumps with wall-clock changes, so timeouts stay honest.
public struct SystemClock: MonotonicClock {
    public init() {}

    public func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// A point in monotonic time after which a wait gives up.
public struct Deadline: Sendable, Comparable, Hashable {
    public let nanos: UInt64

    public init(nanos: UInt64) { self.nanos = nanos }

    /// `seconds` from now on `clock` (negative or NaN counts as zero).
    public static func after(seconds: Double, clock: any MonotonicClock = SystemClock()) -> Deadline {
        let now = clock.nowNanos()
        guard seconds > 0 else { return Deadline(nanos: now) }
        let delta = seconds * 1e9
        if delta >= Double(UInt64.max - now) { return Deadline(nanos: .max) }
        return Deadline(nanos: now + UInt64(delta))
    }

    /// Seconds left before the deadline on `clock`; 0 once it has passed.
    public func remainingSeconds(clock: any MonotonicClock = SystemClock()) -> Double {
        let now = clock.nowNanos()
        return nanos > now ? Double(nanos - now) / 1e9 : 0
    }

    /// True once `clock` has reached the deadline.
    public func hasPassed(clock: any MonotonicClock = SystemClock()) -> Bool {
        clock.nowNanos() >= nanos
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanos < rhs.nanos }
}
