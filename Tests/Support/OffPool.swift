import Foundation

/// Runs blocking test code (waiting on a process, a blocking socket) on its own thread so it never
/// occupies the cooperative pool (two threads on a 2-core machine) that the other tests' async
/// code depends on. Expectations belong in the caller, on the returned values.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
        Thread { c.resume(with: Result { try body() }) }.start()
    }
}
