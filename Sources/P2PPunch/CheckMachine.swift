import STUNCodec

/// Timing of the checks. Defaults suit a diagnostic: a proven path in well under a second when
/// both sides run, and at most `deadline` seconds when none exists.
public struct PunchConfig: Sendable, Equatable {
    /// Give up after this many seconds without a proven path (the other side may start later
    /// within it).
    public var deadline: Double = 15
    /// Minimum gap between any two checks this side sends (RFC 8445 section 14.2, Ta).
    public var pace: Double = 0.02
    /// Gap between checks to one pair during the first `fastPhase` seconds, then `slowInterval`.
    public var interval: Double = 0.1
    public var fastPhase: Double = 3
    public var slowInterval: Double = 0.25
    /// After proving a path, keep answering (and telling the peer) this long unless the peer says
    /// it has proven its side too.
    public var linger: Double = 1.5

    public init(deadline: Double = 15) { self.deadline = deadline }
}

/// One datagram to send.
public struct Outgoing: Sendable, Equatable {
    public var bytes: [UInt8]
    public var to: TransportAddress
}

/// Counters of what was ignored (RFC 8445 section 7.3: checks that fail authentication are dropped).
public struct IgnoredCounts: Sendable, Equatable, Codable {
    /// Checks or answers whose MESSAGE-INTEGRITY was missing or wrong.
    public var badIntegrity = 0
    /// Checks for a USERNAME that is not this session's.
    public var unknownUsername = 0
    /// Not STUN, or not decodable.
    public var malformed = 0
    /// Answers to no check of ours (late STUN server answers, duplicates).
    public var stray = 0
    public init() {}
    public var total: Int { badIntegrity + unknownUsername + malformed + stray }
}

/// One remote address being checked (with one socket, a pair is this side's socket and a remote
/// candidate; RFC 8445 section 6.1.2.4 prunes pairs that share a local base).
public struct PairState: Sendable, Equatable {
    public var remote: Candidate
    public var checksSent = 0
    public var lastSent: UInt64?
    /// Authentic answers to our checks from exactly this address (our packets get there and back).
    public var answers = 0
    /// Authentic checks that came from this address (the peer's packets get here).
    public var checksReceived = 0
    /// Best round trip of an answered check, ms.
    public var rttMs: Double?
    /// Our address as the peer saw it (XOR-MAPPED-ADDRESS of the answer).
    public var seenAs: TransportAddress?
    public var provenAtNanos: UInt64?

    public var succeeded: Bool { answers > 0 && checksReceived > 0 }
}

/// The checks as a pure state machine (RFC 8445 section 6 ideas, one component, one socket): time
/// comes in as a parameter, packets come in and go out as values, so tests drive it with an
/// injected clock and no network.
public struct CheckMachine: Sendable {
    public enum Phase: Sendable, Equatable {
        case checking
        /// A pair succeeded both ways at `at`; lingering so the peer can prove its side.
        case proven(pair: Int, at: UInt64)
        case done
    }

    public let credentials: CheckCredentials
    public let config: PunchConfig
    public let start: UInt64
    public private(set) var pairs: [PairState] = []
    public private(set) var phase: Phase = .checking
    public private(set) var ignored = IgnoredCounts()
    /// The peer said (USE-CANDIDATE) it has proven a path.
    public private(set) var peerProven = false
    /// When the first authentic packet from the peer arrived.
    public private(set) var firstFromPeer: UInt64?
    public private(set) var provenPair: Int?
    public private(set) var provenAt: UInt64?

    private var pending: [TransactionID: (pair: Int, sentAt: UInt64)] = [:]
    private var nextSendAt: UInt64
    private var cursor = 0
    private var nominationsSent = 0
    private let ownAddresses: Set<TransportAddress>
    private var newID: @Sendable () -> TransactionID

    public init(credentials: CheckCredentials, localAddresses: Set<TransportAddress> = [], config: PunchConfig = PunchConfig(),
                start: UInt64, newID: @escaping @Sendable () -> TransactionID = { .random() }) {
        self.credentials = credentials
        self.config = config
        self.start = start
        self.nextSendAt = start
        self.newID = newID
        self.ownAddresses = localAddresses.union(credentials.local.candidates.map(\.address))
        for c in credentials.peer.candidates where !ownAddresses.contains(c.address)
            && !pairs.contains(where: { $0.remote.address == c.address }) {
            pairs.append(PairState(remote: c))
        }
    }

    var deadlineNanos: UInt64 { start &+ UInt64(config.deadline * 1e9) }

    public var isDone: Bool { phase == .done }

    /// When `poll` next has something to do.
    public var nextWake: UInt64 {
        switch phase {
        case .done: return start
        case .proven(_, let at):
            // Lingering may outlast the deadline by at most `linger`: the path is already proven.
            return min(nextSendAt, at &+ UInt64(config.linger * 1e9))
        case .checking:
            return min(nextSendAt, deadlineNanos)
        }
    }

    /// Pairs with at least one check sent.
    public var pairsTried: Int { pairs.filter { $0.checksSent > 0 }.count }

    /// Sends what is due at `now`: at most one check per `pace`.
    public mutating func poll(now: UInt64) -> [Outgoing] {
        switch phase {
        case .done: return []
        case .proven(let p, let at):
            if (peerProven && nominationsSent > 0) || now >= at &+ UInt64(config.linger * 1e9) {
                phase = .done
                return []
            }
            guard now >= nextSendAt else { return [] }
            nextSendAt = now &+ UInt64(max(config.pace, 0.05) * 1e9)
            nominationsSent += 1
            return [check(pair: p, now: now, nominate: true)]
        case .checking:
            if now >= deadlineNanos {
                phase = .done
                return []
            }
            guard !pairs.isEmpty else {
                nextSendAt = deadlineNanos  // nothing to try until a peer's check teaches an address
                return []
            }
            guard now >= nextSendAt else { return [] }
            let interval = UInt64((Double(now &- start) / 1e9 < config.fastPhase ? config.interval : config.slowInterval) * 1e9)
            var chosen: Int?
            for k in 0..<pairs.count {
                let i = (cursor + k) % pairs.count
                if let last = pairs[i].lastSent, now &- last < interval { continue }
                chosen = i
                cursor = (i + 1) % pairs.count
                break
            }
            guard let i = chosen else {
                // Nothing due: wake when the oldest pair's interval ends.
                let due = pairs.compactMap(\.lastSent).min().map { $0 &+ interval } ?? now
                nextSendAt = max(due, now &+ UInt64(config.pace * 1e9))
                return []
            }
            nextSendAt = now &+ UInt64(config.pace * 1e9)
            return [check(pair: i, now: now, nominate: false)]
        }
    }

    private mutating func check(pair i: Int, now: UInt64, nominate: Bool) -> Outgoing {
        let id = newID()
        pending[id] = (i, now)
        if pending.count > 4096 {  // bounded: forget checks older than 5 s
            pending = pending.filter { now &- $0.value.sentAt < 5_000_000_000 }
        }
        pairs[i].checksSent += 1
        pairs[i].lastSent = now
        return Outgoing(bytes: credentials.request(id: id, nominate: nominate), to: pairs[i].remote.address)
    }

    /// Handles one datagram that arrived on the socket at `now`; returns the answers and
    /// triggered checks to send.
    public mutating func receive(_ bytes: [UInt8], from source: TransportAddress, now: UInt64) -> [Outgoing] {
        guard phase != .done else { return [] }
        guard let message = try? STUNMessage.decode(bytes), !message.isLegacy else {
            ignored.malformed += 1
            return []
        }
        switch message.type {
        case .bindingRequest:
            var username: String?
            for case .username(let u) in message.attributes { username = u; break }
            guard username == credentials.incomingUsername else {
                ignored.unknownUsername += 1
                return []
            }
            guard credentials.authentic(bytes) else {
                ignored.badIntegrity += 1
                return []
            }
            if firstFromPeer == nil { firstFromPeer = now }
            if message.attributes.contains(where: { $0.type == CheckCredentials.useCandidate }) { peerProven = true }
            var out = [Outgoing(bytes: credentials.response(to: message.transactionID, source: source), to: source)]
            // Peer-reflexive learning (RFC 8445 section 7.3.1.3): a check from an address we did
            // not know is a new remote candidate.
            let i: Int
            if let known = pairs.firstIndex(where: { $0.remote.address == source }) {
                i = known
            } else {
                pairs.append(PairState(remote: Candidate(.peerReflexive, source)))
                i = pairs.count - 1
                nextSendAt = min(nextSendAt, now)
            }
            pairs[i].checksReceived += 1
            if phase == .checking {
                if pairs[i].answers == 0 || pairs[i].lastSent == nil {
                    // Triggered check (section 7.3.1.4): send back at once.
                    out.append(check(pair: i, now: now, nominate: false))
                }
                prove(i, now: now)
            }
            return out
        case .bindingSuccess:
            guard let sent = pending[message.transactionID] else {
                ignored.stray += 1
                return []
            }
            guard credentials.authentic(bytes) else {
                ignored.badIntegrity += 1
                return []
            }
            // Section 7.2.5.2.1: the answer must come from where the check went.
            guard pairs[sent.pair].remote.address == source else {
                ignored.stray += 1
                return []
            }
            pending[message.transactionID] = nil
            if firstFromPeer == nil { firstFromPeer = now }
            let rtt = Double(now &- sent.sentAt) / 1e6
            pairs[sent.pair].answers += 1
            pairs[sent.pair].rttMs = min(pairs[sent.pair].rttMs ?? rtt, rtt)
            pairs[sent.pair].seenAs = message.xorMappedAddress ?? pairs[sent.pair].seenAs
            if phase == .checking { prove(sent.pair, now: now) }
            return []
        default:
            ignored.stray += 1
            return []
        }
    }

    private mutating func prove(_ i: Int, now: UInt64) {
        guard pairs[i].succeeded, phase == .checking else { return }
        pairs[i].provenAtNanos = now
        provenPair = i
        provenAt = now
        phase = .proven(pair: i, at: now)
        nextSendAt = now  // tell the peer at once
    }
}
