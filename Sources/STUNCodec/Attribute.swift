import Foundation

/// A decoded STUN attribute. Types the codec does not know are kept as `.raw` so nothing is lost.
public enum STUNAttribute: Hashable, Sendable {
    /// MAPPED-ADDRESS (RFC 8489 section 14.1).
    case mappedAddress(TransportAddress)
    /// XOR-MAPPED-ADDRESS (RFC 8489 section 14.2), already un-XORed.
    case xorMappedAddress(TransportAddress)
    /// CHANGE-REQUEST (RFC 5780 section 7.2).
    case changeRequest(changeIP: Bool, changePort: Bool)
    /// CHANGED-ADDRESS (RFC 3489 section 11.2.3).
    case changedAddress(TransportAddress)
    /// SOURCE-ADDRESS (RFC 3489 section 11.2.5).
    case sourceAddress(TransportAddress)
    /// RESPONSE-ADDRESS (RFC 3489 section 11.2.2).
    case responseAddress(TransportAddress)
    /// RESPONSE-ORIGIN (RFC 5780 section 7.3).
    case responseOrigin(TransportAddress)
    /// OTHER-ADDRESS (RFC 5780 section 7.4).
    case otherAddress(TransportAddress)
    /// RESPONSE-PORT (RFC 5780 section 7.5).
    case responsePort(UInt16)
    /// PADDING (RFC 5780 section 7.6): the value's bytes are meaningless; only the length matters.
    case padding(length: Int)
    /// SOFTWARE (RFC 8489 section 14.14).
    case software(String)
    /// USERNAME (RFC 8489 section 14.3).
    case username(String)
    /// ERROR-CODE (RFC 8489 section 14.8): code 300-699.
    case errorCode(code: Int, reason: String)
    /// UNKNOWN-ATTRIBUTES (RFC 8489 section 14.9).
    case unknownAttributes([UInt16])
    /// MESSAGE-INTEGRITY (RFC 8489 section 14.5): 20-byte HMAC-SHA1. Verify with `STUNIntegrity`.
    case messageIntegrity([UInt8])
    /// FINGERPRINT (RFC 8489 section 14.7): CRC-32 XOR 0x5354554E. Verify with `STUNIntegrity`.
    case fingerprint(UInt32)
    /// Anything else, byte for byte.
    case raw(type: UInt16, value: [UInt8])

    /// Wire type code.
    public var type: UInt16 {
        switch self {
        case .mappedAddress: return AttributeType.mappedAddress
        case .xorMappedAddress: return AttributeType.xorMappedAddress
        case .changeRequest: return AttributeType.changeRequest
        case .changedAddress: return AttributeType.changedAddress
        case .sourceAddress: return AttributeType.sourceAddress
        case .responseAddress: return AttributeType.responseAddress
        case .responseOrigin: return AttributeType.responseOrigin
        case .otherAddress: return AttributeType.otherAddress
        case .responsePort: return AttributeType.responsePort
        case .padding: return AttributeType.padding
        case .software: return AttributeType.software
        case .username: return AttributeType.username
        case .errorCode: return AttributeType.errorCode
        case .unknownAttributes: return AttributeType.unknownAttributes
        case .messageIntegrity: return AttributeType.messageIntegrity
        case .fingerprint: return AttributeType.fingerprint
        case .raw(let t, _): return t
        }
    }
}

/// Where and why decoding failed. Offsets are byte offsets into the packet.
public enum STUNDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooShort(length: Int)
    case notSTUN(firstByte: UInt8)
    case lengthMismatch(header: Int, actual: Int)
    case lengthNotMultipleOf4(Int)
    case truncatedAttribute(type: UInt16, offset: Int, declared: Int, available: Int)
    case badAttribute(type: UInt16, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .tooShort(let n): return "packet of \(n) bytes is shorter than the 20-byte STUN header"
        case .notSTUN(let b): return String(format: "first byte 0x%02x: the two top bits of a STUN message are zero", Int(b))
        case .lengthMismatch(let h, let a): return "header says \(h) bytes of attributes, packet has \(a)"
        case .lengthNotMultipleOf4(let n): return "message length \(n) is not a multiple of 4"
        case let .truncatedAttribute(t, o, d, a):
            return String(format: "attribute 0x%04x at offset %d declares %d bytes, only %d left", Int(t), o, d, a)
        case let .badAttribute(t, o, r):
            return String(format: "attribute 0x%04x at offset %d: %@", Int(t), o, r)
        }
    }
}
