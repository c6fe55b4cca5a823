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
    /// An egress-mode server (`p2ptui serve --egress-ports`) is expected there: a STUN request (and,
    /// on 443, a QUIC Version Negotiation probe). An answer proves the port; an ICMP port
    /// unreachable from the host proves arrival; silence proves a drop only once the same host has
    /// answered as an egress server on another port of its announced range.
    case egressServer = "egress-server"
}

/// One destination port to probe: which host, and how.
public struct EgressTarget: Sendable, Hashable, CustomStringConvertible {
    public var port: UInt16
    /// Host name or IP literal (no port, no brackets).
    public var host: String
    public var method: EgressMethod
    /// One of the random sample (`EgressPlan.samplePorts`): probed only once the host has answered
    /// as an egress server, so a host that is not one is never asked for a flood of ICMP errors.
    public var sampled: Bool

    public init(port: UInt16, host: String, method: EgressMethod, sampled: Bool = false) {
        self.port = port
        self.host = host
        self.method = method
        self.sampled = sampled
    }

    /// "host:port" (IPv6 literals bracketed), the form `resolve` takes.
    public var hostPort: String { HostPort(host: host, port: port).description }

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
            guard let hp = HostPort(server, defaultPort: 3478) else { continue }
            let t = EgressTarget(port: hp.port, host: hp.host, method: .stun)
            if !out.contains(t) { out.append(t) }
        }
        let extraHost = extraTarget.flatMap { HostPort($0, defaultPort: 1)?.host } ?? out.first?.host
        guard let extraHost else { return out }
        for port in extraPorts where port != 0 {
            if out.contains(where: { $0.host == extraHost && $0.port == port }) { continue }
            out.append(EgressTarget(port: port, host: extraHost, method: .icmpAware))
        }
        return out
    }

    /// Ports of the random sample toward an egress server, unless `--egress-sample` says otherwise.
    public static let defaultSampleCount = 32
    /// Where the sample is drawn from: every port that is not a well-known one.
    public static let defaultSampleRange: ClosedRange<UInt16> = 1024...65535

    /// `count` distinct random ports spread over `range`: the range is cut into `count` equal
    /// strata and one port drawn from each, so the sample covers low and high ports alike. Ports in
    /// `excluding` are redrawn within their stratum (skipped when the stratum has none left).
    /// Pure: the same seed gives the same ports.
    public static func samplePorts(count: Int, range: ClosedRange<UInt16> = defaultSampleRange, seed: UInt64,
                                   excluding: Set<UInt16> = []) -> [UInt16] {
        let lo = Int(range.lowerBound), size = Int(range.upperBound) - lo + 1
        let n = max(0, min(count, size))
        guard n > 0 else { return [] }
        var g = SplitMix64(seed: seed)
        var out: [UInt16] = []
        for i in 0..<n {
            let start = lo + i * size / n, end = lo + (i + 1) * size / n - 1
            let free = (start...end).filter { !excluding.contains(UInt16($0)) }
            guard !free.isEmpty else { continue }
            out.append(UInt16(free[Int(g.next() % UInt64(free.count))]))
        }
        return out
    }

    /// The plan toward an egress-mode server at `host`: each of `fixedPorts` not already a STUN
    /// target there, then `sample` (marked `sampled`). Every one is an `.egressServer` target.
    public static func egressServerTargets(host: String, fixedPorts: [UInt16], sample: [UInt16],
                                           existing: [EgressTarget] = []) -> [EgressTarget] {
        var out: [EgressTarget] = []
        func covered(_ p: UInt16) -> Bool {
            existing.contains { $0.host == host && $0.port == p } || out.contains { $0.port == p }
        }
        for p in fixedPorts where p != 0 && !covered(p) { out.append(EgressTarget(port: p, host: host, method: .egressServer)) }
        for p in sample where p != 0 && !covered(p) { out.append(EgressTarget(port: p, host: host, method: .egressServer, sampled: true)) }
        return out
    }
}
