import Glibc
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

/// Splits "host", "host:port", "v4:port", "[v6]", "[v6]:port" or a bare IPv6 literal.
/// Returns nil on malformed text.
func splitHostPort(_ text: String, defaultPort: UInt16) -> (host: String, port: UInt16)? {
    let text = text.trimmingWhitespace()
    guard !text.isEmpty else { return nil }
    func port(_ s: Substring) -> UInt16? {
        guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0.isASCII && $0.isNumber }), let p = UInt16(s), p > 0 else { return nil }
        return p
    }
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]") else { return nil }
        let host = String(text[text.index(after: text.startIndex)..<close])
        guard let ip = IPAddress(host), !ip.isIPv4 else { return nil }
        let rest = text[text.index(after: close)...]
        if rest.isEmpty { return (host, defaultPort) }
        guard rest.hasPrefix(":"), let p = port(rest.dropFirst()) else { return nil }
        return (host, p)
    }
    let colons = text.filter { $0 == ":" }.count
    if colons > 1 {
        // A bare IPv6 literal; a port needs brackets.
        guard let ip = IPAddress(text), !ip.isIPv4 else { return nil }
        return (text, defaultPort)
    }
    var host = Substring(text)
    var p = defaultPort
    if let colon = text.firstIndex(of: ":") {
        host = text[..<colon]
        guard let parsed = port(text[text.index(after: colon)...]) else { return nil }
        p = parsed
    }
    guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
    else { return nil }
    return (String(host), p)
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}

/// Resolves "host[:port]", "[v6]:port" or a literal (getaddrinfo for names; literals are not
/// looked up). `defaultPort` is used when the text has none; `family` restricts the answers.
/// Results keep getaddrinfo's order (RFC 6724 preference) without duplicates.
public func resolve(_ hostPort: String, defaultPort: UInt16, family: AddressFamily? = nil) throws -> [TransportAddress] {
    guard let (host, port) = splitHostPort(hostPort, defaultPort: defaultPort) else {
        throw ResolveError.badSyntax(hostPort)
    }
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
