// Two limits of a path that the article's five checks do not see: the largest datagram that
// crosses it without fragmentation, and how long the NAT keeps an idle UDP mapping. Both are
// sections of `Report` (`datagram`, `mappingLifetime`), appended after the original ones.

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
