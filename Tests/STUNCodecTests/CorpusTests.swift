import Testing
@testable import STUNCodec

/// The seed corpus (Corpus/*.bin, made by Corpus/gen.py independently of this codec): `ok-*` files
/// decode and re-encode to the same bytes, `bad-*` files fail with the error named here.
@Suite("Seed corpus")
struct CorpusTests {
    static let badExpectations: [String: STUNDecodeError] = [
        "bad-short-header.bin": .tooShort(length: 11),
        "bad-first-byte.bin": .notSTUN(firstByte: 0x80),
        "bad-length-not-multiple-of-4.bin": .lengthNotMultipleOf4(6),
        "bad-length-mismatch.bin": .lengthMismatch(header: 16, actual: 12),
        "bad-attribute-overruns.bin": .truncatedAttribute(type: 0x0020, offset: 20, declared: 20, available: 8),
        "bad-address-family.bin": .badAttribute(type: 0x0001, offset: 20, reason: "unknown address family 3"),
        "bad-xor-ipv6-too-short.bin": .badAttribute(type: 0x0020, offset: 28, reason: "family 2 needs 20 bytes, has 8"),
        "bad-error-code-class.bin": .badAttribute(type: 0x0009, offset: 20, reason: "ERROR-CODE class 2 number 99 out of range"),
        "bad-fingerprint-length.bin": .badAttribute(type: 0x8028, offset: 20, reason: "FINGERPRINT must be 4 bytes"),
    ]

    @Test("the corpus is there and every file is classified")
    func inventory() throws {
        let files = try Corpus.load()
        #expect(files.count >= 20)
        for (name, _) in files {
            #expect(name.hasPrefix("ok-") || Self.badExpectations[name] != nil, "unclassified corpus file \(name)")
        }
        #expect(Set(files.map(\.name)).isSuperset(of: Self.badExpectations.keys))
    }

    @Test("ok-* files decode, verify and re-encode byte for byte")
    func okFiles() throws {
        for (name, bytes) in try Corpus.load() where name.hasPrefix("ok-") {
            let m: STUNMessage
            do { m = try STUNMessage.decode(bytes) } catch {
                Issue.record("\(name): \(error)")
                continue
            }
            // RFC 5769 sections 2.1-2.3 pad with spaces; everything else with zeros.
            let pad: UInt8 = ["2.1", "2.2", "2.3"].contains { name.contains("rfc5769-\($0)") } ? 0x20 : 0
            #expect(hexString(m.encode(paddingByte: pad)) == hexString(bytes), "\(name)")
            if m.attributes.last?.type == AttributeType.fingerprint {
                #expect(STUNIntegrity.verifyFingerprint(bytes) == true, "\(name)")
            }
        }
    }

    @Test("bad-* files fail with the expected, located error")
    func badFiles() throws {
        for (name, bytes) in try Corpus.load() where name.hasPrefix("bad-") {
            #expect(throws: Self.badExpectations[name]!, "\(name)") { try STUNMessage.decode(bytes) }
        }
    }

    @Test("RFC 5780 response: XOR-MAPPED, MAPPED, RESPONSE-ORIGIN, OTHER-ADDRESS, SOFTWARE, FINGERPRINT")
    func rfc5780Response() throws {
        let m = try STUNMessage.decode(try Corpus.file("ok-rfc5780-response-other-address.bin"))
        #expect(m.type == .bindingSuccess && !m.isLegacy)
        #expect(m.xorMappedAddress?.description == "203.0.113.5:50000")
        #expect(m.mappedAddress == m.xorMappedAddress)
        #expect(m.responseOrigin?.description == "198.51.100.1:3478")
        #expect(m.otherAddress?.description == "198.51.100.2:3479")
        #expect(m.software == "p2ptui")
        #expect(m.attributes.map(\.type) == [0x0020, 0x0001, 0x802B, 0x802C, 0x8022, 0x8028])
    }

    @Test("RFC 5780 request: CHANGE-REQUEST, RESPONSE-PORT, PADDING")
    func rfc5780Request() throws {
        let m = try STUNMessage.decode(try Corpus.file("ok-rfc5780-request-response-port-padding.bin"))
        #expect(m.changeRequest?.changeIP == false && m.changeRequest?.changePort == true)
        #expect(m.responsePort == 40001)
        #expect(m.attributes.contains(.padding(length: 17)))
    }

    @Test("IPv6 response with RESPONSE-ORIGIN and OTHER-ADDRESS")
    func ipv6Response() throws {
        let m = try STUNMessage.decode(try Corpus.file("ok-ipv6-response-other-address.bin"))
        #expect(m.xorMappedAddress?.description == "[2001:db8::1]:61000")
        #expect(m.responseOrigin?.description == "[2001:db8::aa]:3478")
        #expect(m.otherAddress?.description == "[2001:db8::aa]:3479")
    }

    @Test("error response: ERROR-CODE 420 and UNKNOWN-ATTRIBUTES")
    func errorResponse() throws {
        let m = try STUNMessage.decode(try Corpus.file("ok-error-420-unknown-attributes.bin"))
        #expect(m.type == .bindingError)
        #expect(m.errorCode?.code == 420)
        #expect(m.errorCode?.reason == "Unknown Attribute")
        #expect(m.attributes.contains(.unknownAttributes([0x0024, 0x7FFF, 0x0031])))
        #expect(m.software == "p2ptui")
    }

    @Test("unknown attributes are kept raw; short-term MESSAGE-INTEGRITY verifies")
    func rawAttributes() throws {
        let bytes = try Corpus.file("ok-unknown-attributes-raw.bin")
        let m = try STUNMessage.decode(bytes)
        #expect(Array(m.attributes.prefix(4)) == [
            .raw(type: 0x0024, value: [0x6E, 0x00, 0x01, 0xFF]), .raw(type: 0xC057, value: [1, 2, 3]),
            .raw(type: 0x8030, value: []), .username("user"),
        ])
        #expect(STUNIntegrity.verifyMessageIntegrity(bytes, key: STUNIntegrity.shortTermKey(password: "pass")) == true)
        #expect(STUNIntegrity.verifyMessageIntegrity(bytes, key: STUNIntegrity.shortTermKey(password: "Pass")) == false)
        #expect(STUNIntegrity.verifyFingerprint(bytes) == true)
        #expect(m.withoutTrailers.encode(integrityKey: Array("pass".utf8), fingerprint: true) == bytes)
    }
}
