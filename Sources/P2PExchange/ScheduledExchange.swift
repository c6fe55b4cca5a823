import P2PSocket

/// The loop every request/answer probe runs: send on a schedule (offsets in seconds from the
/// start), and between sends receive until the next send or the end, handing what arrived (a
/// datagram, or a receive error such as an ICMP report queued on the socket) to the caller, which
/// decides whether that ends the exchange. The clock and the socket are injected, so the schedule
/// can be tested without a network.
public struct ScheduledExchange: Sendable {
    public var sends: [Double]
    public var end: Deadline
    public var clock: any MonotonicClock

    public init(sends: [Double], end: Deadline, clock: any MonotonicClock) {
        self.sends = sends
        self.end = end
        self.clock = clock
    }

    /// Runs the exchange. `send` goes out at each offset and may end the exchange with a value
    /// (a local send error that decides it); `receive` waits until the given deadline (nil: nothing
    /// came); `handle` gets each datagram or receive error and returns a value to end with, or nil
    /// to go on. Nil at the end, or when the task is cancelled.
    public func run<T>(send: () -> T?,
                       receive: (Deadline) async throws -> Datagram?,
                       handle: (Result<Datagram, any Error>) -> T?) async -> T? {
        let start = clock.nowNanos()
        var next = 0
        while !end.hasPassed(clock: clock), !Task.isCancelled {
            if next < sends.count, start + UInt64(sends[next] * 1e9) <= clock.nowNanos() {
                next += 1
                if let v = send() { return v }
            }
            let wake = next < sends.count ? min(end, Deadline(nanos: start + UInt64(sends[next] * 1e9))) : end
            do {
                if let d = try await receive(wake), let v = handle(.success(d)) { return v }
            } catch is CancellationError {
                return nil
            } catch {
                if let v = handle(.failure(error)) { return v }
            }
        }
        return nil
    }
}
