import Foundation
import Glibc
import P2PSocket
import STUNCodec

/// Shared helpers. These tests run inside `unshare --net` with only `lo` up (scripts/test).

let loopback4 = IPAddress.v4(127, 0, 0, 1)
let loopback6 = IPAddress("::1")!

/// Seconds elapsed while running `body`.
func measure<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let clock = SystemClock()
    let start = clock.nowNanos()
    let r = try body()
    return (r, Double(clock.nowNanos() - start) / 1e9)
}

func measureAsync<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = SystemClock()
    let start = clock.nowNanos()
    let r = try await body()
    return (r, Double(clock.nowNanos() - start) / 1e9)
}

/// A loopback port nobody listens on: bind, note the port, close.
func closedPort(_ family: AddressFamily) throws -> TransportAddress {
    let ip = family == .ipv4 ? loopback4 : loopback6
    let s = try UDPSocket(family: family, bindTo: TransportAddress(ip, 0))
    let a = try s.localAddress()
    s.close()
    return a
}

/// Whether ::1 can be bound (IPv6 may be disabled in the namespace or kernel).
let ipv6Available: Bool = {
    guard let s = try? UDPSocket(family: .ipv6, bindTo: TransportAddress(loopback6, 0)) else {
        print("IPv6 unavailable (cannot bind ::1): skipping IPv6 socket tests")
        return false
    }
    s.close()
    return true
}()

/// A clock the test moves by hand.
final class ManualClock: MonotonicClock, @unchecked Sendable {
    private let lock = NSLockish()
    private var now: UInt64
    init(_ start: UInt64 = 1_000_000_000) { now = start }
    func nowNanos() -> UInt64 { lock.with { now } }
    func advance(seconds: Double) { lock.with { now += UInt64(seconds * 1e9) } }
}

/// Minimal pthread mutex wrapper, to keep the test target free of Foundation.
final class NSLockish: @unchecked Sendable {
    private var m = pthread_mutex_t()
    init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    func with<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return body()
    }
}
