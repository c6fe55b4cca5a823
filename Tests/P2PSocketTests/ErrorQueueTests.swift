import Glibc
import P2PSocket
import P2PTestSupport
import STUNCodec
import Testing

@Suite("ICMP error queue")
struct ErrorQueueTests {
    /// Reads the error queue, giving the ICMP message a moment to arrive on loopback.
    func firstReport(_ s: UDPSocket) throws -> ICMPErrorReport? {
        for _ in 0..<100 {
            if let r = try s.readErrorQueue() { return r }
            usleep(10_000)
        }
        return nil
    }

    @Test func emptyQueueReadsNil() throws {
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        try s.enableErrorQueue()
        #expect(try s.readErrorQueue() == nil)
    }

    @Test func portUnreachableIsReportedIPv4() throws {
        let target = try closedPort(.ipv4)
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        try s.enableErrorQueue()
        try s.connect(to: target)
        try s.setTTL(1)
        try s.sendConnected([1, 2, 3])
        let report = try #require(try firstReport(s))
        #expect(report.origin == ICMPErrorReport.originICMP)
        #expect(report.type == 3)
        #expect(report.code == 3)
        #expect(report.errno == ECONNREFUSED)
        #expect(report.offender == loopback4)
        #expect(report.destination == target)
        #expect(report.isPortUnreachable)
        #expect(!report.isTimeExceeded)
        #expect(try s.readErrorQueue() == nil)
    }

    @Test func unconnectedSocketAlsoGetsReports() async throws {
        let target = try closedPort(.ipv4)
        let s = try UDPSocket(family: .ipv4, bindTo: TransportAddress(loopback4, 0))
        defer { s.close() }
        try s.enableErrorQueue()
        try s.send([1], to: target)
        // With IP_RECVERR the ICMP error also becomes the socket error on an unconnected socket.
        let error = #expect(throws: SocketError.self) { _ = try s.receive(timeout: 2) }
        #expect(error?.isRefused == true)
        // A second receive does not spin on POLLERR: it names the queued report.
        let queued = #expect(throws: SocketError.self) { _ = try s.receive(timeout: 2) }
        #expect(queued == SocketError(call: "errqueue", code: ECONNREFUSED))
        let report = try #require(try s.readErrorQueue())
        #expect(report.isPortUnreachable)
        #expect(report.destination == target)
        // Drained: receive waits normally again.
        let (got, elapsed) = try await offPool { try measure { try s.receive(timeout: 0.1) } }
        #expect(got == nil)
        #expect(elapsed >= 0.09)
    }

    @Test func portUnreachableIsReportedIPv6() throws {
        guard ipv6Available else { return }
        let target = try closedPort(.ipv6)
        let s = try UDPSocket(family: .ipv6, bindTo: TransportAddress(loopback6, 0))
        defer { s.close() }
        try s.enableErrorQueue()
        try s.connect(to: target)
        try s.sendConnected([1])
        let report = try #require(try firstReport(s))
        #expect(report.origin == ICMPErrorReport.originICMP6)
        #expect(report.type == 1)
        #expect(report.code == 4)
        #expect(report.offender == loopback6)
        #expect(report.isPortUnreachable)
    }
}
