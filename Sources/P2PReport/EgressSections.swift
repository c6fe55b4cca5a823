// Outbound reachability: UDP by destination port, and QUIC.

public enum UDPStatus: String, Codable, Sendable, CaseIterable {
    /// Every probed port got through.
    case open
    /// Some ports got through, some did not (see `UDPSection.ports`).
    case partial
    /// No probed port got through.
    case blocked
    /// The probes could not decide (for example no server listened on the ports).
    case unknown
    case notChecked = "not-checked"
}

public enum PortReach: String, Codable, Sendable, CaseIterable {
    case reached
    case blocked
    case unknown
}

/// How a probed UDP port failed (or, for `unknown` ports, why nothing was proven).
public enum PortFailure: String, Codable, Sendable, CaseIterable {
    /// No route, or a local error from the ICMP error queue.
    case noRoute = "no-route"
    /// ICMP destination unreachable from a middlebox.
    case icmpUnreachable = "icmp-unreachable"
    /// ICMP "administratively prohibited".
    case icmpProhibited = "icmp-prohibited"
    case dnsFailure = "dns-failure"
    /// No answer and no ICMP.
    case silentDrop = "silent-drop"
    /// This host's own firewall refused the send (EPERM).
    case blockedLocally = "blocked-locally"
    /// Anything else; the evidence says what.
    case error
    /// Not proven: the destination host rate-limits the ICMP errors it sends (it proved other
    /// ports in the same run); left out of `UDPSection.status`.
    case rateLimited = "rate-limited"
    /// Not proven: a port of an egress server's host outside the range it serves, silent (no
    /// answer, no ICMP); left out of `UDPSection.status` like `rateLimited`.
    case outsideEgressRange = "outside-egress-range"
}

public struct UDPSection: Codable, Sendable, Equatable {
    public var status: UDPStatus
    /// Destination port (as a decimal string, JSON object keys are strings) to what happened.
    public var ports: [String: PortReach]
    /// How each failed port failed, keyed like `ports`.
    public var failures: [String: PortFailure]
    /// Local firewall rules that drop outbound UDP, quoted from the ruleset (evidence, not a guess).
    public var firewallRules: [String]
    public var evidence: [String]

    public init(status: UDPStatus = .notChecked, ports: [String: PortReach] = [:],
                failures: [String: PortFailure] = [:], firewallRules: [String] = [], evidence: [String] = []) {
        self.status = status
        self.ports = ports
        self.failures = failures
        self.firewallRules = firewallRules
        self.evidence = evidence
    }
}

public enum QUICStatus: String, Codable, Sendable, CaseIterable {
    /// A Version Negotiation reply echoing our connection IDs came back: QUIC is not filtered.
    case open
    /// No valid reply: QUIC may or may not be filtered (servers may rate-limit this).
    case notProven = "not-proven"
    case notChecked = "not-checked"
    /// An egress-mode server (`p2ptui serve --egress-ports`, which answers both) answered plain
    /// probes on the port but none of several QUIC-shaped ones from the same socket: something on
    /// the path drops QUIC by the shape of its packets.
    case filtered
}

public struct QUICSection: Codable, Sendable, Equatable {
    public var status: QUICStatus
    /// The server probed ("host:port").
    @Nullable public var server: String?
    public var evidence: [String]
    /// Whether a plain (STUN Binding) probe sent to the same port from the same socket was answered
    /// (nil: none was sent). Only with it can silence to QUIC mean filtering.
    @Nullable public var plainAnswered: Bool?

    public init(status: QUICStatus = .notChecked, server: String? = nil, evidence: [String] = [],
                plainAnswered: Bool? = nil) {
        self.status = status
        self.server = server
        self.evidence = evidence
        self.plainAnswered = plainAnswered
    }
}
