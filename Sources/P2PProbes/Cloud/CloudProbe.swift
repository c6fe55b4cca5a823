import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// Whether the public mapping changes with the destination (RFC 4787 section 4.1).
public enum MappingCheck: Sendable, Equatable {
    /// The mapped address is one of this host's own: no NAT.
    case noNAT(TransportAddress)
    /// Every destination saw the same public endpoint.
    case independent(TransportAddress, destinations: Int)
    /// Destinations saw different public endpoints.
    case dependent([TransportAddress])
    case unknown(String)
}

public struct CloudObservations: Sendable, Equatable {
    public var dmi: DMIVerdict
    /// The metadata service's answer, nil when none answered (or none was asked).
    public var metadata: MetadataAnswer?
    /// Whether a metadata query was made, and where.
    public var metadataQueried: String?
    public var mapping: MappingCheck
    /// Seconds of the last (longest) wait when the metadata service gave no response at all on
    /// either try; nil when it answered or was not asked.
    public var metadataSilentFor: Double?

    public init(dmi: DMIVerdict, metadata: MetadataAnswer? = nil, metadataQueried: String? = nil,
                mapping: MappingCheck = .unknown("not run"), metadataSilentFor: Double? = nil) {
        self.dmi = dmi
        self.metadata = metadata
        self.metadataQueried = metadataQueried
        self.mapping = mapping
        self.metadataSilentFor = metadataSilentFor
    }
}

/// The pure cloud decision.
public enum CloudClassifier {
    public static func classify(_ o: CloudObservations) -> CloudSection {
        var s = CloudSection(status: .checked)
        var provider: CloudProvider
        switch o.dmi {
        case .cloud(let p, let why): provider = p; s.evidence.append(why)
        case .maybeAzure(let why): provider = .unknown; s.evidence.append(why)
        case .otherCloud(let name): provider = .unknown; s.evidence.append("DMI names \(name), whose metadata service p2ptui does not read")
        case .notCloud(let why): provider = .none; s.evidence.append(why)
        case .noDMI: provider = .none; s.evidence.append("no DMI information")
        }
        if let m = o.metadata {
            provider = m.provider
            s.evidence += m.evidence
        } else if let q = o.metadataQueried {
            s.evidence.append("no metadata service answered at \(q)")
        }
        s.provider = provider
        // DMI names the cloud, yet its metadata service stayed silent through both tries (a
        // starved process, a blocked link-local route, an IMDS hop limit): whether the VM has a
        // public address is unknown, so the step cannot pass, whatever the mapping says.
        var silence: String?
        if case .cloud(let p, _) = o.dmi, o.metadata == nil, let seconds = o.metadataSilentFor {
            silence = CloudSection.metadataSilence(dmiName: CloudClassifier.dmiName(p), seconds: seconds)
        }
        if provider == .none {
            s.natGatewaySuspected = false
            s.evidence.append("not a cloud VM")
            return s
        }
        s.publicAddress = o.metadata?.publicAddress?.description
        switch o.mapping {
        case .noNAT(let e):
            s.natGatewaySuspected = false
            s.evidence.append("STUN saw this host's own address \(e.ip): no NAT in the path")
        case .independent(let e, let n):
            s.natGatewaySuspected = false
            s.evidence.append("\(n) destinations saw the same public endpoint \(e): mapping is endpoint-independent")
        case .dependent(let list):
            s.evidence.append("public endpoint changes with the destination (\(list.map(\.description).joined(separator: ", "))): endpoint-dependent mapping")
            if let pub = s.publicAddress {
                s.natGatewaySuspected = false
                s.evidence.append("the VM has public address \(pub), so the varying mapping comes from elsewhere (host firewall or NAT on the VM)")
            } else {
                // What to change is the cloud step's advice (P2PReport/Content/Steps.swift).
                s.natGatewaySuspected = true
            }
        case .unknown(let why):
            if let pub = s.publicAddress {
                s.natGatewaySuspected = false
                s.evidence.append("the VM has public address \(pub): its traffic leaves through a one-to-one NAT")
            } else {
                s.natGatewaySuspected = nil
                s.status = .inconclusive
                s.evidence.append("mapping behaviour not judged: \(why)")
            }
        }
        if let silence {
            s.status = .inconclusive
            s.natGatewaySuspected = nil
            s.evidence.append(silence)
        }
        return s
    }

    /// The cloud as its DMI strings name it.
    public static func dmiName(_ p: CloudProvider) -> String {
        switch p {
        case .aws: return "Amazon EC2"
        case .gcp: return "Google Compute Engine"
        case .azure: return "Microsoft Azure"
        case .none, .unknown: return "a cloud"
        }
    }
}

/// Cloud VM and cloud NAT gateway detection: DMI first (no packet), then the metadata service
/// and a mapping comparison across destinations, concurrently, only when DMI says a cloud (or a
/// metadata endpoint was given explicitly).
public struct CloudProbe: Sendable {
    public var servers: [String]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// Metadata service base URL; `explicitEndpoint` makes it queried whatever DMI says.
    public var metadataEndpoint: String
    public var explicitEndpoint: Bool
    public var dmiRoot: String
    /// First wait for the metadata service (a link-local service answers in milliseconds).
    public var metadataWindow: Double
    /// The one second try, only when DMI names a cloud and the first window passed without any
    /// response: a process starved of CPU (busy 2-core CI, a loaded VM) must not read as "no
    /// metadata service". Bounded by the overall deadline.
    public var metadataRetryWindow: Double

    public static let defaultMetadataWindow = 1.0
    public static let defaultMetadataRetryWindow = 3.0

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                metadataEndpoint: String? = nil, dmiRoot: String = "/sys/class/dmi/id",
                metadataWindow: Double = CloudProbe.defaultMetadataWindow,
                metadataRetryWindow: Double = CloudProbe.defaultMetadataRetryWindow) {
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.metadataEndpoint = metadataEndpoint ?? CloudMetadata.defaultEndpoint
        self.explicitEndpoint = metadataEndpoint != nil
        self.dmiRoot = dmiRoot
        self.metadataWindow = metadataWindow
        self.metadataRetryWindow = metadataRetryWindow
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> CloudSection {
        CloudClassifier.classify(await observe(progress: progress))
    }

    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> CloudObservations {
        let root = dmiRoot
        let dmi = DMIVerdict.classify(await blocking { DMIInfo.read(root: root) })
        var o = CloudObservations(dmi: dmi)
        var which: [CloudProvider]
        switch dmi {
        case .cloud(let p, _): which = [p]
        case .maybeAzure: which = [.azure]
        case .otherCloud, .notCloud, .noDMI: which = []
        }
        if explicitEndpoint && which.isEmpty { which = [.aws, .gcp, .azure] }
        guard !which.isEmpty else {
            o.mapping = .unknown("not a cloud VM")
            return o
        }
        guard let base = HTTP.URL(metadataEndpoint) else {
            o.metadataQueried = UntrustedText.clean(metadataEndpoint) + " (not an http URL)"
            o.mapping = await mappingCheck()
            return o
        }
        progress("metadata service at \(base)")
        o.metadataQueried = base.description
        var retry = false
        if case .cloud = dmi { retry = true }
        async let metadata = askMetadata(which, base: base, retry: retry)
        async let mapping = mappingCheck()
        (o.metadata, o.metadataSilentFor) = await metadata
        o.mapping = await mapping
        return o
    }

    /// Asks each provider's metadata service within `metadataWindow`; when nothing at all came
    /// back and `retry`, once more within `metadataRetryWindow` (both bounded by the deadline).
    /// Returns the first recognized answer, or the length of the last wait when nothing responded.
    func askMetadata(_ providers: [CloudProvider], base: HTTP.URL, retry: Bool) async -> (MetadataAnswer?, Double?) {
        let heard = CloudMetadata.Heard()
        var window = min(metadataWindow, deadline.remainingSeconds(clock: clock))
        var answer = await askOnce(providers, base: base, deadline: min(deadline, .after(seconds: window, clock: clock)), heard: heard)
        if answer == nil, !heard.any, retry, !deadline.hasPassed(clock: clock) {
            window = min(max(metadataRetryWindow, window), deadline.remainingSeconds(clock: clock))
            answer = await askOnce(providers, base: base, deadline: min(deadline, .after(seconds: window, clock: clock)), heard: heard)
        }
        return (answer, answer == nil && !heard.any ? window : nil)
    }

    private func askOnce(_ providers: [CloudProvider], base: HTTP.URL, deadline metaDeadline: Deadline,
                         heard: CloudMetadata.Heard) async -> MetadataAnswer? {
        await withTaskGroup(of: (Int, MetadataAnswer?).self) { group in
            for (i, p) in providers.enumerated() {
                group.addTask {
                    let a = await blocking { () -> MetadataAnswer? in
                        switch p {
                        case .aws: return CloudMetadata.aws(base, deadline: metaDeadline, heard: heard)
                        case .gcp: return CloudMetadata.gcp(base, deadline: metaDeadline, heard: heard)
                        case .azure: return CloudMetadata.azure(base, deadline: metaDeadline, heard: heard)
                        default: return nil
                        }
                    }
                    return (i, a)
                }
            }
            var all: [(Int, MetadataAnswer?)] = []
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }.compactMap(\.1).first
        }
    }

    /// Binding requests from one socket to up to three servers, plus the first server's
    /// OTHER-ADDRESS when it has one (a different destination on the same server, as RFC 5780
    /// test III): different mapped endpoints mean endpoint-dependent mapping.
    func mappingCheck() async -> MappingCheck {
        var targets: [TransportAddress] = []
        for name in servers.prefix(3) {
            if let a = await STUNHelper.resolveServer(name), !targets.contains(a) { targets.append(a) }
        }
        guard !targets.isEmpty else { return .unknown("no STUN server resolved") }
        guard let socket = try? UDPSocket(family: .ipv4) else { return .unknown("no socket") }
        defer { socket.close() }
        let d = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        var stats = TransactionStats()
        let first = await runTransactions(targets.map { TransactionSpec(destination: $0, sendOffsets: Schedule.firstContact, deadline: d) },
                                          on: socket, clock: clock, stats: &stats, serverText: serverText)
        var mapped = first.compactMap { $0.answer?.mapped }
        if let a = first.compactMap(\.answer).first, let other = a.other, !targets.contains(other) {
            let d2 = min(deadline, Deadline.after(seconds: 1.0, clock: clock))
            let second = await runTransactions([TransactionSpec(destination: other, sendOffsets: Schedule.known(rtt: max(0.001, a.rttMs / 1000)), deadline: d2)],
                                               on: socket, clock: clock, stats: &stats, serverText: serverText)
            if let m = second[0].answer?.mapped { mapped.append(m) }
        }
        guard let m0 = mapped.first else { return .unknown("no STUN server answered") }
        if STUNHelper.localAddresses().contains(m0.ip) { return .noNAT(m0) }
        guard mapped.count >= 2 else { return .unknown("only one destination answered") }
        if Set(mapped).count == 1 { return .independent(m0, destinations: mapped.count) }
        return .dependent(mapped)
    }
}
