import Foundation
import P2PReport
import P2PSocket
import STUNCodec

/// What the answers of one egress-mode server showed: its range, and how many requests it took
/// (answers / requests until the first answer is the estimated chance one exchange succeeds).
public struct EgressServerSeen: Sendable, Equatable {
    public var info: EgressMarker.Info
    /// Requests sent to its answered ports up to (and including) the answered one.
    public var requests: Int
    /// Ports that answered.
    public var answers: Int
    /// Ports of its range probed in this run, answered or silent. Any of them could have lost every
    /// request by chance, so the test below is made for all of them at once: counting only the
    /// silent ones called one drop in about 25 runs of 38 ports at 30 % loss each way.
    public var testedPorts: Int

    public init(info: EgressMarker.Info, requests: Int, answers: Int, testedPorts: Int = 1) {
        self.info = info
        self.requests = requests
        self.answers = answers
        self.testedPorts = testedPorts
    }

    /// Estimated chance that one request/answer exchange gets through.
    public var exchangeSuccess: Double { requests > 0 ? min(1, Double(answers) / Double(requests)) : 0 }

    /// Silence after `sends` requests is called a drop only when losing all of them by chance, at
    /// the loss the answered ports showed, is below 1 in 1000 for all the run's probed ports together
    /// (Bonferroni); otherwise it may be loss and proves nothing.
    public static let dropConfidence = 0.001
    /// And never on fewer requests than this (the overall deadline may cut a port's tries short).
    public static let minimumSends = 5
    public func silenceIsDrop(sends: Int) -> Bool {
        sends >= Self.minimumSends && pow(1 - exchangeSuccess, Double(sends)) < Self.dropConfidence / Double(max(1, testedPorts))
    }
}

/// What happened to the datagrams sent to one egress target (no judgement yet).
public enum EgressOutcome: Sendable, Equatable {
    /// A STUN success response with our transaction ID came back.
    case stunAnswer(mapped: TransportAddress, rttMs: Double)
    /// An egress-mode server answered, naming itself and its port range (`EgressMarker`).
    /// `answeredSend`: which request (1-based; each has its own transaction ID) the first answer
    /// was for, so the ones before it were lost: the loss estimate silence is judged against.
    case egressAnswer(mapped: TransportAddress, rttMs: Double, server: EgressMarker.Info, answeredSend: Int = 1)
    /// Not probed (a random-sample port whose host never answered as an egress server).
    case skipped(String)
    /// Some other datagram came back from the destination (a connected socket only receives from
    /// its peer): the packet arrived.
    case otherReply(bytes: Int)
    /// An ICMP error about our datagram (IP_RECVERR report).
    case icmp(ICMPErrorReport)
    /// ECONNREFUSED without an error-queue report: the destination (presumably) said port unreachable.
    case refused
    /// The local kernel refused the send: EPERM/EACCES, a netfilter drop or reject on OUTPUT.
    case blockedLocally(String)
    /// The local routing table has no route (ENETUNREACH/EHOSTUNREACH on connect or send).
    case noRoute(String)
    /// The host name did not resolve.
    case dnsFailure(String)
    /// Nothing came back after `sends` transmissions.
    case silent(sends: Int)
    /// ICMP-aware target silent although the same host had answered `answeredPort` and answered it
    /// again right after (control re-probe): this port's packets are dropped, or the host drops
    /// them itself; not the host's ICMP rate limit.
    case silentWhileHostAnswered(answeredPort: UInt16, sends: Int)
    /// ICMP-aware target silent after the same host answered `answeredPort`, and a control re-probe
    /// of that port was silent too: the host's ICMP rate limit, not evidence of a drop. `sends` 0:
    /// not probed, since the host's budget was spent.
    case rateLimited(answeredPort: UInt16, sends: Int)
    /// Anything else (socket creation failed, ...).
    case error(String)
}

extension EgressOutcome {
    /// The destination answered (STUN, another datagram, or a port-unreachable from itself).
    var isAnswer: Bool {
        switch self {
        case .stunAnswer, .egressAnswer, .otherReply, .refused: return true
        case .icmp(let r): return r.isPortUnreachable
        default: return false
        }
    }

    /// Requests sent without an answer (0 for answers and local failures).
    var silentSends: Int {
        if case .silent(let n) = self { return n }
        return 0
    }

    /// Answered by an ICMP error (spends the host's rate-limit budget).
    var isICMPAnswer: Bool {
        switch self {
        case .refused: return true
        case .icmp(let r): return r.isPortUnreachable
        default: return false
        }
    }
}

/// One target and what happened to it.
public struct EgressObservation: Sendable, Equatable {
    public var target: EgressTarget
    /// The address probed, nil when resolution failed.
    public var address: TransportAddress?
    public var outcome: EgressOutcome

    public init(target: EgressTarget, address: TransportAddress?, outcome: EgressOutcome) {
        self.target = target
        self.address = address
        self.outcome = outcome
    }
}

/// Firewall rules read from this host (evidence only, never used to decide a port's fate).
public struct FirewallEvidence: Sendable, Equatable {
    /// Quoted rules that drop or reject outbound UDP.
    public var rules: [String]
    /// What could and could not be read ("nft: not permitted", "firewalld is running").
    public var notes: [String]

    public init(rules: [String] = [], notes: [String] = []) {
        self.rules = rules
        self.notes = notes
    }
}

/// Turns egress observations into the report's UDP section. Pure.
public enum EgressClassifier {
    /// Per-observation verdict: reach plus the failure name used in `UDPSection.failures`.
    public static func judge(_ o: EgressObservation) -> (reach: PortReach, failure: PortFailure?, text: String) {
        judge(o, egressServers: [:])
    }

    /// As `judge(_:egressServers:)` with only the servers' ranges (no loss seen).
    public static func judge(_ o: EgressObservation, egressServers: [String: EgressMarker.Info]) -> (reach: PortReach, failure: PortFailure?, text: String) {
        judge(o, seen: egressServers.mapValues { EgressServerSeen(info: $0, requests: 1, answers: 1) })
    }

    /// As `judge(_:)`, knowing which hosts answered as egress servers (host -> what they said): on
    /// such a host, silence on a port of its range follows answers on others, so it is a drop.
    public static func judge(_ o: EgressObservation, seen egressServers: [String: EgressServerSeen]) -> (reach: PortReach, failure: PortFailure?, text: String) {
        var name = "port \(o.target.port) \(o.target.hostPort)"
        if let a = o.address, "\(a.ip)" != o.target.host { name += " (\(a))" }
        switch o.outcome {
        case let .stunAnswer(mapped, rtt):
            return (.reached, nil, "\(name): STUN answered in \(formatMs(rtt)) ms (public \(mapped))")
        case let .egressAnswer(mapped, rtt, _, _):
            return (.reached, nil, "\(name): the egress server answered in \(formatMs(rtt)) ms (public \(mapped))")
        case let .skipped(why):
            return (.unknown, nil, "\(name): not probed: \(why)")
        case let .otherReply(n):
            return (.reached, nil, "\(name): the destination replied (\(n) bytes)")
        case .refused:
            return (.reached, nil, "\(name): port unreachable (ECONNREFUSED): the packet arrived, the port is closed")
        case let .icmp(r):
            let from = r.offender.map { " from \($0)" } ?? ""
            let what = "ICMP \(icmpName(r))\(from)"
            if r.isPortUnreachable && (r.offender == nil || r.offender == o.address?.ip) {
                return (.reached, nil, "\(name): \(what): the packet reached the host (port closed)")
            }
            if r.origin != ICMPErrorReport.originICMP && r.origin != ICMPErrorReport.originICMP6 {
                return (.blocked, .noRoute, "\(name): local error \(what) (errno \(r.errno))")
            }
            if isProhibited(r) {
                return (.blocked, .icmpProhibited, "\(name): \(what): a firewall refused it")
            }
            if r.isPortUnreachable {
                return (.blocked, .icmpUnreachable, "\(name): \(what), not from the destination: a firewall on the way rejects it")
            }
            return (.blocked, .icmpUnreachable, "\(name): \(what)")
        case let .blockedLocally(d):
            return (.blocked, .blockedLocally, "\(name): this host's firewall refused the send (\(d))")
        case let .noRoute(d):
            return (.blocked, .noRoute, "\(name): no route (\(d))")
        case let .dnsFailure(d):
            return (.unknown, .dnsFailure, "\(name): \(d)")
        case let .silent(sends):
            if o.target.method == .egressServer, let seen = egressServers[o.target.host] {
                let info = seen.info
                if info.range.contains(o.target.port) {
                    if seen.silenceIsDrop(sends: sends) {
                        return (.blocked, .silentDrop, "\(name): no answer after \(sends) requests, though this egress server answered on other ports of its range \(info.range.lowerBound)-\(info.range.upperBound): dropped on the way")
                    }
                    let lost = Int(((1 - seen.exchangeSuccess) * 100).rounded())
                    return (.unknown, .silentDrop, "\(name): no answer after \(sends) requests, but about \(lost)% of requests to this egress server's other ports were lost, so this may be loss, not a block")
                }
                return (.unknown, .outsideEgressRange, "\(name): no answer and no ICMP after \(sends) requests; outside the egress server's range \(info.range.lowerBound)-\(info.range.upperBound), so this proves nothing")
            }
            if o.target.method == .stun, sends < NATClassifier.blockedMinSends {
                return (.unknown, .silentDrop, "\(name): no STUN answer after only \(sends) requests: too few to tell packet loss from a drop")
            }
            if o.target.method == .stun {
                return (.blocked, .silentDrop, "\(name): no STUN answer after \(sends) requests and no ICMP: dropped silently")
            }
            return (.unknown, .silentDrop, "\(name): no answer and no ICMP after \(sends) sends; nothing is known to listen there, so silence proves nothing")
        case let .silentWhileHostAnswered(q, sends):
            return (.unknown, .silentDrop, "\(name): no answer and no ICMP after \(sends) sends, while the same host answered port \(q) just before and just after: this port is dropped on the way or by the host (not proven blocked: nothing is known to listen there)")
        case let .rateLimited(q, sends):
            if sends == 0 {
                return (.unknown, .rateLimited, "\(name): not probed: the host rate-limits the ICMP errors it sends us (RFC 1812 section 4.3.2.8) and its budget for this run went to port \(q) and the ports before; another try would only spend it")
            }
            return (.unknown, .rateLimited, "\(name): silent after \(sends) sends, right after the host had answered port \(q) with ICMP and shown its budget spent (a re-probe of port \(q) silent too, or its first answer only after retries): the host rate-limits ICMP errors to us (RFC 1812 section 4.3.2.8); not evidence of blocking")
        case let .error(d):
            return (.unknown, .error, "\(name): \(d)")
        }
    }

    /// Combines every observation. Per port: reached if any target on it was reached, else blocked if
    /// any was proven blocked, else unknown. Status: open (every port reached), partial (some reached,
    /// some blocked), blocked (none reached, some blocked: a silent STUN port counts), unknown
    /// (nothing proven either way, e.g. only silent ICMP-aware ports).
    public static func classify(_ observations: [EgressObservation], firewall: FirewallEvidence = FirewallEvidence()) -> UDPSection {
        var section = UDPSection(status: .unknown)
        section.firewallRules = firewall.rules
        var byPort: [UDPPort: [(PortReach, PortFailure?)]] = [:]
        var lines: [String] = []
        let egressServers = serversSeen(observations)
        var skipped: [String] = []
        for o in observations {
            if case let .skipped(why) = o.outcome {
                if !skipped.contains(why) { skipped.append(why) }
                continue
            }
            let j = judge(o, seen: egressServers)
            byPort[UDPPort(o.target.port), default: []].append((j.reach, j.failure))
            lines.append(j.text)
        }
        for (port, js) in byPort {
            if js.contains(where: { $0.0 == .reached }) {
                section.ports[port] = .reached
            } else if let b = js.first(where: { $0.0 == .blocked }) {
                section.ports[port] = .blocked
                section.failures[port] = b.1
            } else {
                section.ports[port] = .unknown
                section.failures[port] = js.first(where: { $0.1 != nil })?.1
            }
        }
        // Ports left unproven only by a host's ICMP rate limit (that host proved other ports in
        // this very run) do not decide the status: the next run would get another share of the
        // same budget, and the answer must not change with it.
        let rateLimited = Set(byPort.keys.filter { section.failures[$0] == .rateLimited })
        // So are silent ports outside an egress server's range: nothing listens there to answer.
        let outside = Set(byPort.keys.filter { section.failures[$0] == .outsideEgressRange })
        let ports = byPort.keys.sorted().filter { !rateLimited.contains($0) && !outside.contains($0) }
        let reached = ports.filter { section.ports[$0] == .reached }
        let blocked = ports.filter { section.ports[$0] == .blocked }
        let unknown = ports.filter { section.ports[$0] == .unknown }
        if ports.isEmpty {
            section.status = .unknown
        } else if reached.count == ports.count {
            section.status = .open
        } else if !reached.isEmpty && !blocked.isEmpty {
            section.status = .partial
        } else if reached.isEmpty && !blocked.isEmpty {
            section.status = .blocked
        } else {
            section.status = .unknown
        }
        let summary = summaryParts(section, reached: reached, blocked: blocked, unknown: unknown,
                                   outside: outside, rateLimited: rateLimited)
        if !summary.isEmpty { section.evidence.append("UDP egress \(section.status.rawValue): " + summary.joined(separator: "; ")) }
        let sample = observations.filter { $0.target.sampled }
        if !sample.isEmpty && skipped.isEmpty {
            let answered = sample.map { UDPPort($0.target.port) }.filter { section.ports[$0] == .reached }.sorted()
            let silent = sample.map { UDPPort($0.target.port) }.filter { section.ports[$0] != .reached }.sorted()
            section.evidence.append("random sample of \(sample.count) ports: answered \(answered.count)"
                + (answered.isEmpty ? "" : " (\(answered.map(\.description).joined(separator: ", ")))")
                + "; no answer \(silent.count)" + (silent.isEmpty ? "" : " (\(silent.map(\.description).joined(separator: ", ")))"))
        }
        section.evidence += skipped.map { "random sample not probed: \($0)" }
        section.evidence += lines
        for rule in firewall.rules { section.evidence.append("local firewall rule: \(rule)") }
        section.evidence += firewall.notes
        return section
    }

    /// What each egress server's answers showed: its range, the requests its answered ports took,
    /// and how many ports of its range were probed.
    static func serversSeen(_ observations: [EgressObservation]) -> [String: EgressServerSeen] {
        var egressServers: [String: EgressServerSeen] = [:]
        for o in observations {
            if case let .egressAnswer(_, _, info, k) = o.outcome {
                var seen = egressServers[o.target.host] ?? EgressServerSeen(info: info, requests: 0, answers: 0, testedPorts: 0)
                seen.requests += max(1, k)
                seen.answers += 1
                egressServers[o.target.host] = seen
            }
        }
        var tested: [String: Set<UInt16>] = [:]
        for o in observations where o.target.method == .egressServer {
            guard egressServers[o.target.host]?.info.range.contains(o.target.port) == true else { continue }
            switch o.outcome {
            case .egressAnswer, .silent: tested[o.target.host, default: []].insert(o.target.port)
            default: break
            }
        }
        for (host, ports) in tested { egressServers[host]?.testedPorts = ports.count }
        return egressServers
    }

    /// The status line's parts: each group of ports with its failure names.
    static func summaryParts(_ section: UDPSection, reached: [UDPPort], blocked: [UDPPort], unknown: [UDPPort],
                             outside: Set<UDPPort>, rateLimited: Set<UDPPort>) -> [String] {
        func list(_ ps: [UDPPort]) -> String {
            ps.map { p in section.failures[p].map { "\(p) (\($0.rawValue))" } ?? "\(p)" }.joined(separator: ", ")
        }
        var summary: [String] = []
        if !reached.isEmpty { summary.append("reached: \(list(reached))") }
        if !blocked.isEmpty { summary.append("blocked: \(list(blocked))") }
        if !unknown.isEmpty { summary.append("not proven: \(list(unknown))") }
        if !outside.isEmpty {
            summary.append("not proven, outside the egress server's range (left out of the status): \(outside.sorted().map(\.description).joined(separator: ", "))")
        }
        if !rateLimited.isEmpty {
            summary.append("not proven, the host's ICMP rate limit (left out of the status): \(rateLimited.sorted().map(\.description).joined(separator: ", "))")
        }
        return summary
    }

    /// ICMPv4 type 3 codes 9, 10, 13 and ICMPv6 type 1 codes 1, 5, 6: the packet was refused by
    /// policy (RFC 1812 section 5.2.7.1, RFC 4443 section 3.1), not lost for want of a route.
    public static func isProhibited(_ r: ICMPErrorReport) -> Bool {
        if r.origin == ICMPErrorReport.originICMP { return r.type == 3 && [9, 10, 13].contains(r.code) }
        if r.origin == ICMPErrorReport.originICMP6 { return r.type == 1 && [1, 5, 6].contains(r.code) }
        return false
    }

    /// "type 3 code 13 (communication administratively prohibited)".
    public static func icmpName(_ r: ICMPErrorReport) -> String {
        let v6 = r.origin == ICMPErrorReport.originICMP6
        let names = v6 ? icmp6Names : (r.origin == ICMPErrorReport.originICMP ? icmp4Names : [])
        // A nil code in the table stands for every code of that type.
        let meaning = names.first { $0.type == r.type && ($0.code == nil || $0.code == r.code) }?.name
        let base = "\(v6 ? "v6 " : "")type \(r.type) code \(r.code)"
        return meaning.map { "\(base) (\($0))" } ?? base
    }

    /// ICMP (RFC 792, RFC 1812 section 5.2.7.1) types and codes an egress probe can meet.
    private static let icmp4Names: [(type: UInt8, code: UInt8?, name: String)] = [
        (3, 0, "net unreachable"), (3, 1, "host unreachable"), (3, 2, "protocol unreachable"),
        (3, 3, "port unreachable"), (3, 4, "fragmentation needed"),
        (3, 9, "network administratively prohibited"), (3, 10, "host administratively prohibited"),
        (3, 13, "communication administratively prohibited"), (11, nil, "time exceeded"),
    ]

    /// ICMPv6 (RFC 4443 sections 3.1-3.3) types and codes an egress probe can meet.
    private static let icmp6Names: [(type: UInt8, code: UInt8?, name: String)] = [
        (1, 0, "no route to destination"), (1, 1, "administratively prohibited"), (1, 3, "address unreachable"),
        (1, 4, "port unreachable"), (1, 5, "source address failed policy"), (1, 6, "reject route"),
        (2, nil, "packet too big"), (3, nil, "time exceeded"),
    ]

    static func formatMs(_ ms: Double) -> String {
        ms < 10 ? String(Double(Int(ms * 10)) / 10) : String(Int(ms.rounded()))
    }
}
