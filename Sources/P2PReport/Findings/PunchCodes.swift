// What the live hole-punch test (`p2ptui punch`) found, as a stable code (`code` in `punch --json`
// and in the report's `punch` section). P2PPunch's `Diagnosis` decides it from the finished checks;
// Content/PunchWords.swift says it. docs/report-schema.md documents every code; add, never rename.

public enum PunchCode: String, Codable, Sendable, CaseIterable {
    // A direct path was proven.
    /// The peer's private (host) address answered: both sides share a network.
    case lanPath = "punch-lan-path"
    /// This side's NAT gave the path a port its code did not announce; the peer learned it (peer-reflexive).
    case newMappingHere = "punch-new-mapping-here"
    /// Each side reached the other's public endpoint as STUN saw it.
    case serverReflexive = "punch-server-reflexive"
    /// The peer's checks came from a port its code did not announce, and this side answered there.
    case peerReflexive = "punch-peer-reflexive"
    // No direct path.
    /// No STUN server answered this side: no UDP gets out here.
    case udpBlockedHere = "punch-udp-blocked-here"
    /// The peer's code says no STUN server answered there.
    case udpBlockedPeer = "punch-udp-blocked-peer"
    /// Both sides' NATs change the public port per destination.
    case symmetricBoth = "punch-symmetric-both"
    /// This side's NAT changes the public port per destination, and the peer filters by address and port.
    case symmetricHere = "punch-symmetric-here"
    /// The peer's NAT changes the public port per destination, and this side filters by address and port.
    case symmetricPeer = "punch-symmetric-peer"
    /// Both sides leave through one public address, and neither the LAN nor the hairpin path answered.
    case sharedAddress = "punch-shared-address"
    /// Nothing from the peer arrived before the deadline.
    case nothingArrived = "punch-nothing-arrived"
    /// The peer's checks arrive here, but nothing this side sends is answered: the peer's side filters.
    case peerFilters = "punch-peer-filters"
    /// This side's checks are answered, but the peer's own checks never arrive: this side filters.
    case hereFilters = "punch-here-filters"
}

/// The punch test's decision: its code, the two sides, and the values its words name.
public struct PunchDiagnosis: Sendable, Equatable {
    public var code: PunchCode
    /// This side's role and the peer's, as their connection codes say.
    public var localRole: Role
    public var peerRole: Role
    /// The shared public address (`address`), this side's endpoint as the peer saw it (`seen`), the
    /// check deadline in seconds (`deadline`).
    public var parameters: [String: String]

    public init(_ code: PunchCode, localRole: Role, peerRole: Role, parameters: [String: String] = [:]) {
        self.code = code
        self.localRole = localRole
        self.peerRole = peerRole
        self.parameters = parameters
    }
}
