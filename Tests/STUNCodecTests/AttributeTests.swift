import Testing
@testable import STUNCodec

@Suite("Attributes, header and errors")
struct AttributeTests {
    static let tid = TransactionID(bytes: Array(1...12))!
    static let v4 = TransportAddress(.v4(192, 0, 2, 1), 32853)
    static let v6 = TransportAddress(IPAddress("2001:db8::1:2")!, 3478)

    /// One of every attribute kind the codec models, plus raw ones.
    static func everyKind(_ a: TransportAddress, _ b: TransportAddress) -> [STUNAttribute] {
        [
            .mappedAddress(a), .xorMappedAddress(a), .changeRequest(changeIP: true, changePort: false),
            .changeRequest(changeIP: false, changePort: true), .changeRequest(changeIP: true, changePort: true),
            .changedAddress(b), .sourceAddress(b), .responseAddress(a), .responseOrigin(b), .otherAddress(b),
            .responsePort(40001), .padding(length: 0), .padding(length: 13), .software("p2ptui 1.0 ✓"),
            .username("user:peer"), .errorCode(code: 420, reason: "Unknown Attribute"),
            .errorCode(code: 300, reason: ""), .errorCode(code: 699, reason: "x"),
            .unknownAttributes([0x0024, 0x7FFF, 0x0031]), .unknownAttributes([]),
            .messageIntegrity(Array(repeating: 0xAB, count: 20)), .fingerprint(0xDEAD_BEEF),
            .raw(type: 0xC057, value: [1, 2, 3]), .raw(type: 0x8030, value: []),
        ]
    }

    @Test("every attribute kind round-trips", arguments: ["IPv4", "IPv6"])
    func everyKindRoundTrips(family: String) throws {
        let (a, b) = family == "IPv4" ? (Self.v4, TransportAddress(.v4(198, 51, 100, 2), 3479))
                                      : (Self.v6, TransportAddress(IPAddress("2001:db8:ffff::")!, 65535))
        let m = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: Self.everyKind(a, b))
        let bytes = m.encode()
        #expect(bytes.count % 4 == 0)
        #expect(Int(bytes.u16(at: 2)) == bytes.count - 20)
        let back = try STUNMessage.decode(bytes)
        #expect(back == m)
        #expect(back.encode() == bytes)
        for attribute in m.attributes {  // each one alone, too
            let single = STUNMessage(type: .bindingRequest, transactionID: Self.tid, attributes: [attribute])
            #expect(try STUNMessage.decode(single.encode()) == single, "\(attribute)")
        }
    }

    @Test("address attributes use the RFC 8489 section 14.1 layout")
    func addressLayout() {
        let m4 = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: [.mappedAddress(Self.v4)])
        #expect(hexString(Array(m4.encode()[20...])) == "00010008" + "0001" + "8055" + "c0000201")
        let m6 = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: [.otherAddress(Self.v6)])
        #expect(hexString(Array(m6.encode()[20...])) == "802c0014" + "0002" + "0d96" + "20010db8000000000000000000010002")
    }

    @Test("XOR-MAPPED-ADDRESS XORs the port with the cookie's top half and the address with cookie+ID")
    func xorLayout() throws {
        let m4 = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: [.xorMappedAddress(Self.v4)])
        // 0x8055 ^ 0x2112 = 0xa147; c0000201 ^ 2112a442 = e112a643 (as in RFC 5769 section 2.2)
        #expect(hexString(Array(m4.encode()[20...])) == "00200008" + "0001a147" + "e112a643")
        let m6 = STUNMessage(type: .bindingSuccess, transactionID: Self.tid, attributes: [.xorMappedAddress(Self.v6)])
        let value = Array(m6.encode()[24...])
        var key: [UInt8] = [0x21, 0x12, 0xa4, 0x42]
        key += Self.tid.bytes
        #expect(Array(value[4...]) == zip(Self.v6.ip.bytes, key).map { $0 ^ $1 })
        #expect(try STUNMessage.decode(m6.encode()).xorMappedAddress == Self.v6)
    }

    @Test("CHANGE-REQUEST, RESPONSE-PORT, PADDING, ERROR-CODE and UNKNOWN-ATTRIBUTES wire values")
    func otherLayouts() throws {
        func body(_ a: STUNAttribute) -> String {
            hexString(Array(STUNMessage(type: .bindingRequest, transactionID: Self.tid, attributes: [a]).encode()[20...]))
        }
        #expect(body(.changeRequest(changeIP: true, changePort: true)) == "0003000400000006")
        #expect(body(.changeRequest(changeIP: true, changePort: false)) == "0003000400000004")
        #expect(body(.changeRequest(changeIP: false, changePort: true)) == "0003000400000002")
        #expect(body(.responsePort(40001)) == "00270002" + "9c41" + "0000")
        #expect(body(.padding(length: 5)) == "00260005" + "0000000000" + "000000")
        #expect(body(.errorCode(code: 420, reason: "Unknown")) == "0009000b" + "00000414" + "556e6b6e6f776e" + "00")
        #expect(body(.unknownAttributes([0x0024, 0x7fff, 0x0031])) == "000a0006" + "00247fff0031" + "0000")
        #expect(body(.software("abcde")) == "80220005" + "6162636465" + "000000")
        #expect(body(.fingerprint(0x01020304)) == "8028000401020304")
        // ERROR-CODE outside 300-699 is clamped when encoding.
        #expect(body(.errorCode(code: 200, reason: "")) == "0009000400000300")
        #expect(body(.errorCode(code: 999, reason: "")) == "0009000400000663")
    }

    @Test("tolerant decodes: 4-byte RESPONSE-PORT, extra CHANGE-REQUEST bits, reserved address byte")
    func tolerantDecodes() throws {
        func decode(_ attrs: String) throws -> STUNMessage {
            let body = hex(attrs)
            var packet: [UInt8] = [0x00, 0x01]
            packet.appendU16(UInt16(body.count))
            packet += hex("2112a442") + Self.tid.bytes + body
            return try STUNMessage.decode(packet)
        }
        func flags(_ m: STUNMessage) -> String? { m.changeRequest.map { "ip=\($0.changeIP) port=\($0.changePort)" } }
        func code(_ m: STUNMessage) -> String? { m.errorCode.map { "\($0.code) \($0.reason)" } }
        #expect(try decode("00270004 9c41 0000").responsePort == 40001)
        #expect(try flags(decode("00030004 ffffffff")) == "ip=true port=true")
        #expect(try flags(decode("00030004 00000001")) == "ip=false port=false")
        #expect(try decode("00010008 ff01 0035 c0000201").mappedAddress == TransportAddress(.v4(192, 0, 2, 1), 53))
        #expect(try code(decode("00090004 0000 0600")) == "600 ")
        #expect(try code(decode("00090008 ffff fc63 4f6f7073")) == "499 Oops")  // reserved bits ignored
    }

    @Test("accessors fall back to the RFC 3489 attributes and take the first occurrence")
    func accessors() {
        let a = TransportAddress(.v4(198, 51, 100, 1), 1), b = TransportAddress(.v4(198, 51, 100, 2), 2)
        var m = STUNMessage(type: .bindingSuccess, transactionID: Self.tid,
                            attributes: [.mappedAddress(a), .changedAddress(b), .sourceAddress(a)])
        #expect(m.reflexiveAddress == a)
        #expect(m.xorMappedAddress == nil)
        #expect(m.otherAddress == b)
        #expect(m.responseOrigin == a)
        m.attributes = [.xorMappedAddress(b), .mappedAddress(a), .otherAddress(a), .changedAddress(b),
                        .responseOrigin(b), .sourceAddress(a), .software("one"), .software("two")]
        #expect(m.reflexiveAddress == b)
        #expect(m.otherAddress == a)
        #expect(m.responseOrigin == b)
        #expect(m.software == "one")
        #expect(m.errorCode == nil && m.changeRequest == nil && m.responsePort == nil)
    }

    // MARK: Header

    @Test("message type raw values (RFC 8489 section 5)")
    func messageTypeValues() {
        #expect(MessageType.bindingRequest.rawValue == 0x0001)
        #expect(MessageType.bindingSuccess.rawValue == 0x0101)
        #expect(MessageType.bindingError.rawValue == 0x0111)
        #expect(MessageType(method: .binding, messageClass: .indication).rawValue == 0x0011)
        #expect(MessageType(rawValue: 0x0111) == .bindingError)
        #expect(MessageType(rawValue: 0x0101).messageClass == .successResponse)
        // TURN Allocate (method 0x003) error response is 0x0113.
        #expect(MessageType(method: Method(rawValue: 0x003), messageClass: .errorResponse).rawValue == 0x0113)
        #expect(MessageType(rawValue: 0x3EEF).method.rawValue == 0xFFF)
        #expect(MessageType.bindingSuccess.description == "Binding success")
        // The 14-bit field is a bijection with (method, class).
        let broken = (UInt16(0)..<0x4000).filter { MessageType(rawValue: $0).rawValue != $0 }
        #expect(broken.isEmpty)
        #expect(Set((UInt16(0)..<0x4000).map { MessageType(rawValue: $0) }).count == 0x4000)
    }

    @Test("legacy RFC 3489 messages: no cookie, echoed unchanged")
    func legacy() throws {
        let request = try Corpus.file("ok-rfc3489-binding-request.bin")
        let m = try STUNMessage.decode(request)
        #expect(m.isLegacy)
        #expect(m.cookie == 0x8A3F_00C1)
        #expect(m.changeRequest?.changeIP == true && m.changeRequest?.changePort == true)
        #expect(m.encode() == request)
        // A server answering copies bytes 4..19 (the 128-bit RFC 3489 transaction ID).
        let reply = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID, cookie: m.cookie,
                                attributes: [.mappedAddress(Self.v4)]).encode()
        #expect(Array(reply[4..<20]) == Array(request[4..<20]))
        #expect(try STUNMessage.decode(reply).isLegacy)

        let response = try STUNMessage.decode(try Corpus.file("ok-rfc3489-binding-response.bin"))
        #expect(response.isLegacy)
        #expect(response.type == .bindingSuccess)
        #expect(response.reflexiveAddress?.description == "192.0.2.77:40000")
        #expect(response.responseOrigin?.description == "198.51.100.1:3478")
        #expect(response.otherAddress?.description == "198.51.100.2:3479")
        #expect(!STUNMessage(type: .bindingRequest).isLegacy)
    }

    @Test("transaction IDs: 12 bytes, random ones differ")
    func transactionIDs() {
        #expect(TransactionID(bytes: Array(repeating: 0, count: 11)) == nil)
        #expect(TransactionID(bytes: Array(repeating: 0, count: 16)) == nil)
        #expect(TransactionID(bytes: Array(0..<12))?.description == "000102030405060708090a0b")
        let ids = Set((0..<64).map { _ in TransactionID.random() })
        #expect(ids.count == 64)
    }

    // MARK: Errors

    @Test("decode errors say what and where")
    func errors() {
        func error(_ bytes: [UInt8]) -> STUNDecodeError? {
            do { _ = try STUNMessage.decode(bytes); return nil } catch { return error }
        }
        let head = hex("2112a442") + Self.tid.bytes
        #expect(error([]) == .tooShort(length: 0))
        #expect(error(Array(repeating: 0, count: 19)) == .tooShort(length: 19))
        #expect(error([0x80, 0x01, 0, 0] + head) == .notSTUN(firstByte: 0x80))
        #expect(error([0x00, 0x01, 0, 2] + head + [0, 0]) == .lengthNotMultipleOf4(2))
        #expect(error([0x00, 0x01, 0, 8] + head + [0, 0, 0, 0]) == .lengthMismatch(header: 8, actual: 4))
        #expect(error([0x00, 0x01, 0, 4] + head + [0, 0, 0, 0, 0, 0, 0, 0]) == .lengthMismatch(header: 4, actual: 8))

        // SOFTWARE ok at 20, then XOR-MAPPED-ADDRESS at 28 claims 12 bytes but 8 remain.
        let truncated = [0x00, 0x01, 0, 20] + head + hex("80220004 61626364 0020000c 0001a147 e112a643")
        let t = error(truncated)
        #expect(t == .truncatedAttribute(type: 0x0020, offset: 28, declared: 12, available: 8))
        #expect(t?.description == "attribute 0x0020 at offset 28 declares 12 bytes, only 8 left")

        let family = [0x00, 0x01, 0, 12] + head + hex("00010008 0005 1234 c0000201")
        let f = error(family)
        #expect(f == .badAttribute(type: 0x0001, offset: 20, reason: "unknown address family 5"))
        #expect(f?.description == "attribute 0x0001 at offset 20: unknown address family 5")

        let shortV6 = [0x00, 0x01, 0, 12] + head + hex("802c0008 0002 1234 c0000201")
        #expect(error(shortV6) == .badAttribute(type: 0x802C, offset: 20, reason: "family 2 needs 20 bytes, has 8"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00030002 00000000"))
                == .badAttribute(type: 0x0003, offset: 20, reason: "CHANGE-REQUEST must be 4 bytes"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00080004 00000000"))
                == .badAttribute(type: 0x0008, offset: 20, reason: "MESSAGE-INTEGRITY must be 20 bytes"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("000a0003 00010000"))
                == .badAttribute(type: 0x000A, offset: 20, reason: "UNKNOWN-ATTRIBUTES has odd length"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00270003 00010000"))
                == .badAttribute(type: 0x0027, offset: 20, reason: "RESPONSE-PORT must be 2 or 4 bytes"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00090003 00000400"))
                == .badAttribute(type: 0x0009, offset: 20, reason: "ERROR-CODE shorter than 4 bytes"))
        // RFC 8489 section 14.8: class 3-6, number 0-99.
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00090004 00000263"))
                == .badAttribute(type: 0x0009, offset: 20, reason: "ERROR-CODE class 2 number 99 out of range"))
        #expect(error([0x00, 0x01, 0, 8] + head + hex("00090004 00000464"))
                == .badAttribute(type: 0x0009, offset: 20, reason: "ERROR-CODE class 4 number 100 out of range"))
        #expect(STUNDecodeError.notSTUN(firstByte: 0xc0).description.contains("0xc0"))
        #expect(STUNDecodeError.tooShort(length: 3).description.contains("3 bytes"))
    }

    @Test("verifiers return nil when there is nothing to verify")
    func verifiersNil() {
        let plain = STUNMessage(type: .bindingRequest, transactionID: Self.tid).encode()
        #expect(STUNIntegrity.verifyFingerprint(plain) == nil)
        #expect(STUNIntegrity.verifyMessageIntegrity(plain, key: [1]) == nil)
        #expect(STUNIntegrity.verifyFingerprint([]) == nil)
        #expect(STUNIntegrity.verifyMessageIntegrity([0, 1], key: [1]) == nil)
        // FINGERPRINT that is not last does not verify as a trailer.
        let notLast = STUNMessage(type: .bindingRequest, transactionID: Self.tid,
                                  attributes: [.fingerprint(0), .software("x")]).encode()
        #expect(STUNIntegrity.verifyFingerprint(notLast) == nil)
        // MI then FP, both generated, both verify; CRC-32 check value per ISO 3309.
        let both = STUNMessage(type: .bindingRequest, transactionID: Self.tid, attributes: [.software("x")])
            .encode(integrityKey: [9, 9], fingerprint: true)
        #expect(STUNIntegrity.verifyFingerprint(both) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(both, key: [9, 9]) == true)
        #expect(STUNIntegrity.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
