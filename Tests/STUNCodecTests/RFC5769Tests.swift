import Testing
@testable import STUNCodec

/// RFC 5769 "Test Vectors for STUN", sections 2.1-2.4, byte for byte. The hex below is the RFC's
/// figures; the same bytes are checked in as Corpus/ok-rfc5769-*.bin (and the tests check they match).
@Suite("RFC 5769 test vectors")
struct RFC5769Tests {
    static let transactionID = TransactionID(bytes: hex("b7e7a701 bc34d686 fa87dfae"))!
    static let shortTermPassword = "VOkJxbRl1RmTxUk/WvJxBt"
    static var shortTermKey: [UInt8] { STUNIntegrity.shortTermKey(password: shortTermPassword) }

    /// RFC 5769 section 2.1: Sample Request (short-term credentials; padding bytes are 0x20).
    static let request = hex("""
        00010058 2112a442 b7e7a701 bc34d686 fa87dfae
        80220010 5354554e 20746573 7420636c 69656e74
        00240004 6e0001ff
        80290008 932ff9b1 51263b36
        00060009 6576746a 3a683676 59202020
        00080014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
        80280004 e57a3bcf
        """)

    /// RFC 5769 section 2.2: Sample IPv4 Response.
    static let responseIPv4 = hex("""
        0101003c 2112a442 b7e7a701 bc34d686 fa87dfae
        8022000b 74657374 20766563 746f7220
        00200008 0001a147 e112a643
        00080014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
        80280004 c07d4c96
        """)

    /// RFC 5769 section 2.3: Sample IPv6 Response.
    static let responseIPv6 = hex("""
        01010048 2112a442 b7e7a701 bc34d686 fa87dfae
        8022000b 74657374 20766563 746f7220
        00200014 0002a147 0113a9fa a5d3f179 bc25f4b5 bed2b9d9
        00080014 a382954e 4be67bf1 1784c97c 8292c275 bfe3ed41
        80280004 c8fb0b4c
        """)

    /// RFC 5769 section 2.4: Sample Request with Long-Term Authentication. Unlike 2.1-2.3, this
    /// vector pads USERNAME and REALM with 0x00, so it is re-encoded with `paddingByte: 0`.
    static let longTermRequest = hex("""
        00010060 2112a442 78ad3433 c6ad72c0 29da412e
        00060012 e3839ee3 8388e383 aae38383 e382afe3 82b90000
        0015001c 662f2f34 39396b39 35346436 4f4c3334 6f4c3946 53547679 36347341
        0014000b 6578616d 706c652e 6f726700
        00080014 f6702465 6dd64a3e 02b8e071 2e85c9a2 8ca89666
        """)
    /// The SASLprep'd username of section 2.4 (U+30DE U+30C8 U+30EA U+30C3 U+30AF U+30B9).
    static let longTermUsername = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}"
    /// The RFC's password "The<U+00AD>M<U+00AA>tr<U+2168>" after SASLprep.
    static let longTermPassword = "TheMatrIX"
    static let realm = "example.org"
    static let nonce = "f//499k954d6OL34oL9FSTvy64sA"

    // MARK: 2.1

    @Test("2.1 request decodes to the RFC's fields")
    func requestDecodes() throws {
        let m = try STUNMessage.decode(Self.request)
        #expect(m.type == .bindingRequest)
        #expect(m.type.rawValue == 0x0001)
        #expect(m.cookie == stunMagicCookie)
        #expect(!m.isLegacy)
        #expect(m.transactionID == Self.transactionID)
        #expect(m.transactionID.description == "b7e7a701bc34d686fa87dfae")
        #expect(m.attributes == [
            .software("STUN test client"),
            .raw(type: 0x0024, value: hex("6e0001ff")),  // PRIORITY (RFC 8445), not interpreted
            .raw(type: 0x8029, value: hex("932ff9b151263b36")),  // ICE-CONTROLLED tie-breaker
            .username("evtj:h6vY"),
            .messageIntegrity(hex("9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2")),
            .fingerprint(0xe57a_3bcf),
        ])
        #expect(m.software == "STUN test client")
    }

    @Test("2.1 request: FINGERPRINT and MESSAGE-INTEGRITY verify, and fail when tampered")
    func requestVerifies() {
        let packet = Self.request
        #expect(STUNIntegrity.verifyFingerprint(packet) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: Self.shortTermKey) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: STUNIntegrity.shortTermKey(password: "VOkJxbRl1RmTxUk/WvJxBr")) == false)

        var body = packet
        body[24] ^= 0x01  // first byte of SOFTWARE: covered by both
        #expect(STUNIntegrity.verifyFingerprint(body) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(body, key: Self.shortTermKey) == false)

        var mac = packet
        mac[packet.count - 12] ^= 0x80  // a byte of the stored HMAC: no longer matches, and FINGERPRINT covers it
        #expect(STUNIntegrity.verifyFingerprint(mac) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(mac, key: Self.shortTermKey) == false)

        var crc = packet
        crc[packet.count - 1] ^= 0xff  // the CRC itself: MI still good
        #expect(STUNIntegrity.verifyFingerprint(crc) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(crc, key: Self.shortTermKey) == true)

        var header = packet
        header[9] ^= 0x10  // transaction ID: covered by both
        #expect(STUNIntegrity.verifyFingerprint(header) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(header, key: Self.shortTermKey) == false)
    }

    @Test("2.1 request re-encodes byte for byte (MI and FINGERPRINT regenerated, 0x20 padding)")
    func requestReencodes() throws {
        let m = try STUNMessage.decode(Self.request)
        let out = m.withoutTrailers.encode(integrityKey: Self.shortTermKey, fingerprint: true, paddingByte: 0x20)
        #expect(hexString(out) == hexString(Self.request))
        // Encoding the decoded MI and FP as plain attributes (no regeneration) gives the same bytes.
        #expect(m.encode(paddingByte: 0x20) == Self.request)
        // With RFC 8489's zero padding only the 3 USERNAME padding bytes change, so MI and FP change too.
        let zeroPadded = m.withoutTrailers.encode(integrityKey: Self.shortTermKey, fingerprint: true)
        #expect(zeroPadded.count == Self.request.count)
        #expect(zeroPadded != Self.request)
        #expect(STUNIntegrity.verifyMessageIntegrity(zeroPadded, key: Self.shortTermKey) == true)
        #expect(STUNIntegrity.verifyFingerprint(zeroPadded) == true)
    }

    @Test("2.1 request built from scratch equals the vector")
    func requestBuilt() {
        let m = STUNMessage(type: .bindingRequest, transactionID: Self.transactionID, attributes: [
            .software("STUN test client"),
            .raw(type: 0x0024, value: [0x6e, 0x00, 0x01, 0xff]),
            .raw(type: 0x8029, value: [0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36]),
            .username("evtj:h6vY"),
        ])
        #expect(m.encode(integrityKey: Self.shortTermKey, fingerprint: true, paddingByte: 0x20) == Self.request)
    }

    // MARK: 2.2

    @Test("2.2 IPv4 response: XOR-MAPPED-ADDRESS un-XORs to 192.0.2.1:32853")
    func responseIPv4Decodes() throws {
        let m = try STUNMessage.decode(Self.responseIPv4)
        #expect(m.type == .bindingSuccess)
        #expect(m.type.rawValue == 0x0101)
        #expect(m.transactionID == Self.transactionID)
        let mapped = TransportAddress(.v4(192, 0, 2, 1), 32853)
        #expect(m.attributes == [
            .software("test vector"),
            .xorMappedAddress(mapped),
            .messageIntegrity(hex("2b91f599fd9e90c38c7489f92af9ba53f06be7d7")),
            .fingerprint(0xc07d_4c96),
        ])
        #expect(m.xorMappedAddress == mapped)
        #expect(m.reflexiveAddress?.description == "192.0.2.1:32853")
        #expect(m.software == "test vector")
    }

    @Test("2.2 IPv4 response verifies and re-encodes byte for byte")
    func responseIPv4Reencodes() throws {
        let packet = Self.responseIPv4
        #expect(STUNIntegrity.verifyFingerprint(packet) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: Self.shortTermKey) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: Array("wrong".utf8)) == false)
        var tampered = packet
        tampered[36] ^= 0x01  // XOR'd port
        #expect(STUNIntegrity.verifyFingerprint(tampered) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(tampered, key: Self.shortTermKey) == false)

        let m = try STUNMessage.decode(packet)
        let out = m.withoutTrailers.encode(integrityKey: Self.shortTermKey, fingerprint: true, paddingByte: 0x20)
        #expect(hexString(out) == hexString(packet))
    }

    // MARK: 2.3

    @Test("2.3 IPv6 response: XOR-MAPPED-ADDRESS un-XORs to [2001:db8:1234:5678:11:2233:4455:6677]:32853")
    func responseIPv6Decodes() throws {
        let m = try STUNMessage.decode(Self.responseIPv6)
        #expect(m.type == .bindingSuccess)
        #expect(m.transactionID == Self.transactionID)
        let ip = try #require(IPAddress("2001:db8:1234:5678:11:2233:4455:6677"))
        #expect(ip.bytes == hex("20010db8 12345678 00112233 44556677"))
        #expect(m.xorMappedAddress == TransportAddress(ip, 32853))
        #expect(m.xorMappedAddress?.description == "[2001:db8:1234:5678:11:2233:4455:6677]:32853")
        #expect(m.software == "test vector")
        #expect(m.attributes.count == 4)
    }

    @Test("2.3 IPv6 response verifies and re-encodes byte for byte")
    func responseIPv6Reencodes() throws {
        let packet = Self.responseIPv6
        #expect(STUNIntegrity.verifyFingerprint(packet) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: Self.shortTermKey) == true)
        var tampered = packet
        tampered[50] ^= 0x04  // inside the XOR'd IPv6 address
        #expect(STUNIntegrity.verifyFingerprint(tampered) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(tampered, key: Self.shortTermKey) == false)

        let m = try STUNMessage.decode(packet)
        let out = m.withoutTrailers.encode(integrityKey: Self.shortTermKey, fingerprint: true, paddingByte: 0x20)
        #expect(hexString(out) == hexString(packet))
    }

    // MARK: 2.4

    @Test("2.4 long-term key is MD5(username:realm:password)")
    func longTermKey() {
        let key = STUNIntegrity.longTermKey(username: Self.longTermUsername, realm: Self.realm, password: Self.longTermPassword)
        #expect(hexString(key) == "e8ca7ad59d5eb0518e312911d2dab2a9")
    }

    @Test("2.4 long-term request decodes, verifies and re-encodes byte for byte")
    func longTermRequest() throws {
        let packet = Self.longTermRequest
        let m = try STUNMessage.decode(packet)
        #expect(m.type == .bindingRequest)
        #expect(m.transactionID == TransactionID(bytes: hex("78ad3433 c6ad72c0 29da412e")))
        #expect(m.attributes.count == 4)
        #expect(m.attributes[0] == .username(Self.longTermUsername))
        #expect(m.attributes[1] == .raw(type: AttributeType.nonce, value: Array(Self.nonce.utf8)))
        #expect(m.attributes[2] == .raw(type: AttributeType.realm, value: Array(Self.realm.utf8)))
        #expect(m.attributes[3] == .messageIntegrity(hex("f67024656dd64a3e02b8e0712e85c9a28ca89666")))

        let key = STUNIntegrity.longTermKey(username: Self.longTermUsername, realm: Self.realm, password: Self.longTermPassword)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: key) == true)
        #expect(STUNIntegrity.verifyFingerprint(packet) == nil)  // this vector has no FINGERPRINT
        // The unprepared password (with U+00AD, U+00AA, U+2168) is a different key.
        let raw = STUNIntegrity.longTermKey(username: Self.longTermUsername, realm: Self.realm,
                                            password: "The\u{00AD}M\u{00AA}tr\u{2168}")
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: raw) == false)
        #expect(STUNIntegrity.verifyMessageIntegrity(packet, key: Self.shortTermKey) == false)
        var tampered = packet
        tampered[packet.count - 30] ^= 0x20  // inside REALM
        #expect(STUNIntegrity.verifyMessageIntegrity(tampered, key: key) == false)

        let out = m.withoutTrailers.encode(integrityKey: key, fingerprint: false, paddingByte: 0x00)
        #expect(hexString(out) == hexString(packet))
        // With 0x20 padding (as in 2.1-2.3) the bytes, and so the HMAC, differ: the vector pads with zeros.
        #expect(m.withoutTrailers.encode(integrityKey: key, paddingByte: 0x20) != packet)
    }

    @Test("the checked-in corpus holds the same RFC 5769 bytes")
    func corpusMatches() throws {
        #expect(try Corpus.file("ok-rfc5769-2.1-request.bin") == Self.request)
        #expect(try Corpus.file("ok-rfc5769-2.2-response-ipv4.bin") == Self.responseIPv4)
        #expect(try Corpus.file("ok-rfc5769-2.3-response-ipv6.bin") == Self.responseIPv6)
        #expect(try Corpus.file("ok-rfc5769-2.4-request-long-term.bin") == Self.longTermRequest)
    }
}
