import P2PServer
import STUNCodec
import Testing

/// The server's request -> reply function, without sockets.
@Suite struct ResponderTests {
    let addrs = ServerAddresses(primary: IPAddress("192.0.2.1")!, alternate: IPAddress("192.0.2.2")!, port: 3478)
    let client = TransportAddress(IPAddress("198.51.100.7")!, 40000)

    func request(_ attrs: [STUNAttribute] = [], cookie: UInt32 = stunMagicCookie, fingerprint: Bool = false) -> (STUNMessage, [UInt8]) {
        let m = STUNMessage(type: .bindingRequest, cookie: cookie, attributes: attrs)
        return (m, m.encode(fingerprint: fingerprint))
    }

    func reply(_ bytes: [UInt8], on slot: SocketSlot = .primary, addresses: ServerAddresses? = nil) throws -> (Reply, STUNMessage) {
        let r = try Responder.respond(to: bytes, from: client, on: slot, addresses: addresses ?? addrs).get()
        return (r, try STUNMessage.decode(r.bytes))
    }

    @Test func plainBindingCarriesEveryRFC5780Attribute() throws {
        let (req, bytes) = request()
        let (r, m) = try reply(bytes)
        #expect(r.from == .primary)
        #expect(r.to == client)
        #expect(m.type == .bindingSuccess)
        #expect(m.transactionID == req.transactionID)
        #expect(m.xorMappedAddress == client)
        #expect(m.mappedAddress == client)
        #expect(m.responseOrigin == TransportAddress(IPAddress("192.0.2.1")!, 3478))
        #expect(m.otherAddress == TransportAddress(IPAddress("192.0.2.2")!, 3479))
        #expect(m.software == nil, "no SOFTWARE: answer with no more bytes than needed")
        #expect(r.bytes.count == 20 + 4 * 12)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func changeRequestPicksTheRightSocket(changeIP: Bool, changePort: Bool) throws {
        for slot in SocketSlot.all {
            let (_, bytes) = request([.changeRequest(changeIP: changeIP, changePort: changePort)])
            let (r, m) = try reply(bytes, on: slot)
            #expect(r.from.alternateIP == (slot.alternateIP != changeIP))
            #expect(r.from.alternatePort == (slot.alternatePort != changePort))
            #expect(m.responseOrigin == addrs.address(of: r.from), "RESPONSE-ORIGIN names the socket that sends")
        }
    }

    @Test func legacyRFC3489RequestGetsClassicAttributes() throws {
        let (req, bytes) = request([.changeRequest(changeIP: true, changePort: true)], cookie: 0xDEAD_BEEF)
        let (r, m) = try reply(bytes)
        #expect(m.cookie == 0xDEAD_BEEF, "a legacy transaction ID is echoed whole")
        #expect(m.transactionID == req.transactionID)
        #expect(m.xorMappedAddress == nil)
        #expect(m.mappedAddress == client)
        #expect(m.attributes.contains(.sourceAddress(TransportAddress(IPAddress("192.0.2.2")!, 3479))))
        #expect(m.attributes.contains(.changedAddress(TransportAddress(IPAddress("192.0.2.2")!, 3479))))
        #expect(r.from == SocketSlot(alternateIP: true, alternatePort: true))
    }

    @Test func responsePortRedirectsToThatPort() throws {
        let (_, bytes) = request([.responsePort(5555)])
        let (r, m) = try reply(bytes)
        #expect(r.to == TransportAddress(client.ip, 5555))
        #expect(m.xorMappedAddress == client, "the mapping reported is still the request's source")
    }

    @Test func unknownComprehensionRequiredAttributeGets420() throws {
        let (_, bytes) = request([.raw(type: 0x0042, value: [1, 2, 3, 4]), .raw(type: 0x8099, value: [])])
        let (r, m) = try reply(bytes)
        #expect(r.isError)
        #expect(m.type == .bindingError)
        #expect(m.errorCode?.code == 420)
        #expect(m.attributes.contains(.unknownAttributes([0x0042])), "only comprehension-required types are listed")
    }

    @Test func singleAddressServerRejectsChangeRequest() throws {
        let one = ServerAddresses(primary: IPAddress("192.0.2.1")!, alternate: nil, port: 3478)
        let (_, plain) = request()
        let (_, m) = try reply(plain, addresses: one)
        #expect(m.type == .bindingSuccess)
        #expect(m.otherAddress == nil, "no OTHER-ADDRESS without an alternate address")
        let (_, change) = request([.changeRequest(changeIP: true, changePort: false)])
        let (r, e) = try reply(change, addresses: one)
        #expect(e.errorCode?.code == 420)
        #expect(e.attributes.contains(.unknownAttributes([AttributeType.changeRequest])))
        #expect(r.from == .primary)
        // A CHANGE-REQUEST asking for no change is harmless.
        let (_, noChange) = request([.changeRequest(changeIP: false, changePort: false)])
        #expect(try reply(noChange, addresses: one).1.type == .bindingSuccess)
    }

    @Test func fingerprintIsEchoedAndVerified() throws {
        let (_, bytes) = request(fingerprint: true)
        let (r, _) = try reply(bytes)
        #expect(STUNIntegrity.verifyFingerprint(r.bytes) == true)
        var bad = bytes
        bad[bad.count - 1] ^= 0xFF
        #expect(throws: DropReason.malformed) { try Responder.respond(to: bad, from: client, on: .primary, addresses: addrs).get() }
        let (_, noFP) = request()
        #expect(STUNIntegrity.verifyFingerprint(try reply(noFP).0.bytes) == nil)
    }

    @Test func nonRequestsAndGarbageAreDropped() {
        let resp = STUNMessage(type: .bindingSuccess, attributes: []).encode()
        let ind = STUNMessage(type: MessageType(method: .binding, messageClass: .indication)).encode()
        let other = STUNMessage(type: MessageType(method: Method(rawValue: 0x003), messageClass: .request)).encode()
        for (packet, reason) in [(resp, DropReason.notBindingRequest), (ind, .notBindingRequest), (other, .notBindingRequest),
                                 ([], .malformed), ([0xFF] + [UInt8](repeating: 0, count: 30), .malformed),
                                 (Array("GET / HTTP/1.1\r\n\r\n".utf8), .malformed)] {
            #expect(throws: reason) { try Responder.respond(to: packet, from: client, on: .primary, addresses: addrs).get() }
        }
    }

    @Test func ipv6ServerAnswersWithIPv6Addresses() throws {
        let v6 = ServerAddresses(primary: IPAddress("2001:db8::1")!, alternate: IPAddress("2001:db8::2")!, port: 3478)
        let c6 = TransportAddress(IPAddress("2001:db8:1::7")!, 50000)
        let bytes = STUNMessage(type: .bindingRequest, attributes: [.changeRequest(changeIP: true, changePort: false)]).encode()
        let r = try Responder.respond(to: bytes, from: c6, on: .primary, addresses: v6).get()
        let m = try STUNMessage.decode(r.bytes)
        #expect(m.xorMappedAddress == c6)
        #expect(m.responseOrigin == TransportAddress(IPAddress("2001:db8::2")!, 3478))
    }
}

@Suite struct RateLimiterTests {
    @Test func burstThenSteadyRate() {
        var rl = RateLimiter(ratePerSecond: 10, burst: 5)
        let a = IPAddress("192.0.2.9")!
        let allowed = (0..<20).filter { _ in rl.allow(a, nowNanos: 0) }.count
        #expect(allowed == 5)
        // One second later: 10 more tokens, capped at the burst of 5.
        #expect((0..<20).filter { _ in rl.allow(a, nowNanos: 1_000_000_000) }.count == 5)
        // Another source is not affected.
        let other = rl.allow(IPAddress("192.0.2.10")!, nowNanos: 1_000_000_000)
        #expect(other)
    }

    @Test func memoryStaysBounded() {
        var rl = RateLimiter(ratePerSecond: 1, burst: 1, maxSources: 100)
        for i in 0..<10_000 {
            _ = rl.allow(.v4(10, UInt8(i >> 16 & 0xFF), UInt8(i >> 8 & 0xFF), UInt8(i & 0xFF)), nowNanos: 0)
            #expect(rl.trackedSources <= 100)
        }
    }

    @Test func zeroDisables() {
        var rl = RateLimiter(ratePerSecond: 0)
        var all = true
        for _ in 0..<1000 { all = all && rl.allow(.v4(1, 2, 3, 4), nowNanos: 0) }
        #expect(all)
    }
}
