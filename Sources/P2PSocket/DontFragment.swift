import Glibc

extension UDPSocket {
    /// Forbids fragmentation of this socket's datagrams (IP_MTU_DISCOVER = IP_PMTUDISC_DO, or the
    /// IPv6 equivalent): IPv4 datagrams carry DF, and a send larger than the path MTU the kernel
    /// knows (the interface's, or one learned from ICMP "fragmentation needed") fails with
    /// EMSGSIZE instead of leaving in fragments. With `enableErrorQueue()` the ICMP message and its
    /// MTU are also queued (`ICMPErrorReport.fragmentationNeededMTU`).
    public func forbidFragmentation() throws {
        let (level, name, value) = family == .ipv4
            ? (Int32(IPPROTO_IP), IP_MTU_DISCOVER, IP_PMTUDISC_DO)
            : (Int32(IPPROTO_IPV6), IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
        try withFD("setsockopt(MTU_DISCOVER)") { fd in
            try Sys.setsockopt(fd, level, name, Int32(value), call: "setsockopt(MTU_DISCOVER)")
        }
    }

    /// Whether `forbidFragmentation()` is in effect (IP_MTU_DISCOVER reads IP_PMTUDISC_DO).
    public func isFragmentationForbidden() throws -> Bool {
        let (level, name, value) = family == .ipv4
            ? (Int32(IPPROTO_IP), IP_MTU_DISCOVER, IP_PMTUDISC_DO)
            : (Int32(IPPROTO_IPV6), IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
        return try withFD("getsockopt(MTU_DISCOVER)") { fd in
            try Sys.getsockoptInt(fd, level, name, call: "getsockopt(MTU_DISCOVER)") == Int32(value)
        }
    }
}

extension ICMPErrorReport {
    /// SO_EE_ORIGIN_LOCAL: the kernel itself refused the send (e.g. EMSGSIZE over a known MTU).
    public static let originLocal: UInt8 = 1

    /// The MTU a datagram was too big for: ICMPv4 3/4 "fragmentation needed" or ICMPv6 2 "packet
    /// too big" (the next-hop MTU a router named), or a local EMSGSIZE (the MTU the kernel knows for
    /// the route). nil for every other report, or when the MTU given is 0 (old routers send none).
    public var fragmentationNeededMTU: Int? {
        let tooBig = (origin == Self.originICMP && type == 3 && code == 4)
            || (origin == Self.originICMP6 && type == 2)
            || (origin == Self.originLocal && errno == EMSGSIZE)
        return tooBig && info > 0 ? Int(info) : nil
    }
}
