import Foundation
import Synchronization

/// Set from a task-cancellation handler, read by the thread that waits on the socket.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// How often a blocking wait on a dedicated thread re-checks cancellation, closure and the clock.
let dedicatedWaitSlice = 0.02

/// Runs a blocking `body` on a new dedicated thread and awaits its result, never occupying a
/// cooperative-pool thread (on a 2-core machine one blocked pool thread halves every other
/// task's progress). `body` receives a flag set on task cancellation; it must check it at
/// least every `dedicatedWaitSlice` seconds and then throw `CancellationError`.
func onDedicatedThread<R: Sendable>(_ body: @escaping @Sendable (CancellationFlag) throws -> R) async throws -> R {
    try Task.checkCancellation()
    let flag = CancellationFlag()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<R, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body(flag) })
            }
            thread.name = "p2p-socket-wait"
            thread.stackSize = 512 * 1024
            thread.start()
        }
    } onCancel: {
        flag.set()
    }
}

extension UDPSocket {
    /// Waits for one datagram until `deadline` (measured on `clock`); nil at the deadline.
    ///
    /// The blocking poll runs on a dedicated thread, never on the cooperative pool. It polls in
    /// 20 ms slices, so task cancellation (thrown as `CancellationError`), `close()` (EBADF) and
    /// an injected clock are noticed within one slice. Errors are thrown as in `receive(timeout:)`.
    public func receive(until deadline: Deadline, clock: any MonotonicClock = SystemClock()) async throws -> Datagram? {
        try Task.checkCancellation()
        // Fast path: a datagram already queued (or an expired deadline) needs no thread.
        let immediate = try withFD("recvfrom") { fd in
            try receiveLoop(fd, deadline: Deadline(nanos: 0), clock: clock, slice: 0, shouldStop: { false })
        }
        if let immediate { return immediate }
        if deadline.hasPassed(clock: clock) { return nil }
        return try await onDedicatedThread { [self] flag in
            try withFD("recvfrom") { fd in
                try receiveLoop(fd, deadline: deadline, clock: clock, slice: dedicatedWaitSlice,
                                shouldStop: { flag.isSet })
            }
        }
    }
}

/// Async `pollReadable`: waits on a dedicated thread until any socket is readable (or has a
/// pending error) or `deadline` passes on `clock`; returns the ready indices, empty at the
/// deadline. Throws `CancellationError` within 20 ms of task cancellation.
public func pollReadable(_ sockets: [UDPSocket], until deadline: Deadline,
                         clock: any MonotonicClock = SystemClock()) async throws -> [Int] {
    let now = try pollReadable(sockets, timeout: 0)
    if !now.isEmpty || deadline.hasPassed(clock: clock) { return now }
    return try await onDedicatedThread { flag in
        while true {
            if flag.isSet { throw CancellationError() }
            let remaining = deadline.remainingSeconds(clock: clock)
            if remaining <= 0 { return [] }
            let ready = try pollReadable(sockets, timeout: min(dedicatedWaitSlice, remaining))
            if !ready.isEmpty { return ready }
        }
    }
}
