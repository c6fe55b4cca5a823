import P2PSocket

/// What one turn of an exchange does once its due sends are out: wait for a datagram until a
/// time, or end with a value (nil: nothing decided).
public enum ExchangeTurn<T> {
    case wait(until: Deadline)
    case finish(T?)
}

/// The one receive loop under every exchange: each turn `turn` sends what is due and says how
/// long to wait; `receive` waits until then (nil: nothing came), and `handle` gets each datagram
/// or receive error (such as an ICMP report queued on the socket) and returns a value to end
/// with, or nil to go on. Nil when the task is cancelled: a cancelled exchange decides nothing
/// (going round again would only throw again, spinning until the deadline).
public func exchangeLoop<T>(turn: () -> ExchangeTurn<T>,
                            receive: (Deadline) async throws -> Datagram?,
                            handle: (Result<Datagram, any Error>) -> T?) async -> T? {
    while !Task.isCancelled {
        let wake: Deadline
        switch turn() {
        case .finish(let value): return value
        case .wait(let until): wake = until
        }
        do {
            let datagram = try await receive(wake)
            if Task.isCancelled { return nil }
            if let datagram, let v = handle(.success(datagram)) { return v }
        } catch is CancellationError {
            return nil
        } catch {
            if let v = handle(.failure(error)) { return v }
        }
    }
    return nil
}

/// Send times (seconds after `start`) and how many of them have gone out.
public struct SendCursor: Sendable {
    public let offsets: [Double]
    public let start: UInt64
    /// Sends taken so far.
    public private(set) var taken = 0

    public init(offsets: [Double], start: UInt64) {
        self.offsets = offsets
        self.start = start
    }

    /// Every send has been taken.
    public var finished: Bool { taken >= offsets.count }

    /// When the next send is due; nil when none is left.
    public var nextDue: Deadline? {
        finished ? nil : Deadline(nanos: start + UInt64(offsets[taken] * 1e9))
    }

    /// The index of the next send when it is due by `now` (and counts it as taken), else nil.
    public mutating func take(dueBy now: UInt64) -> Int? {
        guard let due = nextDue, due.nanos <= now else { return nil }
        taken += 1
        return taken - 1
    }
}

/// The loop every request/answer probe runs: send on a schedule (offsets in seconds from the
/// start), and between sends receive until the next send or the end, handing what arrived (a
/// datagram, or a receive error such as an ICMP report queued on the socket) to the caller, which
/// decides whether that ends the exchange. The clock and the socket are injected, so the schedule
/// can be tested without a network.
public struct ScheduledExchange: Sendable {
    public var sends: [Double]
    public var end: Deadline
    public var clock: any MonotonicClock
    /// When set, every send moves the end to at least `answerTime` seconds after it (never past
    /// `limit`), and the exchange does not end before every send went out unless `limit` passed:
    /// a stalled process (a busy machine) sends its overdue requests in a burst, and each still
    /// gets time for an answer, so a stall is never read as silence.
    public var linger: (answerTime: Double, limit: Deadline)?

    public init(sends: [Double], end: Deadline, clock: any MonotonicClock,
                linger: (answerTime: Double, limit: Deadline)? = nil) {
        self.sends = sends
        self.end = end
        self.clock = clock
        self.linger = linger
    }

    /// Runs the exchange. `send` goes out at each offset (with its index) and may end the
    /// exchange with a value (a local send error that decides it); `receive` waits until the
    /// given deadline (nil: nothing came); `handle` gets each datagram or receive error and returns
    /// a value to end with, or nil to go on. Nil at the end, or when the task is cancelled.
    public func run<T>(send: (Int) -> T?,
                       receive: (Deadline) async throws -> Datagram?,
                       handle: (Result<Datagram, any Error>) -> T?) async -> T? {
        let clock = self.clock, linger = self.linger
        var cursor = SendCursor(offsets: sends, start: clock.nowNanos())
        var end = self.end
        return await exchangeLoop(turn: { () -> ExchangeTurn<T> in
            let now = clock.nowNanos()
            let awaitsSends = linger.map { now < $0.limit.nanos && !cursor.finished } ?? false
            if now >= end.nanos, !awaitsSends { return .finish(nil) }
            while let k = cursor.take(dueBy: now) {
                if let v = send(k) { return .finish(v) }
                if let linger {
                    end = min(linger.limit, max(end, Deadline(nanos: clock.nowNanos() + UInt64(linger.answerTime * 1e9))))
                }
            }
            // Past the end while sends remain (lingering), only the next send or the limit is due.
            let until = end.hasPassed(clock: clock) ? max(end, linger?.limit ?? end) : end
            return .wait(until: cursor.nextDue.map { min(until, $0) } ?? until)
        }, receive: receive, handle: handle)
    }

    /// `run` for a send that does not need its index.
    public func run<T>(send: () -> T?,
                       receive: (Deadline) async throws -> Datagram?,
                       handle: (Result<Datagram, any Error>) -> T?) async -> T? {
        await run(send: { (_: Int) in send() }, receive: receive, handle: handle)
    }
}
