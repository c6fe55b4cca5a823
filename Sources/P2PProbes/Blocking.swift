import Foundation
import P2PSocket
import Synchronization

/// Runs blocking work (getaddrinfo, a subprocess) on a thread of its own and waits for it at most
/// until `deadline`; nil when the deadline came first. The work itself is not interrupted
/// (getaddrinfo cannot be), but the probe stops waiting, so a slow resolver can never stretch the
/// check past its deadline.
///
/// Neither the work nor the timeout uses the GCD global queue: on Linux its pool is about one
/// thread per core, so two blocked bodies there (a hung resolver, a slow `nft`) would also delay
/// every timeout scheduled on it. The timeout is a task sleep on the cooperative pool, which blocks
/// nothing.
///
/// `stopWaiting`, when given, is asked every 5 ms: true ends the wait early (nil), e.g. once
/// nothing else in the run is left to wait for.
func blockingUntil<T: Sendable>(_ deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                                stopWaiting: (@Sendable () -> Bool)? = nil,
                                _ body: @escaping @Sendable () -> T) async -> T? {
    let wait = deadline.remainingSeconds(clock: clock)
    return await withCheckedContinuation { (cont: CheckedContinuation<T?, Never>) in
        let once = ResumeOnce(cont)
        let timer = Task {
            if let stopWaiting {
                while !deadline.hasPassed(clock: clock), !stopWaiting(), !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 5_000_000)
                }
            } else {
                try? await Task.sleep(nanoseconds: UInt64(min(wait, 3600) * 1e9))
            }
            once.resume(nil)
        }
        let thread = Thread {
            once.resume(body())
            timer.cancel()
        }
        thread.name = "p2p-blocking"
        thread.stackSize = 512 * 1024
        thread.start()
    }
}

/// Runs blocking work (file reads, HTTP, getaddrinfo) on a thread of its own, keeping both the
/// cooperative pool and the GCD global queue free (see `blockingUntil`). For work with its own
/// bounded timeout; otherwise use `blockingUntil`.
func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (cont: CheckedContinuation<T, Never>) in
        let thread = Thread { cont.resume(returning: body()) }
        thread.name = "p2p-blocking"
        thread.stackSize = 512 * 1024
        thread.start()
    }
}

/// Resumes a continuation exactly once, whichever of the work and the timeout comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T?, Never>?>

    init(_ continuation: CheckedContinuation<T?, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: T?) {
        let c = continuation.withLock { c -> CheckedContinuation<T?, Never>? in
            defer { c = nil }
            return c
        }
        c?.resume(returning: value)
    }
}
