/// The 96-bit transaction ID of an RFC 5389+ message (RFC 8489 section 5).
public struct TransactionID: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// nil unless exactly 12 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 12 else { return nil }
        self.bytes = bytes
    }

    /// A fresh ID from the system's cryptographic random source (RFC 8489 section 6: "uniformly and randomly").
    public static func random() -> TransactionID {
        var g = SystemRandomNumberGenerator()
        return TransactionID(bytes: (0..<12).map { _ in UInt8.random(in: .min ... .max, using: &g) })!
    }

    public var description: String { bytes.map { hex2($0) }.joined() }
}

/// A STUN message: header fields plus attributes in wire order.
public struct STUNMessage: Hashable, Sendable {
    public var type: MessageType
    /// Bytes 4..7. The magic cookie in RFC 5389+ messages; in an RFC 3489 message, the first 32 bits
    /// of its 128-bit transaction ID (echo it unchanged to answer a legacy client).
    public var cookie: UInt32
    public var transactionID: TransactionID
    public var attributes: [STUNAttribute]

    public init(type: MessageType, transactionID: TransactionID = .random(), cookie: UInt32 = stunMagicCookie,
                attributes: [STUNAttribute] = []) {
        self.type = type
        self.cookie = cookie
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// True for an RFC 3489 message (no magic cookie).
    public var isLegacy: Bool { cookie != stunMagicCookie }

    // MARK: Attribute accessors (first occurrence wins, RFC 8489 section 14)

    public var xorMappedAddress: TransportAddress? {
        for case .xorMappedAddress(let a) in attributes { return a }
        return nil
    }
    public var mappedAddress: TransportAddress? {
        for case .mappedAddress(let a) in attributes { return a }
        return nil
    }
    /// XOR-MAPPED-ADDRESS, falling back to MAPPED-ADDRESS (RFC 3489 servers send only the latter).
    public var reflexiveAddress: TransportAddress? { xorMappedAddress ?? mappedAddress }
    /// OTHER-ADDRESS, falling back to the RFC 3489 CHANGED-ADDRESS.
    public var otherAddress: TransportAddress? {
        for case .otherAddress(let a) in attributes { return a }
        for case .changedAddress(let a) in attributes { return a }
        return nil
    }
    /// RESPONSE-ORIGIN, falling back to the RFC 3489 SOURCE-ADDRESS.
    public var responseOrigin: TransportAddress? {
        for case .responseOrigin(let a) in attributes { return a }
        for case .sourceAddress(let a) in attributes { return a }
        return nil
    }
    public var changeRequest: (changeIP: Bool, changePort: Bool)? {
        for case let .changeRequest(ip, port) in attributes { return (ip, port) }
        return nil
    }
    public var responsePort: UInt16? {
        for case .responsePort(let p) in attributes { return p }
        return nil
    }
    public var errorCode: (code: Int, reason: String)? {
        for case let .errorCode(c, r) in attributes { return (c, r) }
        return nil
    }
    public var software: String? {
        for case .software(let s) in attributes { return s }
        return nil
    }
}

// MARK: - Encoding

extension STUNMessage {
    /// Serialises the message. With `integrityKey`, appends MESSAGE-INTEGRITY (RFC 8489 section 14.5);
    /// with `fingerprint`, appends FINGERPRINT last (section 14.7). `paddingByte` fills attribute
    /// padding (zero per RFC 8489; RFC 5769's vectors use 0x20, so tests can reproduce them exactly).
    public func encode(integrityKey: [UInt8]? = nil, fingerprint: Bool = false, paddingByte: UInt8 = 0) -> [UInt8] {
        var out: [UInt8] = []
        // One allocation for the usual message: every address attribute fits 24 bytes, and a
        // PADDING attribute (up to a datagram's size) is counted as it is.
        var padding = 0
        for case .padding(let n) in attributes { padding += max(0, min(n, 65_535)) }
        out.reserveCapacity(20 + attributes.count * 24 + padding + 64)
        out.appendU16(type.rawValue)
        out.appendU16(0)  // length, patched below
        out.appendU32(cookie)
        out += transactionID.bytes
        for attribute in attributes {
            // Each value is written in place and its length patched after: no array per attribute.
            let header = out.count
            out.appendU16(attribute.type)
            out.appendU16(0)
            appendValue(attribute, to: &out)
            let count = out.count - header - 4
            out.setU16(UInt16(truncatingIfNeeded: count), at: header + 2)
            for _ in 0..<((4 - count % 4) % 4) { out.append(paddingByte) }
        }
        if let key = integrityKey {
            out.setU16(UInt16(out.count - 20 + 24), at: 2)
            let mac = STUNIntegrity.hmacSHA1(key: key, message: out)
            out.appendU16(AttributeType.messageIntegrity)
            out.appendU16(20)
            out += mac
        }
        if fingerprint {
            out.setU16(UInt16(out.count - 20 + 8), at: 2)
            let crc = STUNIntegrity.fingerprint(of: out)
            out.appendU16(AttributeType.fingerprint)
            out.appendU16(4)
            out.appendU32(crc)
        }
        out.setU16(UInt16(truncatingIfNeeded: out.count - 20), at: 2)
        return out
    }

    /// Appends one attribute's value (RFC 8489 section 14; RFC 5780 section 7 for CHANGE-REQUEST,
    /// RESPONSE-PORT, PADDING and the address attributes).
    private func appendValue(_ attribute: STUNAttribute, to out: inout [UInt8]) {
        switch attribute {
        case .mappedAddress(let a), .changedAddress(let a), .sourceAddress(let a), .responseAddress(let a),
             .responseOrigin(let a), .otherAddress(let a):
            Self.appendAddress(a, to: &out)
        case .xorMappedAddress(let a):
            Self.appendAddress(a, xorWith: transactionID, to: &out)
        case let .changeRequest(ip, port):
            out.appendU32((ip ? ChangeFlag.changeIP : 0) | (port ? ChangeFlag.changePort : 0))
        case .responsePort(let p):
            out.appendU16(p)
        case .padding(let n):
            out.append(contentsOf: repeatElement(0, count: max(0, min(n, 65_535))))
        case .software(let s), .username(let s):
            out.append(contentsOf: s.utf8)
        case let .errorCode(code, reason):
            let c = max(300, min(699, code))
            out.append(contentsOf: [0, 0, UInt8(c / 100), UInt8(c % 100)])
            out.append(contentsOf: reason.utf8)
        case .unknownAttributes(let types):
            for t in types { out.appendU16(t) }
        case .messageIntegrity(let mac):
            out.append(contentsOf: mac)
        case .fingerprint(let crc):
            out.appendU32(crc)
        case .raw(_, let value):
            out.append(contentsOf: value)
        }
    }

    /// An address attribute's value: reserved byte, family, port, address (RFC 8489 section 14.1).
    static func appendAddress(_ a: TransportAddress, to out: inout [UInt8]) {
        out.append(0)
        out.append(a.ip.isIPv4 ? 0x01 : 0x02)
        out.appendU16(a.port)
        switch a.ip {
        case let .v4(b0, b1, b2, b3): out.append(b0); out.append(b1); out.append(b2); out.append(b3)
        case let .v6(b): out.append(contentsOf: b)
        }
    }

    /// XOR-MAPPED-ADDRESS's value written directly (RFC 8489 section 14.2): the port XORed with the
    /// cookie's high 16 bits, the address with the cookie followed by the transaction ID.
    static func appendAddress(_ a: TransportAddress, xorWith tid: TransactionID, to out: inout [UInt8]) {
        let cookie = stunMagicCookie
        func key(_ i: Int) -> UInt8 { i < 4 ? UInt8(truncatingIfNeeded: cookie >> (24 - 8 * i)) : tid.bytes[i - 4] }
        out.append(0)
        out.append(a.ip.isIPv4 ? 0x01 : 0x02)
        out.appendU16(a.port ^ UInt16(cookie >> 16))
        switch a.ip {
        case let .v4(b0, b1, b2, b3):
            out.append(b0 ^ key(0)); out.append(b1 ^ key(1)); out.append(b2 ^ key(2)); out.append(b3 ^ key(3))
        case let .v6(b):
            for (i, x) in b.enumerated() { out.append(x ^ key(i)) }
        }
    }

    /// XOR-MAPPED-ADDRESS transform (RFC 8489 section 14.2); it is its own inverse.
    static func xor(_ a: TransportAddress, transactionID: TransactionID) -> TransportAddress {
        var key: [UInt8] = []
        key.appendU32(stunMagicCookie)
        key += transactionID.bytes
        let port = a.port ^ UInt16(stunMagicCookie >> 16)
        let ipBytes = a.ip.bytes.enumerated().map { $0.element ^ key[$0.offset] }
        return TransportAddress(IPAddress(bytes: ipBytes)!, port)
    }
}

// MARK: - Decoding

extension STUNMessage {
    /// Decodes one datagram. Never traps: every length is checked before use, and the error says
    /// where decoding stopped. Does not verify MESSAGE-INTEGRITY or FINGERPRINT (see `STUNIntegrity`).
    public static func decode(_ bytes: [UInt8]) throws(STUNDecodeError) -> STUNMessage {
        guard bytes.count >= 20 else { throw .tooShort(length: bytes.count) }
        guard bytes[0] & 0xC0 == 0 else { throw .notSTUN(firstByte: bytes[0]) }
        let length = Int(bytes.u16(at: 2))
        guard length % 4 == 0 else { throw .lengthNotMultipleOf4(length) }
        guard length == bytes.count - 20 else { throw .lengthMismatch(header: length, actual: bytes.count - 20) }
        let type = MessageType(rawValue: bytes.u16(at: 0))
        let cookie = bytes.u32(at: 4)
        let tid = TransactionID(bytes: Array(bytes[8..<20]))!
        var attributes: [STUNAttribute] = []
        var offset = 20
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw .truncatedAttribute(type: 0, offset: offset, declared: 4, available: bytes.count - offset)
            }
            let atype = bytes.u16(at: offset)
            let alen = Int(bytes.u16(at: offset + 2))
            let start = offset + 4
            guard bytes.count - start >= alen else {
                throw .truncatedAttribute(type: atype, offset: offset, declared: alen, available: bytes.count - start)
            }
            let value = Array(bytes[start..<(start + alen)])
            attributes.append(try decodeValue(type: atype, value: value, offset: offset, transactionID: tid))
            offset = start + alen + (4 - alen % 4) % 4
        }
        return STUNMessage(type: type, transactionID: tid, cookie: cookie, attributes: attributes)
    }

    private static func decodeValue(type: UInt16, value: [UInt8], offset: Int,
                                    transactionID: TransactionID) throws(STUNDecodeError) -> STUNAttribute {
        func address() throws(STUNDecodeError) -> TransportAddress {
            guard value.count >= 4 else { throw .badAttribute(type: type, offset: offset, reason: "address shorter than 4 bytes") }
            let family = value[1]
            let port = value.u16(at: 2)
            let want: Int
            switch family {
            case 0x01: want = 4
            case 0x02: want = 16
            default: throw .badAttribute(type: type, offset: offset, reason: "unknown address family \(family)")
            }
            guard value.count == 4 + want else {
                throw .badAttribute(type: type, offset: offset, reason: "family \(family) needs \(4 + want) bytes, has \(value.count)")
            }
            return TransportAddress(IPAddress(bytes: Array(value[4...]))!, port)
        }
        switch type {
        case AttributeType.mappedAddress: return .mappedAddress(try address())
        case AttributeType.xorMappedAddress: return .xorMappedAddress(xor(try address(), transactionID: transactionID))
        case AttributeType.changedAddress: return .changedAddress(try address())
        case AttributeType.sourceAddress: return .sourceAddress(try address())
        case AttributeType.responseAddress: return .responseAddress(try address())
        case AttributeType.responseOrigin: return .responseOrigin(try address())
        case AttributeType.otherAddress: return .otherAddress(try address())
        case AttributeType.changeRequest:
            guard value.count == 4 else { throw .badAttribute(type: type, offset: offset, reason: "CHANGE-REQUEST must be 4 bytes") }
            let flags = value.u32(at: 0)
            return .changeRequest(changeIP: flags & ChangeFlag.changeIP != 0, changePort: flags & ChangeFlag.changePort != 0)
        case AttributeType.responsePort:
            // RFC 5780 section 7.5: a 16-bit port; some implementations send 2 bytes, some 4 with padding.
            guard value.count == 2 || value.count == 4 else {
                throw .badAttribute(type: type, offset: offset, reason: "RESPONSE-PORT must be 2 or 4 bytes")
            }
            return .responsePort(value.u16(at: 0))
        case AttributeType.padding:
            return .padding(length: value.count)
        case AttributeType.software:
            return .software(String(decoding: value, as: UTF8.self))
        case AttributeType.username:
            return .username(String(decoding: value, as: UTF8.self))
        case AttributeType.errorCode:
            guard value.count >= 4 else { throw .badAttribute(type: type, offset: offset, reason: "ERROR-CODE shorter than 4 bytes") }
            // RFC 8489 section 14.8: class (hundreds digit) 3-6, number 0-99. Anything else cannot be
            // represented as one code (and would not survive re-encoding), so it is an error.
            let cls = Int(value[2] & 0x07), number = Int(value[3])
            guard (3...6).contains(cls), number < 100 else {
                throw .badAttribute(type: type, offset: offset, reason: "ERROR-CODE class \(cls) number \(number) out of range")
            }
            return .errorCode(code: cls * 100 + number, reason: String(decoding: value[4...], as: UTF8.self))
        case AttributeType.unknownAttributes:
            guard value.count % 2 == 0 else { throw .badAttribute(type: type, offset: offset, reason: "UNKNOWN-ATTRIBUTES has odd length") }
            return .unknownAttributes(stride(from: 0, to: value.count, by: 2).map { value.u16(at: $0) })
        case AttributeType.messageIntegrity:
            guard value.count == 20 else { throw .badAttribute(type: type, offset: offset, reason: "MESSAGE-INTEGRITY must be 20 bytes") }
            return .messageIntegrity(value)
        case AttributeType.fingerprint:
            guard value.count == 4 else { throw .badAttribute(type: type, offset: offset, reason: "FINGERPRINT must be 4 bytes") }
            return .fingerprint(value.u32(at: 0))
        default:
            return .raw(type: type, value: value)
        }
    }
}

// MARK: - Byte helpers

func hex2(_ b: UInt8) -> String {
    let digits: [Character] = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}

extension Array where Element == UInt8 {
    mutating func appendU16(_ v: UInt16) { append(UInt8(v >> 8)); append(UInt8(v & 0xFF)) }
    mutating func appendU32(_ v: UInt32) { appendU16(UInt16(v >> 16)); appendU16(UInt16(v & 0xFFFF)) }
    mutating func setU16(_ v: UInt16, at i: Int) { self[i] = UInt8(v >> 8); self[i + 1] = UInt8(v & 0xFF) }
    func u16(at i: Int) -> UInt16 { UInt16(self[i]) << 8 | UInt16(self[i + 1]) }
    func u32(at i: Int) -> UInt32 { UInt32(u16(at: i)) << 16 | UInt32(u16(at: i + 2)) }
}
