import Glibc
import P2PSocket
import STUNCodec
import Synchronization
import Testing
import P2PTestSupport

@Suite("Async receive")
struct AsyncReceiveTests {
    @Test func returnsADatagramSentWhileWaiting() async throws {
        let server = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let client = try UDPSocket(family: .ipv4)
        defer { server.close(); client.close() }
        let target = try server.localAddress()
        async let got = server.receive(until: .after(seconds: 60))  // ends on the datagram
        try await Task.sleep(nanoseconds: 50_000_000)
        try client.send([42], to: target)
        let d = try #require(try await got)
        #expect(d.bytes == [42])
    }

    @Test func returnsNilAtTheDeadline() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        // Nothing is ever sent: a receive that ignored its deadline would wait forever.
        let (got, elapsed) = try await hangGuard { try await measureAsync { try await s.receive(until: .after(seconds: 0.2)) } }
        #expect(got == nil)
        #expect(elapsed >= 0.19)
    }

    /// Sixteen receives wait at once, and only then does another task on the pool send each its
    /// datagram. Were a waiting receive to occupy a cooperative-pool thread (two on a 2-core
    /// machine), at most two would ever be waiting and the sender would never run: the hang
    /// guard fires (and the shared 30 s deadline leaves the rest empty-handed).
    @Test func concurrentReceivesDoNotBlockThePool() async throws {
        let sockets = try (0..<16).map { _ in try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0)) }
        let sender = try UDPSocket(family: .ipv4)
        defer { sockets.forEach { $0.close() }; sender.close() }
        let targets = try sockets.map { try $0.localAddress() }
        let waiting = Counter()
        let deadline = Deadline.after(seconds: 30)
        let results = try await hangGuard {
            try await withThrowingTaskGroup(of: Datagram?.self) { group in
                for (i, s) in sockets.enumerated() {
                    group.addTask {
                        waiting.value.add(1, ordering: .releasing)
                        let d = try await s.receive(until: deadline)
                        #expect(d?.bytes == [UInt8(i)], "receive \(i) got \(String(describing: d))")
                        return d
                    }
                }
                group.addTask {
                    while waiting.value.load(ordering: .acquiring) < 16 { try await Task.sleep(nanoseconds: 10_000_000) }
                    try await Task.sleep(nanoseconds: 20_000_000)  // let the last one reach its wait
                    for (i, t) in targets.enumerated() { try sender.send([UInt8(i)], to: t) }
                    return nil
                }
                var all: [Datagram?] = []
                for try await r in group { all.append(r) }
                return all
            }
        }
        #expect(results.count == 17)
        #expect(results.compactMap { $0 }.count == 16)
    }

    @Test func cancellationEndsTheWaitPromptly() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let clock = SystemClock()
        let task = Task { () -> (Bool, UInt64) in
            do {
                _ = try await s.receive(until: .after(seconds: 600))
                return (false, clock.nowNanos())
            } catch is CancellationError {
                return (true, clock.nowNanos())
            } catch {
                return (false, clock.nowNanos())
            }
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        let cancelledAt = clock.nowNanos()
        task.cancel()
        // A 600 s wait: ignoring the cancellation trips the hang guard.
        let (cancelled, endedAt) = try await hangGuard { await task.value }
        #expect(cancelled)
        #expect(endedAt >= cancelledAt)
    }

    @Test func alreadyCancelledTaskThrowsAtOnce() async throws {
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await s.receive(until: .after(seconds: 5))
        }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
    }

    @Test func injectedClockDecidesTheDeadline() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let clock = ManualClock()
        let deadline = Deadline.after(seconds: 1000, clock: clock)
        #expect(deadline.remainingSeconds(clock: clock) == 1000)
        let waiter = Task { try await s.receive(until: deadline, clock: clock) }
        try await Task.sleep(nanoseconds: 50_000_000)
        clock.advance(seconds: 1001)  // real time barely moved; the injected clock says "expired"
        // The system clock would take 1000 s to reach the deadline: only the injected clock ends it.
        let got = try await hangGuard { try await waiter.value }
        #expect(got == nil)
        #expect(deadline.remainingSeconds(clock: clock) == 0)
    }

    @Test func closeDuringAsyncReceiveThrowsEBADF() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let waiter = Task { try await s.receive(until: .after(seconds: 600)) }
        try await Task.sleep(nanoseconds: 50_000_000)
        s.close()
        let error = await #expect(throws: SocketError.self) { _ = try await hangGuard { try await waiter.value } }
        #expect(error?.code == EBADF)
    }
}

@Suite("Async poll and descriptor hygiene")
struct AsyncPollTests {
    @Test func asyncPollReadableWakesOnData() async throws {
        let sockets = try (0..<4).map { _ in try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0)) }
        defer { sockets.forEach { $0.close() } }
        let target = try sockets[1].localAddress()
        async let ready = pollReadable(sockets, until: .after(seconds: 60))  // ends on the datagram
        try await Task.sleep(nanoseconds: 50_000_000)
        try sockets[0].send([5], to: target)
        #expect(try await ready == [1])
        let quiet = [sockets[2], sockets[3]]
        let (empty, elapsed) = try await hangGuard {
            try await measureAsync { try await pollReadable(quiet, until: .after(seconds: 0.15)) }
        }
        #expect(empty.isEmpty)
        #expect(elapsed >= 0.14)
    }

    @Test func asyncPollReadableHonoursCancellation() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let task = Task { try await pollReadable([s], until: .after(seconds: 600)) }
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        // A 600 s wait: ignoring the cancellation trips the hang guard.
        let result = try await hangGuard { await task.result }
        #expect(throws: CancellationError.self) { _ = try result.get() }
    }

    /// The inode behind a descriptor, or nil when it is not open.
    static func inode(_ fd: Int32) -> UInt {
        var st = stat()
        return fstat(fd, &st) == 0 ? UInt(st.st_ino) : 0
    }

    /// close() racing waiting receives never leaks a descriptor nor leaves a waiter hanging.
    /// (Other tests run in parallel and reuse descriptor numbers, so each socket is identified
    /// by descriptor and inode: afterwards that pair must be gone.)
    @Test func closeRacingReceivesLeaksNothing() async throws {
        let sockets = try (0..<40).map { i in try UDPSocket(family: i % 2 == 0 ? .ipv4 : .ipv6) }
        let opened = sockets.map { ($0.fileDescriptor, Self.inode($0.fileDescriptor)) }
        // 600 s waits: a waiter not woken by close trips the hang guard.
        try await hangGuard {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, s) in sockets.enumerated() {
                    for _ in 0..<2 {
                        group.addTask {
                            do { _ = try await s.receive(until: .after(seconds: 600)) } catch let e as SocketError {
                                #expect(e.code == EBADF)
                            }
                        }
                    }
                    group.addTask {
                        try await Task.sleep(nanoseconds: UInt64(i % 5) * 5_000_000)
                        s.close()
                    }
                }
                try await group.waitForAll()
            }
        }
        for (fd, ino) in opened {
            #expect(ino != 0)
            #expect(Self.inode(fd) != ino, "descriptor \(fd) still open after close")
        }
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
