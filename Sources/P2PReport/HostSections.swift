// Where this host runs (cloud) and its second path (IPv6).

public enum CloudProvider: String, Codable, Sendable, CaseIterable {
    case aws, gcp, azure, none, unknown
}

public struct CloudSection: Codable, Sendable, Equatable {
    public var status: ProbeStatus
    public var provider: CloudProvider
    /// Public address the metadata service reports for this VM, nil when none.
    @Nullable public var publicAddress: String?
    /// true: no public address and endpoint-dependent mapping on the way out; nil: not decidable.
    @Nullable public var natGatewaySuspected: Bool?
    public var evidence: [String]

    public init(status: ProbeStatus = .notChecked, provider: CloudProvider = .unknown,
                publicAddress: String? = nil, natGatewaySuspected: Bool? = nil, evidence: [String] = []) {
        self.status = status
        self.provider = provider
        self.publicAddress = publicAddress
        self.natGatewaySuspected = natGatewaySuspected
        self.evidence = evidence
    }
}

// MARK: - IPv6

public enum IPv6Status: String, Codable, Sendable, CaseIterable {
    /// A global IPv6 address exists and STUN over IPv6 answered.
    case works
    /// A global address exists but STUN over IPv6 got no answer.
    case blocked
    /// No global IPv6 address on any interface.
    case noGlobalAddress = "no-global-address"
    case notChecked = "not-checked"
}

public struct IPv6Section: Codable, Sendable, Equatable {
    public var status: IPv6Status
    /// A global IPv6 address of this host, nil when none.
    @Nullable public var globalAddress: String?
    /// The public endpoint STUN over IPv6 saw ("[ip]:port"), nil when none answered.
    @Nullable public var publicEndpoint: String?
    public var evidence: [String]

    public init(status: IPv6Status = .notChecked, globalAddress: String? = nil, publicEndpoint: String? = nil,
                evidence: [String] = []) {
        self.status = status
        self.globalAddress = globalAddress
        self.publicEndpoint = publicEndpoint
        self.evidence = evidence
    }
}
