import Foundation
import P2PSocket
import STUNCodec

/// How a destination port is tested, which decides what silence means.
public enum EgressMethod: String, Sendable, Hashable, CaseIterable {
    /// A STUN server listens there: an answer proves the port open, and silence (after several
    /// retransmissions) is evidence of a silent drop on the way.
    case stun
    /// Nothing is known to listen there: a STUN request on a connected socket with IP_RECVERR. An
    /// ICMP port-unreachable from the destination itself proves the packet arrived; silence proves
    /// nothing (the host may simply drop unsolicited datagrams).
    case icmpAware = "icmp-aware"
}

/// One destination port to probe: which host, and how.
public struct EgressTarget: Sendable, Hashable, CustomStringConvertible {
    public var port: UInt16
    /// Host name or IP literal (no port, no brackets).
    public var host: String
    public var method: EgressMethod

    public init(port: UInt16, host: String, method: EgressMethod) {
        self.port = port
        self.host = host
        self.method = method
    }

    /// "host:port" (IPv6 literals bracketed), the form `resolve` takes.
    public var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { "\(hostPort) (\(method.rawValue))" }
}

/// The egress plan as plain data (Tailscale netcheck style), built by a pure function so it can be
/// tested apart from running it.
public enum EgressPlan {
    /// Ports probed besides the STUN servers' own: HTTPS/QUIC, DNS, NTP, and two high ports (one
    /// arbitrary, one WireGuard's), the ones firewalls most often treat differently.
    public static let defaultExtraPorts: [UInt16] = [443, 53, 123, 40000, 51820]

    /// Every STUN server's own port via STUN, then each of `extraPorts` toward `extraTarget` (default:
    /// the first STUN server's host) via an ICMP-aware connected socket. A port already covered by a
    /// STUN target on the same host is not probed twice. Unparsable server names are skipped (the NAT
    /// probe reports them).
    public static func build(stunServers: [String], extraPorts: [UInt16] = defaultExtraPorts,
                             extraTarget: String? = nil) -> [EgressTarget] {
        var out: [EgressTarget] = []
        for server in stunServers {
            guard let (host, port) = splitHostPort(server, defaultPort: 3478) else { continue }
            let t = EgressTarget(port: port, host: host, method: .stun)
            if !out.contains(t) { out.append(t) }
        }
        let extraHost = extraTarget.flatMap { splitHostPort($0, defaultPort: 1)?.host } ?? out.first?.host
        guard let extraHost else { return out }
        for port in extraPorts where port != 0 {
            if out.contains(where: { $0.host == extraHost && $0.port == port }) { continue }
            out.append(EgressTarget(port: port, host: extraHost, method: .icmpAware))
        }
        return out
    }

    /// Splits "host", "host:port", "[v6]:port" or a bare IPv6 literal; nil when malformed
    /// (P2PSocket's `HostPort`, the one parser the flags and the probes share).
    static func splitHostPort(_ text: String, defaultPort: UInt16) -> (host: String, port: UInt16)? {
        guard case .success(let hp) = HostPort.parse(text, defaultPort: defaultPort) else { return nil }
        return (hp.host, hp.port)
    }
}
