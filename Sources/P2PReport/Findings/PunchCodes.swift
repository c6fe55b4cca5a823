// What the live hole-punch test (`p2ptui punch`) found, as a stable code (`code` in `punch --json`
// and in the report's `punch` section). P2PPunch's `Diagnosis` decides it from the finished checks;
// Content/PunchWords.swift says it. docs/report-schema.md documents every code; add, never rename.

public enum PunchCode: String, Codable, Sendable, CaseIterable {
    /// A direct path was proven: on the peer's private address (the LAN path); with a port this
    /// side's NAT made for the peer (learned peer-reflexively); on the public endpoints STUN saw; on
    /// a port the peer's NAT made for this side (peer-reflexive).
    case lanPath = "punch-lan-path", newMappingHere = "punch-new-mapping-here",
         serverReflexive = "punch-server-reflexive", peerReflexive = "punch-peer-reflexive"
    /// No path: no STUN server answered here, or the peer's code says none answered there.
    case udpBlockedHere = "punch-udp-blocked-here", udpBlockedPeer = "punch-udp-blocked-peer"
    /// No path: the mapping varies by destination on both sides, on this side, or on the peer's
    /// (and the other side filters by address and port).
    case symmetricBoth = "punch-symmetric-both", symmetricHere = "punch-symmetric-here",
         symmetricPeer = "punch-symmetric-peer"
    /// No path: both sides leave through one public address, and neither the LAN nor the hairpin
    /// path answered.
    case sharedAddress = "punch-shared-address"
    /// No path: nothing from the peer arrived before the deadline; or only one way worked (the
    /// peer's side filters this side's checks, or this side filters the peer's).
    case nothingArrived = "punch-nothing-arrived", peerFilters = "punch-peer-filters", hereFilters = "punch-here-filters"
    /// A direct path was proven, but measuring it showed that no datagram of 1200 bytes of UDP
    /// payload crosses it one way or both: QUIC would fail on it.
    case quicWouldFail = "punch-quic-would-fail"
    /// A direct path was proven on the two sides' global IPv6 addresses: no NAT on it, and both
    /// firewalls let the checks through.
    case ipv6Path = "punch-ipv6-path"
}

/// The punch test's decision: its code, the two sides, and the values its words name.
public struct PunchDiagnosis: Sendable, Equatable {
    public var code: PunchCode
    /// This side's role and the peer's, as their connection codes say.
    public var localRole: Role
    public var peerRole: Role
    /// The shared public address (`address`), this side's endpoint as the peer saw it (`seen`), the
    /// check deadline in seconds (`deadline`), the largest datagram measured each way (`out`, `in`).
    public var parameters: [String: String]

    public init(_ code: PunchCode, localRole: Role, peerRole: Role, parameters: [String: String] = [:]) {
        self.code = code
        self.localRole = localRole
        self.peerRole = peerRole
        self.parameters = parameters
    }
}
