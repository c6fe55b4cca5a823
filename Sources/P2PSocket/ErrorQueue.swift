import CP2PShim
import Glibc
import STUNCodec

/// One ICMP error the kernel queued for the socket (IP_RECVERR), from `sock_extended_err`.
/// This is how tracepath(8) learns about hops without raw sockets: set a TTL, send, and read
/// "time exceeded" (type 11) reports whose offender is the hop.
public struct ICMPErrorReport: Sendable, Equatable {
    /// SO_EE_ORIGIN_ICMP: the report came from an ICMPv4 message.
    public static let originICMP: UInt8 = 2
    /// SO_EE_ORIGIN_ICMP6: the report came from an ICMPv6 message.
    public static let originICMP6: UInt8 = 3

    /// The errno the kernel maps the ICMP message to (EHOSTUNREACH for time exceeded,
    /// ECONNREFUSED for port unreachable, EMSGSIZE for fragmentation needed...).
    public var errno: Int32
    /// SO_EE_ORIGIN_*: 1 local, 2 ICMP, 3 ICMPv6.
    public var origin: UInt8
    public var type: UInt8
    public var code: UInt8
    /// The router or host that sent the ICMP message, when the kernel gives one.
    public var offender: IPAddress?
    /// ee_info: the next-hop MTU for "packet too big"/"fragmentation needed".
    public var info: UInt32
    /// Where the failed datagram was going (msg_name of the error-queue read), when known.
    public var destination: TransportAddress?

    public init(errno: Int32, origin: UInt8, type: UInt8, code: UInt8, offender: IPAddress?, info: UInt32,
                destination: TransportAddress? = nil) {
        self.errno = errno
        self.origin = origin
        self.type = type
        self.code = code
        self.offender = offender
        self.info = info
        self.destination = destination
    }

    init(_ raw: cp2p_err_report) {
        func ip(_ family: Int32, _ bytes: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                                            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)) -> IPAddress? {
            let all = withUnsafeBytes(of: bytes) { Array($0) }
            switch family {
            case AF_INET: return IPAddress(bytes: Array(all.prefix(4)))
            case AF_INET6: return IPAddress(bytes: all)
            default: return nil
            }
        }
        self.init(errno: raw.ee_errno, origin: raw.origin, type: raw.type, code: raw.code,
                  offender: ip(raw.offender_family, raw.offender), info: raw.info,
                  destination: ip(raw.dest_family, raw.dest).map { TransportAddress($0, raw.dest_port) })
    }

    /// ICMPv4 type 11 / ICMPv6 type 3: a hop dropped the packet because its TTL ran out.
    public var isTimeExceeded: Bool {
        (origin == Self.originICMP && type == 11) || (origin == Self.originICMP6 && type == 3)
    }

    /// ICMPv4 3/3 or ICMPv6 1/4: the destination host answered "port unreachable".
    public var isPortUnreachable: Bool {
        (origin == Self.originICMP && type == 3 && code == 3) || (origin == Self.originICMP6 && type == 1 && code == 4)
    }
}

extension UDPSocket {
    /// Sets the IPv4 TTL (IP_TTL) or IPv6 hop limit (IPV6_UNICAST_HOPS) of outgoing datagrams.
    public func setTTL(_ ttl: Int) throws {
        guard (1...255).contains(ttl) else { throw SocketError(call: "setsockopt(TTL)", code: EINVAL) }
        try withFD("setsockopt") { fd in
            if family == .ipv4 {
                try Sys.setsockopt(fd, Int32(IPPROTO_IP), IP_TTL, Int32(ttl), call: "setsockopt(IP_TTL)")
            } else {
                try Sys.setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS, Int32(ttl),
                                   call: "setsockopt(IPV6_UNICAST_HOPS)")
            }
        }
    }

    /// Queues ICMP errors for `readErrorQueue()` (IP_RECVERR / IPV6_RECVERR). Also makes the
    /// kernel report ICMP errors on unconnected sockets as the socket error.
    public func enableErrorQueue() throws {
        let name = family == .ipv4 ? "setsockopt(IP_RECVERR)" : "setsockopt(IPV6_RECVERR)"
        try withFD(name) { fd in
            _ = try Sys.retrying(name) { cp2p_enable_recverr(fd, family.domain) }
        }
    }

    /// Reads one entry of MSG_ERRQUEUE (non-blocking); nil if empty. Reports that a `receive`
    /// already surfaced as `SocketError(call: "errqueue", ...)` come first.
    public func readErrorQueue() throws -> ICMPErrorReport? {
        try withFD("recvmsg(MSG_ERRQUEUE)") { fd in
            if let stashed = takeStashedReport() { return stashed }
            return try Self.dequeueErrorReport(fd)
        }
    }
}
