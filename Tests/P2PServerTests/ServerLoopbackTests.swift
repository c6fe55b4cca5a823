import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// The real server on loopback (the test suite runs in a namespace holding only `lo`).
@Suite(.serialized) struct ServerLoopbackTests {
    static func start(port: UInt16, rate: Double = 500) throws -> STUNServer {
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port),
                                    ratePerSecond: rate)
        let t = Thread { server.run() }
        t.start()
        return server
    }

    func binding(_ socket: UDPSocket, to dest: TransportAddress, attrs: [STUNAttribute] = []) throws -> (Datagram, STUNMessage)? {
        let req = STUNMessage(type: .bindingRequest, attributes: attrs)
        try socket.send(req.encode(), to: dest)
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline {
            guard let d = try socket.receive(timeout: 0.5) else { return nil }
            if let m = try? STUNMessage.decode(d.bytes), m.transactionID == req.transactionID { return (d, m) }
        }
        return nil
    }

    @Test func answersFromAllFourSockets() throws {
        let server = try Self.start(port: 23478)
        defer { server.stop() }
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        let primary = TransportAddress(.v4(127, 0, 0, 1), 23478)
        for (ip, port) in [(false, false), (true, false), (false, true), (true, true)] {
            let got = try #require(try binding(s, to: primary, attrs: [.changeRequest(changeIP: ip, changePort: port)]))
            let expected = TransportAddress(ip ? .v4(127, 0, 0, 2) : .v4(127, 0, 0, 1), port ? 23479 : 23478)
            #expect(got.0.source == expected)
            #expect(got.1.responseOrigin == expected)
            #expect(got.1.xorMappedAddress == (try s.localAddress()).withIP(.v4(127, 0, 0, 1)))
        }
        // The counter is updated just after the send, so the client may see the reply first.
        let deadline = Date().addingTimeInterval(1)
        while server.stats.answered < 4 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.stats.answered == 4)
    }

    @Test func malformedFloodIsCountedAndValidRequestsStillAnswered() throws {
        let server = try Self.start(port: 23488, rate: 0)
        defer { server.stop() }
        let flood = try UDPSocket(family: .ipv4)
        let s = try UDPSocket(family: .ipv4)
        defer { flood.close(); s.close() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 23488)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<2000 {
            let n = Int.random(in: 0...120, using: &rng)
            var junk = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if i % 3 == 0, junk.count >= 20 { junk[0] = 0; junk[1] = 1 }  // looks like STUN, bad lengths
            try? flood.send(junk, to: dest)
        }
        let answered = try #require(try binding(s, to: dest))
        #expect(answered.1.type == .bindingSuccess)
        // Let the server drain the queue, then look at its counters.
        Thread.sleep(forTimeInterval: 0.3)
        let st = server.stats
        #expect(st.malformed + st.notBindingRequest >= 1500, "\(st)")
        #expect(st.answered <= 2 + st.received - st.malformed - st.notBindingRequest)
    }

    @Test func floodingSourceIsRateLimited() throws {
        let server = try Self.start(port: 23498, rate: 50)
        defer { server.stop() }
        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 23498)
        let req = STUNMessage(type: .bindingRequest).encode()
        for _ in 0..<1000 { try? s.send(req, to: dest) }
        Thread.sleep(forTimeInterval: 0.3)
        let st = server.stats
        // The kernel may drop part of the burst before the server reads it; what arrives beyond the
        // bucket (100) plus refill must be refused.
        #expect(st.received > 150 && st.rateLimited >= st.received - 150, "\(st)")
        #expect(st.answered <= 150, "burst (100) plus refill, not the flood: \(st)")
    }

    @Test func bindingAnAddressInUseFailsWithTheCallName() throws {
        let server = try Self.start(port: 23508)
        defer { server.stop() }
        #expect {
            _ = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: nil, port: 23508))
        } throws: { e in
            (e as? SocketError)?.call == "bind" && (e as? SocketError)?.code == EADDRINUSE
        }
    }
}

extension TransportAddress {
    func withIP(_ ip: IPAddress) -> TransportAddress { TransportAddress(ip, port) }
}
