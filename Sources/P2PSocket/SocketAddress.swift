import Glibc
import STUNCodec

/// IPv4 or IPv6, as the socket layer's choice of address family.
public enum AddressFamily: Sendable, Hashable {
    case ipv4, ipv6

    var domain: Int32 { self == .ipv4 ? AF_INET : AF_INET6 }

    /// The family an address belongs to.
    public init(of ip: IPAddress) { self = ip.isIPv4 ? .ipv4 : .ipv6 }

    /// The wildcard address (0.0.0.0 or ::).
    public var anyAddress: IPAddress { self == .ipv4 ? .v4(0, 0, 0, 0) : .v6([UInt8](repeating: 0, count: 16)) }
}

/// A `sockaddr_storage` holding a sockaddr_in or sockaddr_in6, converted to and from `TransportAddress`.
struct TransportAddressStorage {
    var storage: sockaddr_storage

    init(storage: sockaddr_storage) { self.storage = storage }

    init(_ address: TransportAddress) {
        var s = sockaddr_storage()
        withUnsafeMutableBytes(of: &s) { raw in
            switch address.ip {
            case let .v4(a, b, c, d):
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = address.port.bigEndian
                withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: [a, b, c, d]) }
                withUnsafeBytes(of: &sin) { raw.copyMemory(from: $0) }
            case let .v6(bytes):
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = address.port.bigEndian
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: bytes.prefix(16)) }
                withUnsafeBytes(of: &sin6) { raw.copyMemory(from: $0) }
            }
        }
        storage = s
    }

    var length: socklen_t {
        Int32(storage.ss_family) == AF_INET6
            ? socklen_t(MemoryLayout<sockaddr_in6>.size) : socklen_t(MemoryLayout<sockaddr_in>.size)
    }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        var s = storage
        let len = length
        return try withUnsafePointer(to: &s) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { try body($0, len) }
        }
    }

    /// The transport address, or nil for a family other than AF_INET/AF_INET6.
    var transportAddress: TransportAddress? {
        var s = storage
        return withUnsafeBytes(of: &s) { raw -> TransportAddress? in
            switch Int32(storage.ss_family) {
            case AF_INET:
                let sin = raw.load(as: sockaddr_in.self)
                let ip = withUnsafeBytes(of: sin.sin_addr) { IPAddress(bytes: Array($0)) }
                return ip.map { TransportAddress($0, UInt16(bigEndian: sin.sin_port)) }
            case AF_INET6:
                let sin6 = raw.load(as: sockaddr_in6.self)
                let ip = withUnsafeBytes(of: sin6.sin6_addr) { IPAddress(bytes: Array($0)) }
                return ip.map { TransportAddress($0, UInt16(bigEndian: sin6.sin6_port)) }
            default:
                return nil
            }
        }
    }

    /// Reads an address out of a raw sockaddr pointer (getifaddrs, getaddrinfo).
    static func ipAddress(_ sa: UnsafePointer<sockaddr>) -> IPAddress? {
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin_addr) { IPAddress(bytes: Array($0)) }
            }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in
                withUnsafeBytes(of: p.pointee.sin6_addr) { IPAddress(bytes: Array($0)) }
            }
        default:
            return nil
        }
    }
}
