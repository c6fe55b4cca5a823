import Foundation
import Synchronization

/// Set from a task-cancellation handler, read by the thread that waits on the socket.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

extension UDPSocket {
    /// How often a waiting receive re-checks cancellation, closure and the clock.
    static let asyncPollSlice = 0.02

    /// Waits for one datagram until `deadline` (measured on `clock`); nil at the deadline.
    ///
    /// The blocking poll runs on a dedicated thread, never on the cooperative pool (on a 2-core
    /// machine one blocked pool thread halves every other task's progress). It polls in 20 ms
    /// slices, so task cancellation (thrown as `CancellationError`), `close()` (EBADF) and an
    /// injected clock are noticed within one slice. Errors are thrown as in `receive(timeout:)`.
    public func receive(until deadline: Deadline, clock: any MonotonicClock = SystemClock()) async throws -> Datagram? {
        try Task.checkCancellation()
        // Fast path: a datagram already queued (or an expired deadline) needs no thread.
        let immediate = try withFD("recvfrom") { fd in
            try receiveLoop(fd, deadline: Deadline(nanos: 0), clock: clock, slice: 0, shouldStop: { false })
        }
        if let immediate { return immediate }
        if deadline.hasPassed(clock: clock) { return nil }

        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Datagram?, any Error>) in
                let thread = Thread { [self] in
                    let result = Result {
                        try self.withFD("recvfrom") { fd in
                            try self.receiveLoop(fd, deadline: deadline, clock: clock,
                                                 slice: Self.asyncPollSlice, shouldStop: { flag.isSet })
                        }
                    }
                    continuation.resume(with: result)
                }
                thread.name = "p2p-udp-receive"
                thread.stackSize = 512 * 1024
                thread.start()
            }
        } onCancel: {
            flag.set()
        }
    }
}
