/// Where an IP address belongs: the one classification that judges hops, gateway-reported
/// addresses, what redaction hides and whether two hosts share a LAN. The ranges are the special
/// purpose ones of RFC 6890 that matter here; an IPv4-mapped IPv6 address (RFC 4291 section
/// 2.5.5.2) belongs where its IPv4 address does.
public enum AddressScope: String, Sendable, Hashable, CaseIterable {
    /// 0.0.0.0/8 ("this network", RFC 1122 section 3.2.1.3) and :: (RFC 4291 section 2.5.2).
    case unspecified
    /// 127.0.0.0/8 (RFC 1122 section 3.2.1.3) and ::1 (RFC 4291 section 2.5.3).
    case loopback
    /// RFC 1918 section 3: 10/8, 172.16/12, 192.168/16; and unique local fc00::/7 (RFC 4193).
    case privateUse = "private"
    /// RFC 6598 shared address space 100.64.0.0/10, used by carrier-grade NAT.
    case sharedCGNAT = "cgnat"
    /// 169.254.0.0/16 (RFC 3927) and fe80::/10 (RFC 4291 section 2.5.6).
    case linkLocal = "link-local"
    /// RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; RFC 3849: 2001:db8::/32. They stand
    /// in for public addresses in examples and in the lab.
    case documentation
    /// 224.0.0.0/4 (RFC 5771) and ff00::/8 (RFC 4291 section 2.7).
    case multicast
    /// 240.0.0.0/4 (RFC 1112 section 4, class E) and the limited broadcast 255.255.255.255 (RFC 919).
    case reserved
    /// Anything else: an address that can name a host on the internet.
    case global

    public init(_ ip: IPAddress) {
        switch ip.unmapped {
        case let .v4(a, b, c, _): self = Self.v4(a, b, c)
        case let .v6(bytes): self = Self.v6(bytes)
        }
    }

    private static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> AddressScope {
        switch (a, b, c) {
        case (0, _, _): return .unspecified
        case (127, _, _): return .loopback
        case (10, _, _), (172, 16...31, _), (192, 168, _): return .privateUse
        case (100, 64...127, _): return .sharedCGNAT
        case (169, 254, _): return .linkLocal
        case (192, 0, 2), (198, 51, 100), (203, 0, 113): return .documentation
        case (224...239, _, _): return .multicast
        case (240...255, _, _): return .reserved
        default: return .global
        }
    }

    private static func v6(_ b: [UInt8]) -> AddressScope {
        guard b.count == 16 else { return .reserved }
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 0 ? .unspecified : b[15] == 1 ? .loopback : .global }
        if b[0] & 0xfe == 0xfc { return .privateUse }
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return .linkLocal }
        if b[0] == 0xff { return .multicast }
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 { return .documentation }
        return .global
    }

    /// Private or CGNAT: an address that is itself behind (or inside) a NAT.
    public var isNATInside: Bool { self == .privateUse || self == .sharedCGNAT }

    /// Whether an address here can identify a site on the internet: global, and the documentation
    /// ranges because they play public addresses in the lab and in examples.
    public var isPublic: Bool { self == .global || self == .documentation }
}
