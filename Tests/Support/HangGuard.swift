import P2PSocket
import Synchronization

// Wall-clock bounds in tests are hang guards only (CI is a shared, busy 2-core machine that can
// stall a test for seconds): far above the expected time, and set so that the behaviour under
// test being ignored would take far longer (an endless wait, or a window stretched by SlowClock).

/// The hang guard used throughout: tens of times any expected time in these tests.
public let hangGuardSeconds = 15.0

public struct HangGuardExpired: Error, CustomStringConvertible {
    public let seconds: Double
    public var description: String { "still running after the \(seconds) s hang guard" }
}

/// Runs `body` and returns its result, or throws `HangGuardExpired` (cancelling `body`) when it
/// is still running after `seconds`: a test whose bound is ignored fails instead of hanging CI.
public func hangGuard<T: Sendable>(_ seconds: Double = hangGuardSeconds,
                            _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let once = GuardState<T>()
    return try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
        once.set(k)
        let work = Task {
            do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            guard !Task.isCancelled else { return }
            once.resume(.failure(HangGuardExpired(seconds: seconds)))
            work.cancel()
        }
        once.onDone { timer.cancel() }
    }
}

final class GuardState<T: Sendable>: Sendable {
    private struct S {
        var k: CheckedContinuation<T, any Error>?
        var done = false
        var onDone: (@Sendable () -> Void)?
    }
    private let state = Mutex(S())
    func set(_ k: CheckedContinuation<T, any Error>) { state.withLock { $0.k = k } }
    func resume(_ r: Result<T, any Error>) {
        let (k, after) = state.withLock { s -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
            defer { s.k = nil; s.done = true }
            return (s.k, s.k == nil ? nil : s.onDone)
        }
        k?.resume(with: r)
        after?()
    }
    func onDone(_ f: @escaping @Sendable () -> Void) {
        let now = state.withLock { s -> Bool in
            if s.done { return true }
            s.onDone = f
            return false
        }
        if now { f() }
    }
}

/// A monotonic clock running at `rate` times the system clock's speed from the moment it is made
/// (0.02: fifty times slower). Windows a probe measures on it last 1/rate times longer in real
/// time, so a hang guard tells "ended on the answer" from "waited out the window" on any machine.
///
/// `ahead` (the default) also starts it an hour ahead of the system clock: the waits that count
/// a deadline on the system clock (HTTP, subprocesses) then see an hour-long deadline and end
/// only on their answer. Without it such waits keep their length in real time.
public struct SlowClock: MonotonicClock {
    public let origin: UInt64
    public let offset: UInt64
    public let rate: Double
    public init(rate: Double = 0.02, ahead: Bool = true) {
        origin = SystemClock().nowNanos()
        offset = ahead ? 3_600_000_000_000 : 0
        self.rate = rate
    }
    public func nowNanos() -> UInt64 {
        let now = SystemClock().nowNanos()
        return origin &+ offset &+ UInt64(Double(now &- origin) * rate)
    }
}
