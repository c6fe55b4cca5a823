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
    /// What happened, as a stable code (nil only before the diagnosis).
    @Nullable public var code: PunchCode?
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
    /// The proven path measured after proving it (see PathQuality); null when not measured.
    @Nullable public var quality: PathQuality?

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
        self.code = nil
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
        self.quality = nil
    }

    /// The flat section the saved report carries (docs/report-schema.md, `punch`).
    public var section: PunchSection {
        PunchSection(direct: direct, localEndpoint: localEndpoint, remoteEndpoint: remoteEndpoint, rttMs: rttMs,
                     elapsedMs: elapsedMs, pairsTried: pairsTried, code: code, reason: reason, fix: fix,
                     localMapping: localMapping, peerMapping: peerMapping, quality: quality)
    }

    /// The headline line of the text output.
    public var headline: String { Pages.punchHeadline(section, deadlineSeconds: deadlineSeconds) }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }
}

/// Builds the result from the finished machine, the two codes and what gathering saw, and decides
/// what happened as a `PunchCode` (pure); Content/PunchWords.swift says it.
public enum Diagnosis {
    /// `quality`: the proven path's measurement, when it ran; a path too small for QUIC changes the code.
    public static func result(machine m: CheckMachine, gathered stunEvidence: [String], localHint: MappingHint,
                              quality: PathQuality? = nil) -> PunchResult {
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
            r.quality = quality
            if let q = quality, q.quicWouldFail {
                func size(_ v: Int?, _ tried: Bool) -> String { v.map { "\($0) bytes" } ?? (tried ? "under 1200 bytes" : "not measured") }
                r.say(PunchDiagnosis(.quicWouldFail, localRole: local.role.role, peerRole: peer.role.role,
                                     parameters: ["out": size(q.outboundMaxBytes, q.outboundSizesTried),
                                                  "in": size(q.inboundMaxBytes, q.inboundSizesTried)]))
            } else {
                r.say(path(pair, local: local, peer: peer))
            }
            return r
        }
        r.say(failure(m, localHint: localHint))
        return r
    }

    /// How the proven path came about.
    static func path(_ pair: PairState, local: ConnectionCode, peer: ConnectionCode) -> PunchDiagnosis {
        let roles = (local.role.role, peer.role.role)
        // IPv6 first: no NAT on that path, whatever address the peer's checks came from.
        if !pair.remote.address.ip.isIPv4 {
            return PunchDiagnosis(.ipv6Path, localRole: roles.0, peerRole: roles.1)
        }
        if pair.remote.kind != .host, let seen = pair.seenAs, !local.candidates.contains(where: { $0.address == seen }) {
            return PunchDiagnosis(.newMappingHere, localRole: roles.0, peerRole: roles.1, parameters: ["seen": "\(seen)"])
        }
        switch pair.remote.kind {
        case .host: return PunchDiagnosis(.lanPath, localRole: roles.0, peerRole: roles.1)
        case .serverReflexive: return PunchDiagnosis(.serverReflexive, localRole: roles.0, peerRole: roles.1)
        case .peerReflexive: return PunchDiagnosis(.peerReflexive, localRole: roles.0, peerRole: roles.1)
        }
    }

    /// Why no path was proven, tied to the step that explains it.
    static func failure(_ m: CheckMachine, localHint: MappingHint) -> PunchDiagnosis {
        let local = m.credentials.local, peer = m.credentials.peer
        func d(_ c: PunchCode, _ p: [String: String] = [:]) -> PunchDiagnosis {
            PunchDiagnosis(c, localRole: local.role.role, peerRole: peer.role.role, parameters: p)
        }
        let received = m.pairs.reduce(0) { $0 + $1.checksReceived }
        let answers = m.pairs.reduce(0) { $0 + $1.answers }
        let localPublic = local.candidates.first { $0.kind == .serverReflexive }?.address.ip
        let peerPublic = peer.candidates.first { $0.kind == .serverReflexive }?.address.ip
        if localHint == .noSTUN { return d(.udpBlockedHere) }
        if peer.hint == .noSTUN { return d(.udpBlockedPeer) }
        if localHint == .varies && peer.hint == .varies { return d(.symmetricBoth) }
        if localHint == .varies { return d(.symmetricHere) }
        if peer.hint == .varies { return d(.symmetricPeer) }
        if let a = localPublic, let b = peerPublic, a == b { return d(.sharedAddress, ["address": "\(a)"]) }
        if received == 0 && answers == 0 { return d(.nothingArrived, ["deadline": PunchResult.seconds(m.config.deadline)]) }
        if received > 0 && answers == 0 { return d(.peerFilters) }
        return d(.hereFilters)
    }
}

extension PunchResult {
    /// Takes the diagnosis's code and its words.
    mutating func say(_ d: PunchDiagnosis) {
        code = d.code
        reason = d.reason
        fix = d.fix
    }
}

extension CodeRole {
    /// The report's name for this role.
    var role: Role {
        switch self {
        case .client: return .client
        case .connector: return .connector
        case .unknown: return .unknown
        }
    }
}
