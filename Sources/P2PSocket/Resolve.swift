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

/// A server address as a person writes it: "host", "host:port", "v4:port", "[v6]", "[v6]:port"
/// or a bare IPv6 literal. The one parser every flag, config line and probe uses.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// "host:port", or "[v6]:port" for an IPv6 literal.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// What a good value looks like, for error messages.
    public static let examples = "stun.example.net, stun.example.net:3478, 192.0.2.1:3478 or [2001:db8::1]:3478"

    /// Why a text is not a host[:port], in words for a person.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case missingHost
        case unclosedBracket
        case bracketNotIPv6(String)
        case afterBracket
        case badPort(String)
        case unbracketedIPv6(String)
        case badHost(String)

        public var description: String {
            switch self {
            case .empty: return "it is empty"
            case .missingHost: return "there is no host before the ':'"
            case .unclosedBracket: return "'[' has no closing ']'"
            case let .bracketNotIPv6(h): return "only an IPv6 address goes in brackets, not '\(h)'"
            case .afterBracket: return "only ':port' may follow ']'"
            case let .badPort(p): return "port '\(p)' is not a number from 1 to 65535"
            case .unbracketedIPv6: return "with more than one ':' it must be an IPv6 address, and it is not (with a port, write [v6]:port)"
            case let .badHost(h):
                return "host '\(h)' is not a name (letters, digits, '-', '.', '_'; at most 253) nor an IP address"
            }
        }
    }

    /// Parses `text` (surrounding white space ignored); `defaultPort` when it names none.
    public static func parse(_ text: String, defaultPort: UInt16) -> Result<HostPort, ParseError> {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty else { return .failure(.empty) }
        func port(_ s: Substring) -> Result<UInt16, ParseError> {
            guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0.isASCII && $0.isNumber }), let p = UInt16(s), p > 0
            else { return .failure(.badPort(String(s))) }
            return .success(p)
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.unclosedBracket) }
            let host = String(text[text.index(after: text.startIndex)..<close])
            guard let ip = IPAddress(host), !ip.isIPv4 else { return .failure(.bracketNotIPv6(host)) }
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .success(HostPort(host: host, port: defaultPort)) }
            guard rest.hasPrefix(":") else { return .failure(.afterBracket) }
            return port(rest.dropFirst()).map { HostPort(host: host, port: $0) }
        }
        let colons = text.filter { $0 == ":" }.count
        if colons > 1 {
            // A bare IPv6 literal; a port needs brackets.
            guard let ip = IPAddress(text), !ip.isIPv4 else { return .failure(.unbracketedIPv6(text)) }
            return .success(HostPort(host: text, port: defaultPort))
        }
        var host = Substring(text)
        var p = defaultPort
        if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            guard !host.isEmpty else { return .failure(.missingHost) }
            switch port(text[text.index(after: colon)...]) {
            case .success(let v): p = v
            case .failure(let e): return .failure(e)
            }
        }
        guard !host.isEmpty, host.count <= 253,
              host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
        else { return .failure(.badHost(String(host))) }
        return .success(HostPort(host: String(host), port: p))
    }
}

/// Splits "host", "host:port", "v4:port", "[v6]", "[v6]:port" or a bare IPv6 literal.
/// Returns nil on malformed text.
func splitHostPort(_ text: String, defaultPort: UInt16) -> (host: String, port: UInt16)? {
    guard case .success(let hp) = HostPort.parse(text, defaultPort: defaultPort) else { return nil }
    return (hp.host, hp.port)
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
