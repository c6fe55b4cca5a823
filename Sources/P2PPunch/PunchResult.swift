import P2PReport
import STUNCodec

/// Everything `punch` found, flat: the `--json` object and the input of the diagnosis. The fields
/// the saved report keeps are its `section` (read and written through it, `r.direct`); the rest
/// say how the checks went. Both encode into one flat JSON object; missing values are JSON `null`
/// (the key is always there).
@dynamicMemberLookup
public struct PunchResult: Codable, Sendable, Equatable {
    /// What the saved report carries (docs/report-schema.md, `punch`).
    public var section: PunchSection
    /// How the checks went, beyond the section.
    public var details: PunchDetails

    /// No path proven yet, checks that end after `deadlineSeconds`.
    public init(deadlineSeconds: Double) {
        section = PunchSection(direct: false)
        details = PunchDetails(deadlineSeconds: deadlineSeconds)
    }

    public init(from decoder: any Decoder) throws {
        section = try PunchSection(from: decoder)
        details = try PunchDetails(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try section.encode(to: encoder)
        try details.encode(to: encoder)
    }

    public subscript<T>(dynamicMember field: WritableKeyPath<PunchSection, T>) -> T {
        get { section[keyPath: field] }
        set { section[keyPath: field] = newValue }
    }

    public subscript<T>(dynamicMember field: WritableKeyPath<PunchDetails, T>) -> T {
        get { details[keyPath: field] }
        set { details[keyPath: field] = newValue }
    }

    /// The headline line of the text output.
    public var headline: String { Pages.punchHeadline(section, deadlineSeconds: details.deadlineSeconds) }

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
        var r = PunchResult(deadlineSeconds: m.config.deadline)
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

/// What `punch` saw beyond the report's section: candidates, counters and the STUN answers.
public struct PunchDetails: Codable, Sendable, Equatable {
    /// Kind of the peer's endpoint on the proven path: host, srflx or prflx.
    @Nullable public var remoteKind: String?
    /// The check deadline, seconds.
    public var deadlineSeconds: Double
    /// This side's candidates and the peer's, "kind address:port".
    public var localCandidates: [String] = []
    public var remoteCandidates: [String] = []
    /// What each STUN server saw for the punching socket.
    public var stunEvidence: [String] = []
    /// Checks sent, authentic checks received from the peer, authentic answers received.
    public var checksSent = 0
    public var checksReceived = 0
    public var answersReceived = 0
    /// Packets ignored: bad or missing MESSAGE-INTEGRITY, unknown USERNAME, malformed, stray.
    public var ignored = IgnoredCounts()
    /// Per pair: "kind address:port sent N, answered N, checks from it N".
    public var pairs: [String] = []

    public init(deadlineSeconds: Double) {
        self.deadlineSeconds = deadlineSeconds
    }
}

extension PunchResult {
    /// Takes the diagnosis's code and its words.
    mutating func say(_ d: PunchDiagnosis) {
        section.code = d.code
        section.reason = d.reason
        section.fix = d.fix
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
