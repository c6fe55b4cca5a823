import Glibc
import STUNCodec

/// The source address the kernel would use toward `destination` (UDP connect + getsockname, no
/// packet sent). Used to detect "no NAT": an unbound socket's own address is 0.0.0.0, so the
/// mapped address must be compared with this, not with the socket's address.
public func routeSourceAddress(toward destination: TransportAddress) throws -> IPAddress {
    let socket = try UDPSocket(family: AddressFamily(of: destination.ip))
    defer { socket.close() }
    try socket.connect(to: destination)
    return try socket.localAddress().ip
}

/// One address of one network interface.
public struct InterfaceAddress: Sendable, Equatable {
    public var name: String
    public var address: IPAddress
    public var prefixLength: Int
    public var isUp: Bool
    public var isLoopback: Bool

    public init(name: String, address: IPAddress, prefixLength: Int, isUp: Bool, isLoopback: Bool) {
        self.name = name
        self.address = address
        self.prefixLength = prefixLength
        self.isUp = isUp
        self.isLoopback = isLoopback
    }
}

/// Every IPv4/IPv6 address on every interface (getifaddrs), in the kernel's order.
public func interfaceAddresses() throws -> [InterfaceAddress] {
    var list: UnsafeMutablePointer<ifaddrs>?
    _ = try Sys.retrying("getifaddrs") { getifaddrs(&list) }
    defer { freeifaddrs(list) }
    var out: [InterfaceAddress] = []
    var node = list
    while let n = node {
        defer { node = n.pointee.ifa_next }
        guard let sa = n.pointee.ifa_addr, let ip = TransportAddressStorage.ipAddress(sa) else { continue }
        var prefix = 0
        if let mask = n.pointee.ifa_netmask, let m = TransportAddressStorage.ipAddress(mask) {
            prefix = m.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        let flags = n.pointee.ifa_flags
        out.append(InterfaceAddress(
            name: String(cString: n.pointee.ifa_name), address: ip, prefixLength: prefix,
            isUp: flags & UInt32(IFF_UP) != 0, isLoopback: flags & UInt32(IFF_LOOPBACK) != 0))
    }
    return out
}
