import STUNCodec

/// NAT-PMP (RFC 6886) external-address request and response. Both protocols use UDP port 5351 on
/// the default gateway.
public enum NATPMP {
    public static let port: UInt16 = 5351

    /// Section 3.2: version 0, opcode 0.
    public static func externalAddressRequest() -> [UInt8] { [0, 0] }

    public struct ExternalAddressResponse: Sendable, Equatable {
        /// Section 3.5 result code (0 success, 1 unsupported version, 2 refused, 3 network failure,
        /// 4 out of resources, 5 unsupported opcode).
        public var resultCode: UInt16
        /// Seconds since the gateway's port-mapping table was initialised.
        public var epoch: UInt32
        public var externalAddress: IPAddress
    }

    /// Section 3.2: 12 bytes, version 0, opcode 128, result, epoch, external IPv4. Nil for
    /// anything else (other opcodes, truncation, a PCP answer with version 2).
    public static func decodeExternalAddressResponse(_ b: [UInt8]) -> ExternalAddressResponse? {
        guard b.count >= 12, b[0] == 0, b[1] == 128 else { return nil }
        let result = UInt16(b[2]) << 8 | UInt16(b[3])
        let epoch = b[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return ExternalAddressResponse(resultCode: result, epoch: epoch, externalAddress: .v4(b[8], b[9], b[10], b[11]))
    }

    /// A NAT-PMP-only gateway answers a PCP request with version 0 and result 1 (RFC 6887 section 9).
    public static func isUnsupportedVersionReply(_ b: [UInt8]) -> Bool {
        b.count >= 4 && b[0] == 0 && b[2] == 0 && b[3] == 1
    }
}

/// PCP (RFC 6887) ANNOUNCE and MAP.
public enum PCP {
    public static let version: UInt8 = 2

    public enum Opcode: UInt8, Sendable { case announce = 0, map = 1, peer = 2 }

    /// Section 7.4 result codes.
    public static func resultName(_ code: UInt8) -> String {
        switch code {
        case 0: return "SUCCESS"
        case 1: return "UNSUPP_VERSION"
        case 2: return "NOT_AUTHORIZED"
        case 3: return "MALFORMED_REQUEST"
        case 4: return "UNSUPP_OPCODE"
        case 5: return "UNSUPP_OPTION"
        case 6: return "MALFORMED_OPTION"
        case 7: return "NETWORK_FAILURE"
        case 8: return "NO_RESOURCES"
        case 9: return "UNSUPP_PROTOCOL"
        case 10: return "USER_EX_QUOTA"
        case 11: return "CANNOT_PROVIDE_EXTERNAL"
        case 12: return "ADDRESS_MISMATCH"
        case 13: return "EXCESSIVE_REMOTE_PEERS"
        default: return "result \(code)"
        }
    }

    /// Section 8.3: the server compares the packet's source address with the client address in
    /// the header; a difference means a NAT sits between client and server.
    public static let addressMismatch: UInt8 = 12

    /// IPv4 addresses travel as IPv4-mapped IPv6 (section 5).
    static func mapped16(_ ip: IPAddress) -> [UInt8] {
        switch ip {
        case let .v4(a, b, c, d): return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]
        case let .v6(bytes): return bytes
        }
    }

    static func unmap16(_ b: ArraySlice<UInt8>) -> IPAddress? {
        let a = Array(b)
        guard a.count == 16 else { return nil }
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { return .v4(a[12], a[13], a[14], a[15]) }
        return .v6(a)
    }

    /// Section 7.1 common request header: version, R=0 and opcode, reserved, lifetime, client address.
    static func header(_ opcode: Opcode, lifetime: UInt32, client: IPAddress) -> [UInt8] {
        [version, opcode.rawValue, 0, 0] + be32(lifetime) + mapped16(client)
    }

    /// ANNOUNCE (section 14.1): header only, lifetime 0.
    public static func announceRequest(client: IPAddress) -> [UInt8] {
        header(.announce, lifetime: 0, client: client)
    }

    /// MAP (section 11.1): nonce, protocol (17 UDP), internal port, suggested external port and
    /// address (zero: no preference). Lifetime 0 deletes the mapping with this nonce.
    public static func mapRequest(client: IPAddress, nonce: [UInt8], internalPort: UInt16, lifetime: UInt32,
                                  protocolNumber: UInt8 = 17) -> [UInt8] {
        var b = header(.map, lifetime: lifetime, client: client)
        b += nonce.prefix(12) + [UInt8](repeating: 0, count: max(0, 12 - nonce.count))
        b += [protocolNumber, 0, 0, 0]
        b += [UInt8(internalPort >> 8), UInt8(internalPort & 0xff), 0, 0]
        b += mapped16(.v4(0, 0, 0, 0))
        return b
    }

    public struct Response: Sendable, Equatable {
        public var opcode: UInt8
        public var resultCode: UInt8
        public var lifetime: UInt32
        public var epoch: UInt32
        /// MAP only: the nonce echoed back, and what the server assigned.
        public var nonce: [UInt8]?
        public var assignedPort: UInt16?
        public var assignedAddress: IPAddress?

        public var resultName: String { PCP.resultName(resultCode) }
    }

    /// Section 7.2 response header (24 bytes: version 2, R=1, opcode, reserved, result, lifetime,
    /// epoch, 96 reserved bits), plus the MAP payload (section 11.1) when present. Nil for
    /// anything that is not a PCP response.
    public static func decodeResponse(_ b: [UInt8]) -> Response? {
        guard b.count >= 24, b.count <= 1100, b[0] == version, b[1] & 0x80 != 0 else { return nil }
        var r = Response(opcode: b[1] & 0x7f, resultCode: b[3],
                         lifetime: b[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) },
                         epoch: b[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        if r.opcode == Opcode.map.rawValue, b.count >= 60 {
            r.nonce = Array(b[24..<36])
            r.assignedPort = UInt16(b[42]) << 8 | UInt16(b[43])
            r.assignedAddress = unmap16(b[44..<60])
        }
        return r
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
}
