/// An IP address and a UDP port: what STUN calls a transport address, the endpoint type of the
/// socket layer, the probes and the report's "ip:port" strings.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(_ ip: IPAddress, _ port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses "192.0.2.1:3478" or "[2001:db8::1]:3478": an IP literal and a port, both required.
    /// Brackets are for IPv6 only and IPv6 needs them (RFC 3986 section 3.2.2).
    public init?(_ text: String) { self.init(Substring(text)) }

    public init?(_ text: Substring) {
        guard case .success(let parts) = HostPort.split(text), !parts.junkAfterBracket,
              let portText = parts.port, let port = HostPort.parsePort(portText),
              let ip = IPAddress(parts.host), ip.isIPv4 != parts.bracketed else { return nil }
        self.init(ip, port)
    }

    /// "192.0.2.1:3478" or "[2001:db8::1]:3478".
    public var description: String {
        ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }
}
