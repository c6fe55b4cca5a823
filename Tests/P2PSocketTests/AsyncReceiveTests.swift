import Glibc
import P2PSocket
import STUNCodec
import Testing

@Suite("Async receive")
struct AsyncReceiveTests {
    @Test func returnsADatagramSentWhileWaiting() async throws {
        let server = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let client = try UDPSocket(family: .ipv4)
        defer { server.close(); client.close() }
        let target = try server.localAddress()
        async let got = server.receive(until: .after(seconds: 2))
        try await Task.sleep(nanoseconds: 50_000_000)
        try client.send([42], to: target)
        let d = try #require(try await got)
        #expect(d.bytes == [42])
    }

    @Test func returnsNilAtTheDeadline() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let (got, elapsed) = try await measureAsync { try await s.receive(until: .after(seconds: 0.2)) }
        #expect(got == nil)
        #expect(elapsed >= 0.19)
        // Generous upper bound: the suite runs beside CPU-heavy tests on 2 cores.
        #expect(elapsed < 1.0)
    }

    /// Sixteen concurrent 300 ms waits on a 2-core machine: if they blocked the cooperative pool
    /// they would run at most two at a time (>= 2.4 s).
    @Test func concurrentReceivesDoNotBlockThePool() async throws {
        let sockets = try (0..<16).map { _ in try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0)) }
        defer { sockets.forEach { $0.close() } }
        let (results, elapsed) = try await measureAsync {
            try await withThrowingTaskGroup(of: Datagram?.self) { group in
                for s in sockets { group.addTask { try await s.receive(until: .after(seconds: 0.3)) } }
                var all: [Datagram?] = []
                for try await r in group { all.append(r) }
                return all
            }
        }
        #expect(results.count == 16)
        #expect(results.allSatisfy { $0 == nil })
        // Blocked, they would take >= 2.4 s; the margin absorbs a loaded machine.
        #expect(elapsed < 1.5, "16 concurrent 300 ms receives took \(elapsed) s")
    }

    @Test func cancellationEndsTheWaitPromptly() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let clock = SystemClock()
        let task = Task { () -> (Bool, UInt64) in
            do {
                _ = try await s.receive(until: .after(seconds: 5))
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
        let (cancelled, endedAt) = await task.value
        #expect(cancelled)
        let lag = Double(endedAt - cancelledAt) / 1e9
        // The wait was 5 s; ending within 1 s proves cancellation, with room for a loaded 2-core CI.
        #expect(lag < 1.0, "receive ended \(lag) s after cancel")
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
        let (got, elapsed) = try await measureAsync { try await waiter.value }
        #expect(got == nil)
        #expect(elapsed < 0.5)
        #expect(deadline.remainingSeconds(clock: clock) == 0)
    }

    @Test func closeDuringAsyncReceiveThrowsEBADF() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let waiter = Task { try await s.receive(until: .after(seconds: 5)) }
        try await Task.sleep(nanoseconds: 50_000_000)
        s.close()
        let error = await #expect(throws: SocketError.self) { _ = try await waiter.value }
        #expect(error?.code == EBADF)
    }
}

@Suite("Async poll and descriptor hygiene")
struct AsyncPollTests {
    @Test func asyncPollReadableWakesOnData() async throws {
        let sockets = try (0..<4).map { _ in try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0)) }
        defer { sockets.forEach { $0.close() } }
        let target = try sockets[1].localAddress()
        async let ready = pollReadable(sockets, until: .after(seconds: 2))
        try await Task.sleep(nanoseconds: 50_000_000)
        try sockets[0].send([5], to: target)
        #expect(try await ready == [1])
        let (empty, elapsed) = try await measureAsync {
            try await pollReadable([sockets[2], sockets[3]], until: .after(seconds: 0.15))
        }
        #expect(empty.isEmpty)
        #expect(elapsed >= 0.14 && elapsed < 0.5)
    }

    @Test func asyncPollReadableHonoursCancellation() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        let task = Task { try await pollReadable([s], until: .after(seconds: 5)) }
        try await Task.sleep(nanoseconds: 50_000_000)
        task.cancel()
        let (result, elapsed) = await measureAsync { await task.result }
        // The wait was 5 s; ending within 1 s proves cancellation, with room for a loaded 2-core CI.
        #expect(elapsed < 1.0)
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
        var opened: [(Int32, UInt)] = []
        let (_, elapsed) = try await measureAsync {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    let s = try UDPSocket(family: i % 2 == 0 ? .ipv4 : .ipv6)
                    opened.append((s.fileDescriptor, Self.inode(s.fileDescriptor)))
                    for _ in 0..<2 {
                        group.addTask {
                            do { _ = try await s.receive(until: .after(seconds: 3)) } catch let e as SocketError {
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
        #expect(elapsed < 2, "waiters were not woken by close")
        for (fd, ino) in opened {
            #expect(ino != 0)
            #expect(Self.inode(fd) != ino, "descriptor \(fd) still open after close")
        }
    }
}
