import Foundation
import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// The real server on loopback (the test suite runs in a namespace holding only `lo`).
@Suite(.serialized) struct ServerLoopbackTests {
    static func start(port: UInt16, rate: Double = 500, clock: any MonotonicClock = SystemClock()) throws -> STUNServer {
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port),
                                    ratePerSecond: rate, clock: clock)
        let t = Thread { server.run() }
        t.start()
        return server
    }

    /// One Binding request and its answer. `resend`: sent again every 0.5 s (a flood ahead of it
    /// may have filled the server socket's buffer, and the kernel then drops it).
    func binding(_ socket: UDPSocket, to dest: TransportAddress, attrs: [STUNAttribute] = [],
                 resend: Bool = false) throws -> (Datagram, STUNMessage)? {
        let req = STUNMessage(type: .bindingRequest, attributes: attrs)
        try socket.send(req.encode(), to: dest)
        // A hang guard: the answer ends the wait (loopback, but a starved runner may be slow).
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            guard let d = try socket.receive(timeout: resend ? 0.5 : 15) else {
                if resend { try socket.send(req.encode(), to: dest); continue }
                return nil
            }
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
        let deadline = Date().addingTimeInterval(15)  // a hang guard
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
        let answered = try #require(try binding(s, to: dest, resend: true))
        #expect(answered.1.type == .bindingSuccess)
        // The server reads its socket in order, so the flood before the answered request is
        // counted; the answer's own counter follows its send (hang guard, not a speed bound).
        let deadline = Date().addingTimeInterval(15)
        while server.stats.answered < 1 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let st = server.stats
        #expect(st.malformed + st.notBindingRequest >= 1500, "\(st)")
        #expect(st.answered <= 2 + st.received - st.malformed - st.notBindingRequest)
    }

    /// The server's clock stands still, so its buckets never refill: what a flood gets is the
    /// burst, however long a starved server takes to read it.
    @Test func floodingSourceIsRateLimited() throws {
        let server = try Self.start(port: 23498, rate: 50, clock: FrozenClock())
        defer { server.stop() }
        let s = try UDPSocket(family: .ipv4)
        let marker = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 9), 0))
        defer { s.close(); marker.close() }
        let dest = TransportAddress(.v4(127, 0, 0, 1), 23498)
        let req = STUNMessage(type: .bindingRequest).encode()
        for _ in 0..<1000 { try? s.send(req, to: dest) }
        // Another source's request, read after the whole flood (one socket, in order): once it is
        // answered, every flood packet that reached the socket has been counted.
        // (Resent until answered: the flood may have filled the socket's buffer, dropping it.)
        let markerRequest = STUNMessage(type: .bindingRequest)
        var markerAnswered = false, markerSent = 0
        let deadline = Date().addingTimeInterval(15)  // a hang guard
        while !markerAnswered && Date() < deadline {
            try marker.send(markerRequest.encode(), to: dest)
            markerSent += 1
            while let d = try marker.receive(timeout: 0.2) {
                if (try? STUNMessage.decode(d.bytes))?.transactionID == markerRequest.transactionID { markerAnswered = true }
            }
        }
        try #require(markerAnswered, "another source is still answered")
        let st = server.stats
        // The kernel may drop part of the burst before the server reads it; what arrives beyond the
        // bucket (100) must be refused.
        #expect(st.received > 150 && st.rateLimited >= st.received - 100 - markerSent, "\(st)")
        #expect(st.answered <= 100 + markerSent, "burst (100) and the marker's \(markerSent) tries, not the flood: \(st)")
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

/// A clock that never moves: rate-limit buckets keep exactly their burst.
struct FrozenClock: MonotonicClock {
    func nowNanos() -> UInt64 { 1_000_000_000 }
}

extension TransportAddress {
    func withIP(_ ip: IPAddress) -> TransportAddress { TransportAddress(ip, port) }
}
