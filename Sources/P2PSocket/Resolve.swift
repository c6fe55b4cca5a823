import Glibc
import P2PAddress
import STUNCodec

/// Why `resolve` failed: the text was malformed, or name resolution itself failed.
public enum ResolveError: Error, Equatable, Sendable, CustomStringConvertible {
    case badSyntax(String)
    case dnsFailure(host: String, reason: String)

    public var description: String {
        switch self {
        case let .badSyntax(text): return "cannot parse \"\(text)\" as host[:port] or [v6]:port"
        case let .dnsFailure(host, reason): return "cannot resolve \(host): \(reason)"
        }
    }
}

/// Resolves "host[:port]", "[v6]:port" or a literal (getaddrinfo for names; literals are not
/// looked up). `defaultPort` is used when the text has none; `family` restricts the answers.
/// Results keep getaddrinfo's order (RFC 6724 preference) without duplicates.
public func resolve(_ hostPort: String, defaultPort: UInt16, family: AddressFamily? = nil) throws -> [TransportAddress] {
    guard let parsed = HostPort(hostPort, defaultPort: defaultPort) else { throw ResolveError.badSyntax(hostPort) }
    let (host, port) = (parsed.host, parsed.port)
    if let ip = IPAddress(host) {
        if let family, AddressFamily(of: ip) != family {
            throw ResolveError.dnsFailure(host: host, reason: "address is not \(family == .ipv4 ? "IPv4" : "IPv6")")
        }
        return [TransportAddress(ip, port)]
    }
    var hints = addrinfo()
    hints.ai_family = family?.domain ?? AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
    hints.ai_protocol = Int32(IPPROTO_UDP)
    // No AI_ADDRCONFIG: with only loopback configured it would hide "localhost".
    var list: UnsafeMutablePointer<addrinfo>?
    var rc: Int32
    repeat {
        rc = getaddrinfo(host, nil, &hints, &list)
    } while rc == EAI_SYSTEM && errno == EINTR
    guard rc == 0 else {
        let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
        throw ResolveError.dnsFailure(host: host, reason: reason)
    }
    defer { freeaddrinfo(list) }
    var out: [TransportAddress] = []
    var node = list
    while let n = node {
        if let sa = n.pointee.ai_addr, let ip = TransportAddressStorage.ipAddress(sa) {
            let a = TransportAddress(ip, port)
            if !out.contains(a) { out.append(a) }
        }
        node = n.pointee.ai_next
    }
    guard !out.isEmpty else { throw ResolveError.dnsFailure(host: host, reason: "no addresses") }
    return out
}
