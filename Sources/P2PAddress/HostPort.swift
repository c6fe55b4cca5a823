/// A server address as a person writes it: "host", "host:port", "v4:port", "[v6]", "[v6]:port"
/// or a bare IPv6 literal. The one host[:port] parser every flag, config line and probe uses;
/// `TransportAddress(_:)` and the report readers share its `split`.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// A name or an IP literal (IPv6 without its brackets).
    public var host: String
    /// The port the text named, or the default one.
    public var port: UInt16

    /// "host:port", or "[v6]:port" for an IPv6 literal.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; nil when `parse` finds it malformed.
    public init?(_ text: String, defaultPort: UInt16) {
        guard case .success(let hp) = Self.parse(text, defaultPort: defaultPort) else { return nil }
        self = hp
    }

    /// The host as an IP address; nil for a name.
    public var ip: IPAddress? { IPAddress(host) }

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

    /// Parses `text` (surrounding white space ignored); `defaultPort` when it names none. A host
    /// is an IP literal or a name of letters, digits, '-', '.' and '_' (at most 253).
    public static func parse(_ text: String, defaultPort: UInt16) -> Result<HostPort, ParseError> {
        let text = text.trimmingWhitespace()
        guard !text.isEmpty else { return .failure(.empty) }
        let parts: Parts
        switch split(text) {
        case .success(let p): parts = p
        case .failure(let e): return .failure(e)
        }
        let host = String(parts.host)
        if parts.bracketed {
            guard let ip = IPAddress(host), !ip.isIPv4 else { return .failure(.bracketNotIPv6(host)) }
            guard !parts.junkAfterBracket else { return .failure(.afterBracket) }
        } else if parts.port == nil, host.contains(":") {
            // A bare IPv6 literal; a port needs brackets.
            guard let ip = IPAddress(host), !ip.isIPv4 else { return .failure(.unbracketedIPv6(host)) }
            return .success(HostPort(host: host, port: defaultPort))
        } else if parts.port != nil, host.isEmpty {
            return .failure(.missingHost)
        }
        var port = defaultPort
        if let p = parts.port {
            guard let v = parsePort(p), v > 0 else { return .failure(.badPort(String(p))) }
            port = v
        }
        if !parts.bracketed {
            guard !host.isEmpty, host.count <= 253,
                  host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
            else { return .failure(.badHost(host)) }
        }
        return .success(HostPort(host: host, port: port))
    }

    /// The pieces of a host[:port] text before any judgement of them.
    public struct Parts: Sendable, Equatable {
        /// What sits inside the brackets, or before the only ':', or the whole text.
        public var host: Substring
        /// The text after the ':' that ends it; nil when there is none.
        public var port: Substring?
        /// The host was written in brackets ("[v6]" or "[v6]:port").
        public var bracketed: Bool
        /// Something other than ":port" follows the closing bracket.
        public var junkAfterBracket: Bool
    }

    /// Splits "[h]", "[h]:p", "h:p" (one ':') or "h" (no ':', or more than one: a bare IPv6
    /// literal) without judging h or p; fails only on an unclosed bracket.
    public static func split<S: StringProtocol>(_ text: S) -> Result<Parts, ParseError> where S.SubSequence == Substring {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(.unclosedBracket) }
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .success(Parts(host: host, port: nil, bracketed: true, junkAfterBracket: false)) }
            guard rest.hasPrefix(":") else {
                return .success(Parts(host: host, port: nil, bracketed: true, junkAfterBracket: true))
            }
            return .success(Parts(host: host, port: rest.dropFirst(), bracketed: true, junkAfterBracket: false))
        }
        let all = text[...]
        guard let colon = all.firstIndex(of: ":"), all[all.index(after: colon)...].firstIndex(of: ":") == nil else {
            return .success(Parts(host: all, port: nil, bracketed: false, junkAfterBracket: false))
        }
        return .success(Parts(host: all[..<colon], port: all[all.index(after: colon)...], bracketed: false,
                              junkAfterBracket: false))
    }

    /// The host part of an "ip:port" or "[ip]:port" text (a report's endpoint strings, also when
    /// redacted to "public-1:4000"); the whole text when it does not split.
    public static func hostPart(_ endpoint: String) -> String {
        guard case .success(let parts) = split(endpoint) else { return endpoint }
        return String(parts.host)
    }

    /// The port text of "host:port" or "[v6]:port"; nil when it names none.
    public static func portPart(_ endpoint: String) -> String? {
        guard case .success(let parts) = split(endpoint), let port = parts.port else { return nil }
        return String(port)
    }

    /// A port in decimal digits only (UInt16(_:) alone would also accept a sign: "+5"); 0 included.
    public static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(isDecimalDigit) else { return nil }
        return UInt16(text)
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed())
    }
}
