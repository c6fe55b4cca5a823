import Dispatch
import P2PSocket
import Synchronization

/// Runs blocking work (getaddrinfo, a subprocess) on a GCD thread and waits for it at most until
/// `deadline`; nil when the deadline came first. The work itself is not interrupted (getaddrinfo
/// cannot be), but the probe stops waiting, so a slow resolver can never stretch the check past its
/// deadline.
func blockingUntil<T: Sendable>(_ deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                                _ body: @escaping @Sendable () -> T) async -> T? {
    let once = Mutex(false)
    return await withCheckedContinuation { (cont: CheckedContinuation<T?, Never>) in
        @Sendable func finish(_ value: T?) {
            let first = once.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            if first { cont.resume(returning: value) }
        }
        let wait = deadline.remainingSeconds(clock: clock)
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(min(wait, 3600) * 1e9))) { finish(nil) }
        DispatchQueue.global().async { finish(body()) }
    }
}
