import Glibc
import P2PSocket
import STUNCodec
import Testing
import P2PTestSupport

@Suite("UDPSocket")
struct UDPSocketTests {
    @Test func sendReceiveIPv4() throws {
        let server = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let client = try UDPSocket(family: .ipv4)
        defer { server.close(); client.close() }
        let serverAddress = try server.localAddress()
        #expect(serverAddress.ip == loopback4)
        #expect(serverAddress.port != 0)
        try client.send([1, 2, 3], to: serverAddress)
        let got = try #require(try server.receive(timeout: 2))
        #expect(got.bytes == [1, 2, 3])
        #expect(got.source.ip == loopback4)
        #expect(got.source.port == (try client.localAddress()).port)
        // And back, to the observed source.
        try server.send([9], to: got.source)
        let reply = try #require(try client.receive(timeout: 2))
        #expect(reply == Datagram(bytes: [9], source: serverAddress))
    }

    @Test func sendReceiveIPv6() throws {
        guard ipv6Available else { return }
        let server = try UDPSocket(family: .ipv6, bindTo: TransportAddress(loopback6, 0))
        let client = try UDPSocket(family: .ipv6)
        defer { server.close(); client.close() }
        let serverAddress = try server.localAddress()
        #expect(serverAddress.ip == loopback6)
        try client.send(Array(repeating: 0xAB, count: 1200), to: serverAddress)
        let got = try #require(try server.receive(timeout: 2))
        #expect(got.bytes.count == 1200)
        #expect(got.source.ip == loopback6)
    }

    @Test func wildcardBindHasEphemeralPort() throws {
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        let a = try s.localAddress()
        #expect(a.ip == .v4(0, 0, 0, 0))
        #expect(a.port >= 1024)
        #expect(s.fileDescriptor >= 0)
        // Non-blocking and close-on-exec, as promised.
        #expect(fcntl(s.fileDescriptor, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(s.fileDescriptor, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func bindTo127002() throws {
        let server = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 2), 0))
        let client = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { server.close(); client.close() }
        let a = try server.localAddress()
        #expect(a.ip == .v4(127, 0, 0, 2))
        try client.send([7], to: a)
        let got = try #require(try server.receive(timeout: 2))
        #expect(got.bytes == [7])
        #expect(got.source.ip == loopback4)
    }

    @Test func bindFamilyMismatchFails() {
        #expect(throws: SocketError(call: "bind", code: EAFNOSUPPORT)) {
            _ = try UDPSocket(family: .ipv6, bindTo: TransportAddress(loopback4, 0))
        }
    }

    @Test func bindInUseNamesTheCall() throws {
        let a = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { a.close() }
        let taken = try a.localAddress()
        let error = #expect(throws: SocketError.self) { _ = try UDPSocket(family: .ipv4, bindTo: taken) }
        #expect(error?.call == "bind")
        #expect(error?.code == EADDRINUSE)
    }

    @Test func receiveTimeoutReturnsNilOnTime() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        // Nothing is ever sent: a receive that ignored its timeout would wait forever.
        let (got, elapsed) = try await hangGuard { try await offPool { try measure { try s.receive(timeout: 0.2) } } }
        #expect(got == nil)
        #expect(elapsed >= 0.19)
        let zero = try await hangGuard { try await offPool { try s.receive(timeout: 0) } }
        #expect(zero == nil)
    }

    @Test func connectedRefusedSurfacesECONNREFUSED() throws {
        let target = try closedPort(.ipv4)
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        try s.connect(to: target)
        try s.sendConnected([1])
        let error = #expect(throws: SocketError.self) { _ = try s.receive(timeout: 2) }
        #expect(error?.code == ECONNREFUSED)
        #expect(error?.isRefused == true)
        #expect(error?.call == "recvfrom")
        // The error is consumed: the next wait simply times out.
        #expect(try s.receive(timeout: 0.05) == nil)
    }

    @Test func connectedRefusedIPv6() throws {
        guard ipv6Available else { return }
        let target = try closedPort(.ipv6)
        let s = try UDPSocket(family: .ipv6, bindTo: TransportAddress(loopback6, 0))
        defer { s.close() }
        try s.connect(to: target)
        try s.sendConnected([1])
        let error = #expect(throws: SocketError.self) { _ = try s.receive(timeout: 2) }
        #expect(error?.code == ECONNREFUSED)
    }

    @Test func closeIsIdempotentAndLaterCallsThrowEBADF() throws {
        let s = try UDPSocket(family: .ipv4)
        s.close()
        s.close()
        #expect(s.isClosed)
        #expect(throws: SocketError(call: "sendto", code: EBADF)) {
            try s.send([1], to: TransportAddress(loopback4, 9))
        }
        #expect(throws: SocketError(call: "recvfrom", code: EBADF)) { _ = try s.receive(timeout: 0) }
    }

    @Test func closeWakesABlockedReceive() async throws {
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        let waiter = Task {
            try await offPool { () -> (Bool, Double) in
                measure { () -> Bool in
                    do { _ = try s.receive(timeout: 600); return false } catch let e as SocketError {
                        return e.code == EBADF
                    } catch { return false }
                }
            }
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        s.close()
        // A 600 s wait: a receive not woken by close trips the hang guard.
        let (threw, _) = try await hangGuard { try await waiter.value }
        #expect(threw)
    }

    @Test func setTTLAcceptsRangeAndRejectsZero() throws {
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        try s.setTTL(1)
        try s.setTTL(64)
        #expect(throws: SocketError.self) { try s.setTTL(0) }
        var ttl: Int32 = 0
        var len = socklen_t(4)
        getsockopt(s.fileDescriptor, Int32(IPPROTO_IP), IP_TTL, &ttl, &len)
        #expect(ttl == 64)
    }

    @Test func pollReadableReportsOnlyReadySockets() async throws {
        let sockets = try (0..<4).map { _ in try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0)) }
        defer { sockets.forEach { $0.close() } }
        let (none, elapsed) = try await offPool { try measure { try pollReadable(sockets, timeout: 0.1) } }
        #expect(none.isEmpty)
        #expect(elapsed >= 0.09)
        try sockets[0].send([1], to: try sockets[2].localAddress())
        try sockets[0].send([2], to: try sockets[3].localAddress())
        // Both datagrams are on loopback immediately, but allow for delivery order.
        var ready: [Int] = []
        for _ in 0..<10 where ready != [2, 3] { ready = try pollReadable(sockets, timeout: 1); if ready != [2, 3] { usleep(10_000) } }
        #expect(ready == [2, 3])
        #expect(try sockets[2].receive(timeout: 0)?.bytes == [1])
    }
}
