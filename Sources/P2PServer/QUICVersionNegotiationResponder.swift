/// A stand-in QUIC server that only does Version Negotiation, so a lab host can play "a QUIC server
/// on UDP 443" for the egress probe. Pure: packet in, reply (or nothing) out.
public enum QUICVersionNegotiationResponder {
    /// The versions this stand-in claims (QUIC v1, RFC 9000).
    public static let defaultSupportedVersions: [UInt32] = [0x0000_0001]

    /// The Version Negotiation packet answering `packet`, or nil when none may be sent. RFC 9000
    /// section 6.1: never in reply to a Version Negotiation packet, nor to a datagram smaller than
    /// 1200 bytes (section 14.1); only to a long header (section 17.2) whose version we do not
    /// support. The reply (section 17.2.1) swaps the connection IDs: its DCID is the client's SCID
    /// and its SCID the client's DCID. Connection IDs up to 255 bytes are read (RFC 8999 section
    /// 5.1), since the packet's version is unknown.
    public static func reply(to packet: [UInt8], supported: [UInt32] = defaultSupportedVersions,
                             unusedBits: UInt8 = 0) -> [UInt8]? {
        guard packet.count >= 1200, packet[0] & 0x80 != 0 else { return nil }
        let version = UInt32(packet[1]) << 24 | UInt32(packet[2]) << 16 | UInt32(packet[3]) << 8 | UInt32(packet[4])
        guard version != 0, !supported.contains(version) else { return nil }
        let dcidLength = Int(packet[5])
        guard 6 + dcidLength < packet.count else { return nil }
        let dcid = Array(packet[6..<(6 + dcidLength)])
        let scidLength = Int(packet[6 + dcidLength])
        let scidStart = 7 + dcidLength
        guard scidStart + scidLength <= packet.count else { return nil }
        let scid = Array(packet[scidStart..<(scidStart + scidLength)])
        // First byte: Header Form 1, and the 0x40 bit set so it looks like other QUIC packets
        // (section 17.2.1 SHOULD); the rest arbitrary.
        var out: [UInt8] = [0xC0 | (unusedBits & 0x3F), 0, 0, 0, 0]
        out.append(UInt8(scid.count)); out += scid
        out.append(UInt8(dcid.count)); out += dcid
        for v in supported { out += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
        return out
    }
}
