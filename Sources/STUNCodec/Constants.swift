import Foundation

// Wire constants, grouped by the RFC that defines them.

/// RFC 8489 section 5: fixed value in bytes 4..7 of every post-RFC 3489 message.
public let stunMagicCookie: UInt32 = 0x2112_A442

/// RFC 8489 section 14.7: FINGERPRINT is CRC-32 of the message XORed with this.
public let stunFingerprintXOR: UInt32 = 0x5354_554E

/// The two class bits of the message type (RFC 8489 section 5).
public enum MessageClass: UInt8, Sendable, Hashable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// STUN method (12 bits). Only Binding matters to NAT discovery.
public struct Method: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }
    /// RFC 8489 section 18.2.
    public static let binding = Method(rawValue: 0x001)
}

/// Method and class packed into the 14-bit type field (RFC 8489 section 5, figure 3).
public struct MessageType: Hashable, Sendable, CustomStringConvertible {
    public var method: Method
    public var messageClass: MessageClass

    public init(method: Method, messageClass: MessageClass) {
        self.method = method
        self.messageClass = messageClass
    }

    public static let bindingRequest = MessageType(method: .binding, messageClass: .request)
    public static let bindingSuccess = MessageType(method: .binding, messageClass: .successResponse)
    public static let bindingError = MessageType(method: .binding, messageClass: .errorResponse)

    /// M11..M7 C1 M6..M4 C0 M3..M0.
    public var rawValue: UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000F) | ((c & 0x1) << 4) | ((m & 0x0070) << 1) | ((c & 0x2) << 7) | ((m & 0x0F80) << 2)
    }

    public init(rawValue v: UInt16) {
        let m = (v & 0x000F) | ((v >> 1) & 0x0070) | ((v >> 2) & 0x0F80)
        let c = ((v >> 4) & 0x1) | ((v >> 7) & 0x2)
        self.init(method: Method(rawValue: m), messageClass: MessageClass(rawValue: UInt8(c))!)
    }

    public var description: String {
        let cls: String
        switch messageClass {
        case .request: cls = "request"
        case .indication: cls = "indication"
        case .successResponse: cls = "success"
        case .errorResponse: cls = "error"
        }
        return method == .binding ? "Binding \(cls)" : String(format: "method 0x%03x %@", method.rawValue, cls)
    }
}

/// Attribute type codes.
public enum AttributeType {
    // RFC 8489 (and RFC 5389) comprehension-required range
    public static let mappedAddress: UInt16 = 0x0001  // MAPPED-ADDRESS
    public static let username: UInt16 = 0x0006  // USERNAME
    public static let messageIntegrity: UInt16 = 0x0008  // MESSAGE-INTEGRITY
    public static let errorCode: UInt16 = 0x0009  // ERROR-CODE
    public static let unknownAttributes: UInt16 = 0x000A  // UNKNOWN-ATTRIBUTES
    public static let realm: UInt16 = 0x0014  // REALM
    public static let nonce: UInt16 = 0x0015  // NONCE
    public static let xorMappedAddress: UInt16 = 0x0020  // XOR-MAPPED-ADDRESS
    // RFC 8489 comprehension-optional range
    public static let software: UInt16 = 0x8022  // SOFTWARE
    public static let alternateServer: UInt16 = 0x8023  // ALTERNATE-SERVER
    public static let fingerprint: UInt16 = 0x8028  // FINGERPRINT

    // RFC 3489 (classic STUN), kept for legacy clients and servers
    public static let responseAddress: UInt16 = 0x0002  // RESPONSE-ADDRESS
    public static let changeRequest: UInt16 = 0x0003  // CHANGE-REQUEST (reused by RFC 5780)
    public static let sourceAddress: UInt16 = 0x0004  // SOURCE-ADDRESS
    public static let changedAddress: UInt16 = 0x0005  // CHANGED-ADDRESS

    // RFC 5780 (NAT behaviour discovery)
    public static let padding: UInt16 = 0x0026  // PADDING
    public static let responsePort: UInt16 = 0x0027  // RESPONSE-PORT
    public static let responseOrigin: UInt16 = 0x802B  // RESPONSE-ORIGIN
    public static let otherAddress: UInt16 = 0x802C  // OTHER-ADDRESS

    /// RFC 8489 section 14: types 0x0000-0x7FFF must be understood or the request rejected (420).
    public static func isComprehensionRequired(_ type: UInt16) -> Bool { type < 0x8000 }
}

/// CHANGE-REQUEST flag bits (RFC 5780 section 7.2).
public enum ChangeFlag {
    public static let changeIP: UInt32 = 0x04
    public static let changePort: UInt32 = 0x02
}
