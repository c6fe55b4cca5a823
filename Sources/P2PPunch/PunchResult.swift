import P2PReport
import STUNCodec

/// Everything `punch` found, flat: the `--json` object and the input of the diagnosis. Missing
/// values are JSON `null` (the key is always there).
public struct PunchResult: Codable, Sendable, Equatable {
    /// A pair succeeded in both directions: a direct path is proven.
    public var direct: Bool
    /// This side's endpoint on the proven path, as the peer saw it (nil without a path).
    @Nullable public var localEndpoint: String?
    /// The peer's endpoint on the proven path.
    @Nullable public var remoteEndpoint: String?
    /// Kind of the peer's endpoint on the path: host, srflx or prflx.
    @Nullable public var remoteKind: String?
    /// Round trip of a check on the proven path, ms.
    @Nullable public var rttMs: Double?
    /// Milliseconds from the start of the checks to the proven path.
    @Nullable public var elapsedMs: Int?
    /// Candidate pairs this side sent checks on.
    public var pairsTried: Int
    /// One sentence: what happened and the step that explains it.
    public var reason: String
    /// What to change first (nil when a path is proven).
    @Nullable public var fix: String?
    /// The check deadline, seconds.
    public var deadlineSeconds: Double
    /// This side's candidates and the peer's, "kind address:port".
    public var localCandidates: [String]
    public var remoteCandidates: [String]
    /// Mapping hints (see MappingHint): this side's and the one the peer's code carried.
    public var localMapping: String
    public var peerMapping: String
    /// What each STUN server saw for the punching socket.
    public var stunEvidence: [String]
    /// Checks sent, authentic checks received from the peer, authentic answers received.
    public var checksSent: Int
    public var checksReceived: Int
    public var answersReceived: Int
    /// Packets ignored: bad or missing MESSAGE-INTEGRITY, unknown USERNAME, malformed, stray.
    public var ignored: IgnoredCounts
    /// Per pair: "kind address:port sent N, answered N, checks from it N".
    public var pairs: [String]

    public init(direct: Bool, localEndpoint: String? = nil, remoteEndpoint: String? = nil, remoteKind: String? = nil,
                rttMs: Double? = nil, elapsedMs: Int? = nil, pairsTried: Int = 0, reason: String = "", fix: String? = nil,
                deadlineSeconds: Double = 15, localCandidates: [String] = [], remoteCandidates: [String] = [],
                localMapping: String = "unknown", peerMapping: String = "unknown", stunEvidence: [String] = [],
                checksSent: Int = 0, checksReceived: Int = 0, answersReceived: Int = 0,
                ignored: IgnoredCounts = IgnoredCounts(), pairs: [String] = []) {
        self.direct = direct
        self.localEndpoint = localEndpoint
        self.remoteEndpoint = remoteEndpoint
        self.remoteKind = remoteKind
        self.rttMs = rttMs
        self.elapsedMs = elapsedMs
        self.pairsTried = pairsTried
        self.reason = reason
        self.fix = fix
        self.deadlineSeconds = deadlineSeconds
        self.localCandidates = localCandidates
        self.remoteCandidates = remoteCandidates
        self.localMapping = localMapping
        self.peerMapping = peerMapping
        self.stunEvidence = stunEvidence
        self.checksSent = checksSent
        self.checksReceived = checksReceived
        self.answersReceived = answersReceived
        self.ignored = ignored
        self.pairs = pairs
    }

    /// The flat section the saved report carries (docs/report-schema.md, `punch`).
    public var section: PunchSection {
        PunchSection(direct: direct, localEndpoint: localEndpoint, remoteEndpoint: remoteEndpoint, rttMs: rttMs,
                     elapsedMs: elapsedMs, pairsTried: pairsTried, reason: reason, fix: fix,
                     localMapping: localMapping, peerMapping: peerMapping)
    }

    /// The headline line of the text output.
    public var headline: String { Pages.punchHeadline(section, deadlineSeconds: deadlineSeconds) }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }
}

/// Builds the result from the finished machine, the two codes and what gathering saw, and names
/// the step that explains a failure (pure).
public enum Diagnosis {
    public static func result(machine m: CheckMachine, gathered stunEvidence: [String], localHint: MappingHint) -> PunchResult {
        let local = m.credentials.local, peer = m.credentials.peer
        var r = PunchResult(direct: false, deadlineSeconds: m.config.deadline)
        r.pairsTried = m.pairsTried
        r.localCandidates = local.candidates.map { "\($0.kind.label) \($0.address)" }
        r.remoteCandidates = peer.candidates.map { "\($0.kind.label) \($0.address)" }
        r.localMapping = localHint.label
        r.peerMapping = peer.hint.label
        r.stunEvidence = stunEvidence
        r.checksSent = m.pairs.reduce(0) { $0 + $1.checksSent }
        r.checksReceived = m.pairs.reduce(0) { $0 + $1.checksReceived }
        r.answersReceived = m.pairs.reduce(0) { $0 + $1.answers }
        r.ignored = m.ignored
        r.pairs = m.pairs.map {
            "\($0.remote.kind.label) \($0.remote.address): sent \($0.checksSent), answered \($0.answers), checks from it \($0.checksReceived)"
        }
        if let p = m.provenPair, let at = m.provenAt {
            let pair = m.pairs[p]
            r.direct = true
            r.localEndpoint = pair.seenAs.map { "\($0)" }
            r.remoteEndpoint = "\(pair.remote.address)"
            r.remoteKind = pair.remote.kind.label
            r.rttMs = pair.rttMs.map { ($0 * 10).rounded() / 10 }
            r.elapsedMs = Int((at &- m.start) / 1_000_000)
            r.reason = pathReason(pair, local: local)
            return r
        }
        (r.reason, r.fix) = failure(m, localHint: localHint)
        return r
    }

    static func pathReason(_ pair: PairState, local: ConnectionCode) -> String {
        if pair.remote.kind != .host, let seen = pair.seenAs, !local.candidates.contains(where: { $0.address == seen }) {
            return "this side's NAT gave the path a port its code did not announce (\(seen), a new mapping per destination), and the peer learned it from this side's checks (peer-reflexive) and answered there"
        }
        switch pair.remote.kind {
        case .host:
            return "the peer's private address answered: both sides share a network (the LAN path; no NAT crossed)"
        case .serverReflexive:
            return "each side reached the other's public endpoint as STUN saw it: the NATs keep their mappings (hole punching works)"
        case .peerReflexive:
            return "the peer's checks came from a port its code did not announce (its NAT mapped a new one) and this side answered there: works thanks to peer-reflexive learning"
        }
    }

    static func side(_ role: CodeRole, own: Bool) -> String {
        switch role {
        case .client: return own ? "this side (the Client)" : "the peer (the Client)"
        case .connector: return own ? "this side (the Connector)" : "the peer (the Connector)"
        case .unknown: return own ? "this side" : "the peer's side"
        }
    }

    /// The reason for no path, tied to the step that explains it, and the first thing to change.
    static func failure(_ m: CheckMachine, localHint: MappingHint) -> (String, String) {
        let local = m.credentials.local, peer = m.credentials.peer
        let me = side(local.role, own: true), them = side(peer.role, own: false)
        let received = m.pairs.reduce(0) { $0 + $1.checksReceived }
        let answers = m.pairs.reduce(0) { $0 + $1.answers }
        let localPublic = local.candidates.first { $0.kind == .serverReflexive }?.address.ip
        let peerPublic = peer.candidates.first { $0.kind == .serverReflexive }?.address.ip
        if localHint == .noSTUN {
            return ("UDP blocked on \(me): no STUN server answered from here, so no UDP gets out",
                    "allow outbound UDP to any port of any public IP address on \(me)")
        }
        if peer.hint == .noSTUN {
            return ("UDP blocked on \(them): its code says no STUN server answered there",
                    "allow outbound UDP to any port of any public IP address on \(them)")
        }
        if localHint == .varies && peer.hint == .varies {
            return ("symmetric NAT on both sides: each NAT gives every destination a new public port, so neither side can aim at the other",
                    "give one side (the Connector first) a NAT with endpoint-independent mapping or a public address")
        }
        if localHint == .varies || peer.hint == .varies {
            let sym = localHint == .varies ? me : them
            let other = localHint == .varies ? them : me
            return ("symmetric NAT on \(sym): its packets reach \(other) from a port nobody announced, and \(other) only lets in packets from the exact address and port it sent to (port-restricted filtering)",
                    "give \(sym) a NAT with endpoint-independent mapping (or a public address); or let \(other)'s NAT/firewall accept replies from any port of that address")
        }
        if let a = localPublic, let b = peerPublic, a == b {
            return ("both sides leave through the same public address \(a) (one NAT), and neither the private addresses nor the public one (hairpin) got through",
                    "enable NAT loopback/hairpin on that router, or put both machines on one LAN segment")
        }
        if received == 0 && answers == 0 {
            return ("nothing from the peer arrived in \(PunchResult.seconds(m.config.deadline)) s: either it did not run `p2ptui punch` with this side's code in time, or a firewall on both paths drops unsolicited UDP",
                    "run punch on both sides within \(PunchResult.seconds(m.config.deadline)) s of each other; if it still fails, allow inbound UDP replies (stateful) on both firewalls")
        }
        if received > 0 && answers == 0 {
            return ("one way only: the peer's checks arrive here, but nothing this side sends gets an answer: \(them)'s NAT or firewall drops packets from this side (filtering)",
                    "let \(them)'s NAT/firewall accept UDP from addresses it has sent to (endpoint-independent or address-dependent filtering)")
        }
        return ("one way only: this side's checks are answered but the peer's own checks never arrive: \(me)'s NAT or firewall drops unsolicited packets (filtering)",
                "let \(me)'s NAT/firewall accept UDP from addresses it has sent to")
    }
}
