import P2PServer
import STUNCodec
import Testing

/// Responses padded on request: exactly the request's size, never more, only when asked.
@Suite struct PaddedResponseTests {
    let addrs = ServerAddresses(primary: IPAddress("192.0.2.1")!, alternate: IPAddress("192.0.2.2")!, port: 3478)
    let client = TransportAddress(IPAddress("198.51.100.7")!, 40000)

    func respond(_ m: STUNMessage, fingerprint: Bool = false) throws -> (request: [UInt8], reply: Reply) {
        let bytes = m.encode(fingerprint: fingerprint)
        return (bytes, try Responder.respond(to: bytes, from: client, on: .primary, addresses: addrs).get())
    }

    @Test("a marked padded request gets a response of exactly its size",
          arguments: [576, 1000, 1200, 1280, 1400, 1472])
    func paddedToRequestSize(size: Int) throws {
        let marked = try #require(STUNMessage(type: .bindingRequest, attributes: [.software(PaddedResponseMarker.software)])
            .padded(toSize: size))
        let (request, reply) = try respond(marked)
        #expect(request.count == size)
        #expect(reply.bytes.count == size)
        #expect(reply.isPadded)
        let m = try STUNMessage.decode(reply.bytes)
        #expect(m.xorMappedAddress == client, "still a full answer")
        #expect(m.paddingLength > 0)
    }

    @Test("with FINGERPRINT the padded response keeps a valid one and the same size")
    func fingerprinted() throws {
        let marked = try #require(STUNMessage(type: .bindingRequest, attributes: [.software(PaddedResponseMarker.software)])
            .padded(toSize: 1200, fingerprint: true))
        let (_, reply) = try respond(marked, fingerprint: true)
        #expect(reply.bytes.count == 1200)
        #expect(STUNIntegrity.verifyFingerprint(reply.bytes) == true)
    }

    @Test("a padded request without the marker gets the usual small answer")
    func unmarkedStaysSmall() throws {
        let plain = try #require(STUNMessage(type: .bindingRequest).padded(toSize: 1472))
        let (_, reply) = try respond(plain)
        #expect(reply.bytes.count == 20 + 4 * 12)
        #expect(!reply.isPadded)
    }

    @Test("a marked request smaller than the answer is answered unpadded: never larger than asked")
    func neverAmplifies() throws {
        let tiny = STUNMessage(type: .bindingRequest, attributes: [.software(PaddedResponseMarker.software), .padding(length: 4)])
        let (request, reply) = try respond(tiny)
        #expect(!reply.isPadded)
        #expect(reply.bytes.count == 20 + 4 * 12)
        #expect(request.count < reply.bytes.count, "the normal answer, which any Binding request gets")
    }
}
