import STUNCodec

/// Where an IPv4 address belongs, for judging hops and gateway-reported addresses.
public enum AddressScope: String, Sendable, Equatable {
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    case privateUse = "private"
    /// RFC 6598 shared address space 100.64/10, used by carrier-grade NAT.
    case sharedCGNAT = "cgnat"
    case loopback
    case linkLocal = "link-local"
    /// 0/8, multicast, broadcast and other reserved space.
    case unspecified
    /// Anything else, documentation ranges included (the lab uses them as "public").
    case global

    public init(_ ip: IPAddress) {
        guard case let .v4(a, b, _, _) = ip else {
            let bytes = ip.bytes
            if bytes.dropLast().allSatisfy({ $0 == 0 }) && bytes.last == 1 { self = .loopback; return }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { self = .linkLocal; return }
            if bytes[0] & 0xfe == 0xfc { self = .privateUse; return }
            self = .global
            return
        }
        switch (a, b) {
        case (10, _), (172, 16...31), (192, 168): self = .privateUse
        case (100, 64...127): self = .sharedCGNAT
        case (127, _): self = .loopback
        case (169, 254): self = .linkLocal
        case (0, _), (224...255, _): self = .unspecified
        default: self = .global
        }
    }

    /// Private or CGNAT: an address that is itself behind (or inside) a NAT.
    public var isNATInside: Bool { self == .privateUse || self == .sharedCGNAT }
}
