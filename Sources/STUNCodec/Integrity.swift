import Crypto

/// FINGERPRINT and MESSAGE-INTEGRITY computation and verification over raw packets.
public enum STUNIntegrity {
    /// RFC 8489 section 14.7: CRC-32 (ISO 3309 / zlib polynomial) of the message up to the
    /// attribute, XORed with 0x5354554E.
    public static func fingerprint(of bytes: [UInt8]) -> UInt32 {
        crc32(bytes) ^ stunFingerprintXOR
    }

    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Short-term credential key (RFC 8489 section 9.1.1): the password itself. (OpaqueString
    /// preparation is the identity for the ASCII passwords STUN servers use in practice.)
    public static func shortTermKey(password: String) -> [UInt8] { Array(password.utf8) }

    /// Long-term credential key (RFC 8489 section 9.2.2): MD5(username ":" realm ":" password).
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array("\(username):\(realm):\(password)".utf8)))
    }

    /// Verifies FINGERPRINT. nil when the packet has none (or is not parseable that far).
    public static func verifyFingerprint(_ packet: [UInt8]) -> Bool? {
        guard let at = findAttribute(AttributeType.fingerprint, in: packet), at + 8 == packet.count,
              packet.u16(at: at + 2) == 4 else { return nil }
        var prefix = Array(packet[0..<at])
        prefix.setU16(UInt16(packet.count - 20), at: 2)
        return fingerprint(of: prefix) == packet.u32(at: at + 4)
    }

    /// Verifies MESSAGE-INTEGRITY with `key`. nil when the packet has none.
    /// RFC 8489 section 14.5: the HMAC covers the message up to the attribute, with the length field
    /// set as if MESSAGE-INTEGRITY were the last attribute.
    public static func verifyMessageIntegrity(_ packet: [UInt8], key: [UInt8]) -> Bool? {
        guard let at = findAttribute(AttributeType.messageIntegrity, in: packet), at + 24 <= packet.count,
              packet.u16(at: at + 2) == 20 else { return nil }
        var prefix = Array(packet[0..<at])
        prefix.setU16(UInt16(at - 20 + 24), at: 2)
        return hmacSHA1(key: key, message: prefix) == Array(packet[(at + 4)..<(at + 24)])
    }

    /// Offset of the first attribute of `type`, walking the TLVs with bounds checks.
    static func findAttribute(_ type: UInt16, in packet: [UInt8]) -> Int? {
        var offset = 20
        while offset + 4 <= packet.count {
            let t = packet.u16(at: offset)
            let len = Int(packet.u16(at: offset + 2))
            if t == type { return offset }
            offset += 4 + len + (4 - len % 4) % 4
        }
        return nil
    }

    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? (0xEDB8_8320 ^ (c >> 1)) : (c >> 1) }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
