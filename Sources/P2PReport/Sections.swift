// The report's probe sections, one type per section of `Report` (and the enums their fields use).
// Every section has a `status` (or a status enum) whose not-checked value means the probe did not
// run, its facts, and `evidence`: short lines saying what was seen.

// MARK: - NAT

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

// MARK: - UDP and QUIC egress

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
    /// Destination port to what happened (written as a decimal string: JSON object keys are strings).
    public var ports: [UDPPort: PortReach]
    /// How each failed port failed, keyed like `ports`.
    public var failures: [UDPPort: PortFailure]
    /// Local firewall rules that drop outbound UDP, quoted from the ruleset (evidence, not a guess).
    public var firewallRules: [String]
    public var evidence: [String]

    public init(status: UDPStatus = .notChecked, ports: [UDPPort: PortReach] = [:],
                failures: [UDPPort: PortFailure] = [:], firewallRules: [String] = [], evidence: [String] = []) {
        self.status = status
        self.ports = ports
        self.failures = failures
        self.firewallRules = firewallRules
        self.evidence = evidence
    }

    /// Written out so that a key that is no port number gets a message that says so.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(UDPStatus.self, forKey: .status)
        ports = try c.decodePortMap(PortReach.self, forKey: .ports)
        failures = try c.decodePortMap(PortFailure.self, forKey: .failures)
        firewallRules = try c.decode([String].self, forKey: .firewallRules)
        evidence = try c.decode([String].self, forKey: .evidence)
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

// MARK: - Double NAT, gateway and hairpin

public struct DoubleNATSection: Codable, Sendable, Equatable {
    public var status: ProbeStatus
    /// true: another NAT found; false: checked and only one; nil: not enough evidence.
    @Nullable public var detected: Bool?
    public var evidence: [String]
    /// Hops on the path to the STUN server, in order (written "1 10.0.0.1", "2 100.64.0.1", "3 *").
    public var hops: [PathHop]

    public init(status: ProbeStatus = .notChecked, detected: Bool? = nil, evidence: [String] = [],
                hops: [PathHop] = []) {
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

// MARK: - Cloud

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

// MARK: - Path limits
// Two limits of a path that the article's five checks do not see: the largest datagram that
// crosses it without fragmentation, and how long the NAT keeps an idle UDP mapping (`datagram`,
// `mappingLifetime`), appended after the original sections.

/// The largest UDP payload that crossed the path with fragmentation forbidden (DF set), each way.
/// Sizes are bytes of UDP payload (1472 = 1500 - 20 IPv4 - 8 UDP).
public struct DatagramSection: Codable, Sendable, Equatable {
    /// checked: at least one size crossed outbound; inconclusive: nothing answered at any size
    /// (nothing is proven, not even that small datagrams cross); not-checked: not run.
    public var status: ProbeStatus
    /// Largest size a STUN server answered a request padded to (RFC 5780 PADDING); nil: none.
    @Nullable public var outboundMax: Int?
    /// Largest padded response that arrived (only `p2ptui serve` pads on request); nil: not
    /// proven (no server padded its answers: public servers ignore the request).
    @Nullable public var inboundMax: Int?
    /// Smallest size sent outbound that never crossed (no answer, or refused with EMSGSIZE);
    /// nil when every size crossed or none did.
    @Nullable public var outboundFailedAt: Int?
    /// Smallest padded response asked for (its request crossed) that never arrived; nil when none
    /// was lost or none was asked for.
    @Nullable public var inboundFailedAt: Int?
    /// The MTU named by ICMP "fragmentation needed" / "packet too big" or by the kernel's own
    /// refusal (EMSGSIZE); nil when none came.
    @Nullable public var reportedMTU: Int?
    /// The sizes tried, ascending.
    public var sizes: [Int]
    public var evidence: [String]

    public init(status: ProbeStatus = .notChecked, outboundMax: Int? = nil, inboundMax: Int? = nil,
                outboundFailedAt: Int? = nil, inboundFailedAt: Int? = nil, reportedMTU: Int? = nil,
                sizes: [Int] = [], evidence: [String] = []) {
        self.status = status
        self.outboundMax = outboundMax
        self.inboundMax = inboundMax
        self.outboundFailedAt = outboundFailedAt
        self.inboundFailedAt = inboundFailedAt
        self.reportedMTU = reportedMTU
        self.sizes = sizes
        self.evidence = evidence
    }
}

/// How long the NAT kept an idle UDP mapping (RFC 5780 section 4.6): alive after `minSeconds`
/// of silence, gone after `maxSeconds`. Measured only with `check --lifetime`.
public struct MappingLifetimeSection: Codable, Sendable, Equatable {
    /// checked: an interval (or "at least the limit") was found; inconclusive: the server did not
    /// answer toward another port (RESPONSE-PORT) even right away; not-checked: not run.
    public var status: ProbeStatus
    /// Longest idle time, in seconds, after which the mapping still carried an answer; 0 when
    /// it was gone at the first test.
    @Nullable public var minSeconds: Int?
    /// Shortest idle time after which it was gone; nil when it outlived the limit.
    @Nullable public var maxSeconds: Int?
    /// The longest idle time tested (`--lifetime-max`).
    public var limitSeconds: Int
    /// The server that answered toward the idle mappings ("ip:port").
    @Nullable public var server: String?
    /// How long the measurement took, in seconds.
    public var durationSeconds: Int
    public var evidence: [String]

    public init(status: ProbeStatus = .notChecked, minSeconds: Int? = nil, maxSeconds: Int? = nil,
                limitSeconds: Int = 0, server: String? = nil, durationSeconds: Int = 0, evidence: [String] = []) {
        self.status = status
        self.minSeconds = minSeconds
        self.maxSeconds = maxSeconds
        self.limitSeconds = limitSeconds
        self.server = server
        self.durationSeconds = durationSeconds
        self.evidence = evidence
    }
}
