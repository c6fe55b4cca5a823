// The NAT section: mapping and filtering behaviour and what each STUN server saw.

/// How the NAT picks the public endpoint for a flow (RFC 4787 section 4.1, RFC 5780 section 4.3).
public enum NATMapping: String, Codable, Sendable, CaseIterable {
    /// The mapped address is one of this host's own addresses: no NAT at all.
    case noNAT = "no-nat"
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"
    /// Not checked, or the evidence was not enough (see `NATSection.status` and `evidence`).
    case unknown
}

/// Which inbound packets the NAT or firewall lets through to a mapping (RFC 4787 section 5, RFC 5780 section 4.4).
public enum NATFiltering: String, Codable, Sendable, CaseIterable {
    case endpointIndependent = "endpoint-independent"
    case addressDependent = "address-dependent"
    case addressAndPortDependent = "address-and-port-dependent"
    case unknown
}

/// The RFC 3489 names pystun3 prints.
public enum ClassicNATType: String, Codable, Sendable, CaseIterable {
    case openInternet = "Open Internet"
    case fullCone = "Full Cone"
    case restrictedCone = "Restricted Cone"
    case portRestrictedCone = "Port Restricted Cone"
    case symmetricNAT = "Symmetric NAT"
    case symmetricUDPFirewall = "Symmetric UDP Firewall"
    case blocked = "Blocked"
    case unknown = "Unknown"
}

/// Outcome of a probe section as a whole.
public enum ProbeStatus: String, Codable, Sendable, CaseIterable {
    /// The probe ran and its fields hold its answer.
    case checked
    /// The probe ran but could not decide (lost packets, unsupported server); see evidence.
    case inconclusive
    /// The probe was not run (skipped by flag, or not applicable).
    case notChecked = "not-checked"
}

/// How one STUN server's first binding request ended.
public enum ServerOutcome: String, Codable, Sendable, CaseIterable {
    case answered
    /// No answer before the deadline.
    case timeout
    /// The name did not resolve.
    case dnsFailure = "dns-failure"
    /// No route to the address (ENETUNREACH, EHOSTUNREACH).
    case noRoute = "no-route"
    /// An ICMP port-unreachable came back (ECONNREFUSED).
    case unreachable
    /// This host's own firewall refused the send (EPERM, EACCES).
    case blockedLocally = "blocked-locally"
    /// Anything else; `detail` says what.
    case error
}

/// What one STUN server did during the run.
public struct ServerObservation: Codable, Sendable, Equatable {
    /// As given by the user ("host[:port]").
    public var server: String
    /// Address it resolved to and was queried at ("ip:port"), or nil if it never resolved.
    @Nullable public var address: String?
    /// How its first binding request ended.
    public var outcome: ServerOutcome
    /// Round-trip time of the first answered binding request in milliseconds.
    @Nullable public var rttMs: Double?
    /// The public endpoint this server saw ("ip:port").
    @Nullable public var mappedEndpoint: String?
    /// OTHER-ADDRESS (or CHANGED-ADDRESS) it advertised, if any.
    @Nullable public var otherAddress: String?
    /// Whether it honoured CHANGE-REQUEST from the right source addresses (nil = not tried).
    @Nullable public var supportsBehaviorTests: Bool?
    /// Free-form detail (error text, software name).
    @Nullable public var detail: String?

    public init(server: String, address: String? = nil, outcome: ServerOutcome, rttMs: Double? = nil,
                mappedEndpoint: String? = nil, otherAddress: String? = nil,
                supportsBehaviorTests: Bool? = nil, detail: String? = nil) {
        self.server = server
        self.address = address
        self.outcome = outcome
        self.rttMs = rttMs
        self.mappedEndpoint = mappedEndpoint
        self.otherAddress = otherAddress
        self.supportsBehaviorTests = supportsBehaviorTests
        self.detail = detail
    }
}

public struct NATSection: Codable, Sendable, Equatable {
    /// Whether the NAT tests ran and decided.
    public var status: ProbeStatus
    /// Mapping behaviour.
    public var mapping: NATMapping
    /// Filtering behaviour.
    public var filtering: NATFiltering
    /// The classic RFC 3489 name, as pystun3 prints it.
    public var classicType: ClassicNATType
    /// Public endpoint seen by the primary server ("ip:port"), nil if none answered.
    @Nullable public var publicEndpoint: String?
    /// Local endpoint the test socket used ("ip:port"; the route's source address, not 0.0.0.0).
    @Nullable public var localEndpoint: String?
    /// Whether the NAT kept the local port number (nil when unknown).
    @Nullable public var portPreserved: Bool?
    /// Whether different servers saw different public endpoints (nil with fewer than two answers).
    @Nullable public var mappingVariesByDestination: Bool?
    /// The public endpoint ("ip:port") each RFC 5780 mapping test saw, keyed "I" (primary
    /// address), "II" (alternate address, primary port) and "III" (alternate address and port);
    /// answered tests only; nil when the behaviour tests did not run.
    @Nullable public var mappedByTest: [String: String]?
    /// Why the verdict is inconclusive, when it is.
    @Nullable public var inconclusiveReason: String?
    /// Short facts: which test, which server, what came back.
    public var evidence: [String]
    /// One entry per STUN server queried.
    public var servers: [ServerObservation]
    /// Responses ignored: wrong transaction ID, wrong source, malformed (counted, not trusted).
    public var ignoredResponses: Int

    public init(status: ProbeStatus = .notChecked, mapping: NATMapping = .unknown,
                filtering: NATFiltering = .unknown, classicType: ClassicNATType = .unknown,
                publicEndpoint: String? = nil, localEndpoint: String? = nil, portPreserved: Bool? = nil,
                mappingVariesByDestination: Bool? = nil, inconclusiveReason: String? = nil,
                evidence: [String] = [], servers: [ServerObservation] = [], ignoredResponses: Int = 0) {
        self.status = status
        self.mapping = mapping
        self.filtering = filtering
        self.classicType = classicType
        self.publicEndpoint = publicEndpoint
        self.localEndpoint = localEndpoint
        self.portPreserved = portPreserved
        self.mappingVariesByDestination = mappingVariesByDestination
        self.inconclusiveReason = inconclusiveReason
        self.evidence = evidence
        self.servers = servers
        self.ignoredResponses = ignoredResponses
    }
}
