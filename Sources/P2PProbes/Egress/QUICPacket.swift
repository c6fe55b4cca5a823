/// The two QUIC packets the egress probe needs, as pure functions: a long-header packet with a
/// reserved version (which forces Version Negotiation) and the Version Negotiation reply.
///
/// Layout (RFC 9000 section 17.2, RFC 8999 section 5.1): first byte with the high bit (Header Form)
/// set, 32-bit version, DCID length + DCID, SCID length + SCID, then version-specific bytes.
/// Version Negotiation (RFC 9000 section 17.2.1): version 0, DCID = the client's SCID, SCID = the
/// client's DCID, then a list of 32-bit supported versions.
public enum QUICVersionNegotiation {
    /// Servers must not answer datagrams smaller than this with Version Negotiation (RFC 9000
    /// sections 6.1 and 14.1: a client's first datagram is padded to at least 1200 bytes).
    public static let minimumProbeSize = 1200

    /// RFC 9000 section 15: versions 0x?a?a?a?a are reserved so that endpoints exercise Version
    /// Negotiation; no server supports them.
    public static func isReservedVersion(_ v: UInt32) -> Bool { v & 0x0F0F_0F0F == 0x0A0A_0A0A }

    /// A random reserved version.
    public static func randomReservedVersion<G: RandomNumberGenerator>(using g: inout G) -> UInt32 {
        (UInt32.random(in: 0...UInt32.max, using: &g) & 0xF0F0_F0F0) | 0x0A0A_0A0A
    }

    /// What the probe sent, kept to check the reply's echo.
    public struct Probe: Sendable, Equatable {
        public var version: UInt32
        public var dcid: [UInt8]
        public var scid: [UInt8]
        public var bytes: [UInt8]
    }

    /// A probe with a random reserved version, a random 8-20 byte DCID (RFC 9000 section 7.2: at
    /// least 8 bytes of unpredictable value) and an 8-byte SCID, padded to 1200 bytes.
    public static func makeProbe() -> Probe {
        var g = SystemRandomNumberGenerator()
        let dcid = (0..<Int.random(in: 8...20, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
        let scid = (0..<8).map { _ in UInt8.random(in: 0...255, using: &g) }
        return buildProbe(version: randomReservedVersion(using: &g), dcid: dcid, scid: scid)
    }

    /// Builds the probe. First byte 0xC0: long header, fixed bit, type Initial (the type bits mean
    /// nothing for an unknown version, but look like a client's first packet to middleboxes).
    public static func buildProbe(version: UInt32, dcid: [UInt8], scid: [UInt8], size: Int = minimumProbeSize) -> Probe {
        precondition(dcid.count <= 255 && scid.count <= 255)
        var b: [UInt8] = [0xC0]
        b += be32(version)
        b.append(UInt8(dcid.count)); b += dcid
        b.append(UInt8(scid.count)); b += scid
        if b.count < size { b += [UInt8](repeating: 0, count: size - b.count) }
        return Probe(version: version, dcid: dcid, scid: scid, bytes: b)
    }

    /// A parsed Version Negotiation packet.
    public struct Reply: Sendable, Equatable {
        public var dcid: [UInt8]
        public var scid: [UInt8]
        public var versions: [UInt32]
    }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case tooShort
        case shortHeader
        case notVersionNegotiation(version: UInt32)
        case truncatedConnectionID
        case badVersionList(bytes: Int)

        public var description: String {
            switch self {
            case .tooShort: return "too short for a long header"
            case .shortHeader: return "short header packet"
            case let .notVersionNegotiation(v): return "long header with version 0x\(String(v, radix: 16)), not Version Negotiation"
            case .truncatedConnectionID: return "connection ID runs past the end"
            case let .badVersionList(n): return "version list of \(n) bytes (must be a non-empty multiple of 4)"
            }
        }
    }

    /// Parses a Version Negotiation packet; never traps on any input.
    public static func parseReply(_ bytes: [UInt8]) -> Result<Reply, ParseError> {
        guard bytes.count >= 7 else { return .failure(.tooShort) }
        guard bytes[0] & 0x80 != 0 else { return .failure(.shortHeader) }
        let version = UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8 | UInt32(bytes[4])
        guard version == 0 else { return .failure(.notVersionNegotiation(version: version)) }
        var i = 5
        func cid() -> [UInt8]? {
            guard i < bytes.count else { return nil }
            let n = Int(bytes[i])
            guard i + 1 + n <= bytes.count else { return nil }
            defer { i += 1 + n }
            return Array(bytes[(i + 1)..<(i + 1 + n)])
        }
        guard let dcid = cid(), let scid = cid() else { return .failure(.truncatedConnectionID) }
        let rest = bytes.count - i
        guard rest > 0, rest % 4 == 0 else { return .failure(.badVersionList(bytes: rest)) }
        var versions: [UInt32] = []
        while i < bytes.count {
            versions.append(UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]))
            i += 4
        }
        return .success(Reply(dcid: dcid, scid: scid, versions: versions))
    }

    /// Why `reply` is not a valid answer to `probe`, or nil when it is: the connection IDs must be
    /// echoed crosswise (RFC 9000 section 17.2.1), and a list naming the version we sent must be
    /// discarded (section 6.2).
    public static func mismatch(_ reply: Reply, for probe: Probe) -> String? {
        if reply.dcid != probe.scid { return "its DCID does not echo our SCID" }
        if reply.scid != probe.dcid { return "its SCID does not echo our DCID" }
        if reply.versions.contains(probe.version) { return "it lists the version we sent" }
        return nil
    }

    /// "0x00000001, 0x6b3343cf".
    public static func describe(_ versions: [UInt32]) -> String {
        versions.map { v in
            let h = String(v, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 8 - h.count)) + h
        }.joined(separator: ", ")
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
}
