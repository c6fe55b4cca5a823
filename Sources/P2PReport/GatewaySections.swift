// What lies between this host and the internet: more NATs, the gateway, and whether the NAT hairpins.

public struct DoubleNATSection: Codable, Sendable, Equatable {
    public var status: ProbeStatus
    /// true: another NAT found; false: checked and only one; nil: not enough evidence.
    @Nullable public var detected: Bool?
    public var evidence: [String]
    /// Hops on the path to the STUN server, in order ("1 10.0.0.1", "2 100.64.0.1", "3 *").
    public var hops: [String]

    public init(status: ProbeStatus = .notChecked, detected: Bool? = nil, evidence: [String] = [],
                hops: [String] = []) {
        self.status = status
        self.detected = detected
        self.evidence = evidence
        self.hops = hops
    }
}

/// The port-control protocols a gateway may answer.
public enum GatewayProtocol: String, Codable, Sendable, CaseIterable {
    /// UPnP IGD (GetExternalIPAddress).
    case upnp
    /// NAT-PMP, RFC 6886.
    case natPMP = "nat-pmp"
    /// PCP, RFC 6887.
    case pcp
}

public struct GatewaySection: Codable, Sendable, Equatable {
    /// Default IPv4 gateway from the routing table.
    @Nullable public var address: String?
    /// External address the gateway reports about itself, by any protocol.
    @Nullable public var externalAddress: String?
    /// Which protocols answered.
    public var protocols: [GatewayProtocol]
    public var evidence: [String]
    /// What the gateway's UPnP device description says it is; absent when no description was read.
    public var device: UPnPDeviceInfo?

    public init(address: String? = nil, externalAddress: String? = nil, protocols: [GatewayProtocol] = [],
                evidence: [String] = [], device: UPnPDeviceInfo? = nil) {
        self.address = address
        self.externalAddress = externalAddress
        self.protocols = protocols
        self.evidence = evidence
        self.device = device
    }
}

public struct HairpinSection: Codable, Sendable, Equatable {
    public var status: ProbeStatus
    /// true: the NAT looped our packet back; false: it did not; nil: not checked or not decidable.
    @Nullable public var supported: Bool?
    /// Source the hairpinned packet arrived from ("ip:port"); RFC 4787 REQ-9 wants the public one.
    @Nullable public var observedSource: String?
    public var evidence: [String]

    public init(status: ProbeStatus = .notChecked, supported: Bool? = nil, observedSource: String? = nil,
                evidence: [String] = []) {
        self.status = status
        self.supported = supported
        self.observedSource = observedSource
        self.evidence = evidence
    }
}
