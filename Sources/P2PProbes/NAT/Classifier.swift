import P2PExchange
import P2PReport
import STUNCodec

/// RFC 5780 mapping and filtering classification over observations: pure, table-tested.
///
/// The rules that existing tools get wrong (REFERENCES.md, "Known failures") are explicit here:
/// "no NAT" compares against the route's source address, not 0.0.0.0; an answer from the wrong
/// source never counts as open filtering; a silent filtering test counts only when the server's
/// alternate address is proven alive and enough requests were sent for the loss seen.
public enum NATClassifier {
    /// A negative (silent) test counts only if the chance that every send or answer was lost is below this.
    static let maxFalseNegative = 0.01
    /// Unanswered binding requests (over all servers) before silence may be called "Blocked": as
    /// many as a first contact sends (`Schedule.blockedMinSends`).
    public static let blockedMinSends = Schedule.blockedMinSends

    public static func classify(_ obs: NATObservations) -> NATSection {
        var s = NATSection(status: .checked)
        var ev: [String] = []
        s.ignoredResponses = obs.ignoredResponses
        s.servers = obs.servers.map(observation)

        for server in obs.servers { ev.append(describeTestI(server)) }
        let answered = obs.servers.compactMap { p -> (ServerProbe, TransactionOutcome.Answer)? in
            p.testI.answer.map { (p, $0) }
        }
        guard let (firstServer, firstAnswer) = answered.first else {
            return classifyNoAnswer(obs, section: s, evidence: ev)
        }
        for why in obs.unsupportedServers { ev.append("not used for behaviour tests: \(why)") }
        // The behaviour tests ran against `behaviourServer`; mapping comparisons use its answer.
        let (primary, first): (ServerProbe, TransactionOutcome.Answer) = {
            if let i = obs.behaviourServer, obs.servers.indices.contains(i), let a = obs.servers[i].testI.answer {
                return (obs.servers[i], a)
            }
            return (firstServer, firstAnswer)
        }()
        let local = obs.mappingLocal
        s.publicEndpoint = first.mapped.description
        s.localEndpoint = local?.description
        if let local { s.portPreserved = first.mapped.port == local.port }
        if first.payloadRewritten {
            ev.append("MAPPED-ADDRESS differs from XOR-MAPPED-ADDRESS: a router rewrites addresses inside STUN payloads")
        }

        // Mapping across servers (works even when servers lack OTHER-ADDRESS).
        if answered.count >= 2 {
            let distinct = Set(answered.map { $0.1.mapped })
            s.mappingVariesByDestination = distinct.count > 1
            ev.append(distinct.count > 1
                      ? "mapping varies by destination: \(answered.map { "\($0.0.name) saw \($0.1.mapped)" }.joined(separator: ", "))"
                      : "all \(answered.count) servers saw the same public endpoint \(first.mapped)")
        }

        let loss = lossEstimate(obs)
        if loss.lost > 0 {
            ev.append("packet loss seen: \(loss.lost) of \(loss.sent) requests went unanswered")
        }

        // "No NAT": the server saw one of our own addresses and our own port.
        let ownAddress = obs.localAddresses.contains(first.mapped.ip) || local?.ip == first.mapped.ip
        let noNAT = ownAddress && (local == nil || local!.port == first.mapped.port)
        if let local {
            ev.append("local endpoint \(local) (route source address), public endpoint \(first.mapped)"
                      + (noNAT ? ": the same, no NAT" : (local.port == first.mapped.port ? ": port preserved" : ": port changed")))
        }

        if !noNAT, obs.mappingII.answer != nil || obs.mappingIII.answer != nil {
            var seen = ["I": first.mapped.description]
            if let ii = obs.mappingII.answer { seen["II"] = ii.mapped.description }
            if let iii = obs.mappingIII.answer { seen["III"] = iii.mapped.description }
            s.mappedByTest = seen
        }
        var reasons: [String] = []
        s.mapping = classifyMapping(obs, primary: primary, first: first, answered: answered, noNAT: noNAT,
                                    evidence: &ev, reasons: &reasons)
        s.filtering = classifyFiltering(obs, primary: primary, first: first, loss: loss, evidence: &ev, reasons: &reasons)
        s.classicType = classicName(mapping: s.mapping, filtering: s.filtering)
        let decided = s.classicType != .unknown
            && (s.mapping != .unknown)
        s.status = decided ? .checked : .inconclusive
        if !decided || s.filtering == .unknown, !reasons.isEmpty {
            s.inconclusiveReason = reasons.joined(separator: "; ")
        }
        s.evidence = ev
        return s
    }

    // MARK: - Pieces

    /// Why an advertised OTHER-ADDRESS cannot serve RFC 5780 behaviour tests, or nil when it can:
    /// it must differ from the server's own address in both IP and port (RFC 5780
    /// section 7.4 forbids an OTHER-ADDRESS equal to its own; some public servers advertise their own
    /// address anyway, and a test "to the alternate" would then
    /// reach the primary and prove nothing).
    public static func otherAddressProblem(server: TransportAddress, other: TransportAddress) -> String? {
        if other == server {
            return "OTHER-ADDRESS \(other) is the server's own address: it cannot do behaviour tests"
        }
        if other.ip == server.ip {
            return "OTHER-ADDRESS \(other) has the server's own IP address: the change-IP tests cannot run against it"
        }
        if other.port == server.port {
            return "OTHER-ADDRESS \(other) has the server's own port: the change-port tests cannot run against it"
        }
        if other.ip.isIPv4 != server.ip.isIPv4 {
            return "OTHER-ADDRESS \(other) is of another IP version than the server"
        }
        return nil
    }

    static func classicName(mapping: NATMapping, filtering: NATFiltering) -> ClassicNATType {
        switch (mapping, filtering) {
        case (.addressDependent, _), (.addressAndPortDependent, _): return .symmetricNAT
        case (.noNAT, .endpointIndependent): return .openInternet
        case (.noNAT, .addressDependent), (.noNAT, .addressAndPortDependent): return .symmetricUDPFirewall
        case (.endpointIndependent, .endpointIndependent): return .fullCone
        case (.endpointIndependent, .addressDependent): return .restrictedCone
        case (.endpointIndependent, .addressAndPortDependent): return .portRestrictedCone
        default: return .unknown
        }
    }

    private static func classifyNoAnswer(_ obs: NATObservations, section: NATSection, evidence: [String]) -> NATSection {
        var s = section
        s.evidence = evidence
        let resolved = obs.servers.filter { $0.address != nil }
        if resolved.isEmpty {
            s.status = .inconclusive
            s.inconclusiveReason = obs.servers.isEmpty ? "no STUN server configured"
                : "no STUN server could be resolved (DNS failure): the checks could not run"
            return s
        }
        // A filtering socket's test I answered: UDP works, the mapping socket just lost its packets.
        if obs.filterSetup.contains(where: { $0.answer != nil }) {
            s.status = .inconclusive
            s.inconclusiveReason = "the mapping test got no answer while another test did: packets were lost"
            return s
        }
        let failures = resolved.compactMap { p -> String? in
            if case .failed(let kind, _) = p.testI { return kind }
            return nil
        }
        if failures.count == resolved.count, failures.allSatisfy({ $0 == "no-route" }) {
            s.status = .inconclusive
            s.inconclusiveReason = "no route to any STUN server: this host has no working network path"
            return s
        }
        let sent = resolved.reduce(0) { $0 + $1.testI.sends }
        guard sent >= blockedMinSends else {
            s.status = .inconclusive
            s.inconclusiveReason = "no STUN server answered \(sent) request(s), too few to tell packet loss from blocking (\(blockedMinSends) needed)"
            return s
        }
        s.status = .checked
        s.classicType = .blocked
        s.evidence.append("no STUN server answered any of \(sent) requests over UDP: outbound UDP (or its replies) is blocked")
        return s
    }

    private static func classifyMapping(_ obs: NATObservations, primary: ServerProbe, first: TransactionOutcome.Answer,
                                        answered: [(ServerProbe, TransactionOutcome.Answer)], noNAT: Bool,
                                        evidence ev: inout [String], reasons: inout [String]) -> NATMapping {
        if noNAT {
            return .noNAT
        }
        ev.append(describe("mapping test II (alternate IP, primary port)", obs.mappingII, compareTo: first.mapped))
        ev.append(describe("mapping test III (alternate IP, alternate port)", obs.mappingIII, compareTo: first.mapped))
        let varies = answered.count >= 2 && Set(answered.map { $0.1.mapped }).count > 1
        if let ii = obs.mappingII.answer {
            if ii.mapped == first.mapped {
                if varies {
                    reasons.append("RFC 5780 test II saw the same mapping but another server saw a different one")
                    return .unknown
                }
                return .endpointIndependent
            }
            if let iii = obs.mappingIII.answer {
                return iii.mapped == ii.mapped ? .addressDependent : .addressAndPortDependent
            }
            ev.append("test III unanswered: the mapping changes with the destination address; port dependence untested")
            return .addressDependent
        }
        // No RFC 5780 mapping tests: fall back to comparing servers.
        if answered.count >= 2 {
            if !varies {
                ev.append("mapping judged endpoint-independent from \(answered.count) servers at different addresses")
                return .endpointIndependent
            }
            // Two servers on the same IP that disagree prove port dependence.
            for (i, a) in answered.enumerated() {
                for b in answered[(i + 1)...] where a.0.address?.ip == b.0.address?.ip && a.1.mapped != b.1.mapped {
                    return .addressAndPortDependent
                }
            }
            return .addressDependent
        }
        if !obs.unsupportedServers.isEmpty, obs.behaviourServer == nil {
            reasons.append("no answering server supports behaviour tests (\(obs.unsupportedServers.joined(separator: "; "))); add a second --stun server")
        } else if first.other == nil {
            reasons.append("the only answering server (\(primary.name)) does not support behaviour tests (no OTHER-ADDRESS); add a second --stun server")
        } else {
            reasons.append("the server's alternate address did not answer the mapping tests")
        }
        return .unknown
    }

    private static func classifyFiltering(_ obs: NATObservations, primary: ServerProbe, first: TransactionOutcome.Answer,
                                          loss: (sent: Int, lost: Int), evidence ev: inout [String],
                                          reasons: inout [String]) -> NATFiltering {
        guard first.other != nil, obs.behaviourServer != nil || obs.unsupportedServers.isEmpty else {
            if !obs.unsupportedServers.isEmpty {
                reasons.append("no server could do behaviour tests (\(obs.unsupportedServers.joined(separator: "; "))), so filtering could not be tested")
            } else {
                reasons.append("\(primary.name) sent no OTHER-ADDRESS, so filtering could not be tested")
            }
            return .unknown
        }
        ev.append(describe("filtering test II (change IP and port)", obs.filterII, compareTo: nil))
        ev.append(describe("filtering test III (change port)", obs.filterIII, compareTo: nil))
        if case .wrongSource(let src, _) = obs.filterII {
            reasons.append("\(primary.name) answered CHANGE-REQUEST from \(src), not its alternate address: it cannot do behaviour tests")
            return .unknown
        }
        if obs.filterII.answer != nil { return .endpointIndependent }
        if case .wrongSource(let src, _) = obs.filterIII {
            reasons.append("\(primary.name) answered a change-port request from \(src): it cannot do behaviour tests")
            return .unknown
        }
        guard case .silent(let sendsII) = obs.filterII else {
            reasons.append("filtering test II did not run properly (\(short(obs.filterII)))")
            return .unknown
        }
        // Silence means filtering only if the filtering sockets reached the server and its
        // alternate address is alive (it answered our direct mapping tests).
        guard obs.filterSetup.count >= 2, obs.filterSetup.allSatisfy({ $0.answer != nil }) else {
            reasons.append("the filtering sockets' own binding requests went unanswered")
            return .unknown
        }
        guard obs.mappingII.answer != nil || obs.mappingIII.answer != nil else {
            ev.append("\(primary.name): its alternate address \(first.other.map { "\($0)" } ?? "") never answered a direct request: the server does not support behaviour tests, and no filtering verdict is drawn from it")
            reasons.append("the server's alternate address never answered a direct request, so silence proves nothing")
            return .unknown
        }
        guard confident(silentAfter: sendsII, loss: loss) else {
            reasons.append("packets were lost (\(loss.lost) of \(loss.sent)); \(sendsII) unanswered requests are not enough to call it filtering")
            return .unknown
        }
        if obs.filterIII.answer != nil { return .addressDependent }
        guard case .silent(let sendsIII) = obs.filterIII else {
            reasons.append("filtering test III did not run properly (\(short(obs.filterIII)))")
            return .unknown
        }
        guard confident(silentAfter: sendsIII, loss: loss) else {
            reasons.append("packets were lost (\(loss.lost) of \(loss.sent)); \(sendsIII) unanswered requests are not enough to call it filtering")
            return .unknown
        }
        return .addressAndPortDependent
    }

    /// Requests sent and lost over every answered transaction.
    static func lossEstimate(_ obs: NATObservations) -> (sent: Int, lost: Int) {
        let outcomes = obs.servers.map(\.testI) + [obs.mappingII, obs.mappingIII] + obs.filterSetup
            + [obs.filterII, obs.filterIII]
        var sent = 0, lost = 0
        for case .answered(let a) in outcomes {
            sent += a.sends
            lost += a.sends - 1
        }
        return (sent, lost)
    }

    /// True when `sends` silent requests are unlikely (< 1 %) to all have been lost, given the loss
    /// seen on answered requests (Laplace-smoothed upper estimate, so a small sample is not trusted).
    static func confident(silentAfter sends: Int, loss: (sent: Int, lost: Int)) -> Bool {
        guard sends >= 3 else { return false }
        let p = Double(loss.lost + 1) / Double(loss.sent + 2)
        var all = 1.0
        for _ in 0..<sends { all *= p }
        return all < maxFalseNegative
    }

    private static func observation(_ p: ServerProbe) -> ServerObservation {
        var o = ServerObservation(server: p.name, address: p.address?.description, outcome: .error)
        if let e = p.resolveError {
            o.outcome = e.hasPrefix("dns") ? .dnsFailure : .error
            o.detail = e
            return o
        }
        switch p.testI {
        case .answered(let a):
            o.outcome = .answered
            o.rttMs = (a.rttMs * 100).rounded() / 100
            o.mappedEndpoint = a.mapped.description
            o.otherAddress = a.other?.description
            o.detail = a.software
        case .silent(let n):
            o.outcome = .timeout
            o.detail = "no answer to \(n) requests"
        case .wrongSource(let src, _):
            o.outcome = .error
            o.detail = "answered from unexpected address \(src)"
        case let .errorResponse(code, reason):
            o.outcome = .error
            o.detail = "STUN error \(code) \(reason)"
        case let .failed(kind, detail):
            o.outcome = ServerOutcome(rawValue: kind) ?? .error
            o.detail = detail
        case .notRun(let why):
            o.outcome = .error
            o.detail = why
        }
        return o
    }

    private static func describeTestI(_ p: ServerProbe) -> String {
        if let e = p.resolveError { return "\(p.name): \(e)" }
        let addr = p.address.map { " (\($0))" } ?? ""
        switch p.testI {
        case .answered(let a):
            let other = a.other.map { ", OTHER-ADDRESS \($0)" } ?? ", no OTHER-ADDRESS"
            return "test I \(p.name)\(addr): mapped \(a.mapped), rtt \(fmt(a.rttMs)) ms\(other)"
        default:
            return "test I \(p.name)\(addr): \(short(p.testI))"
        }
    }

    private static func describe(_ label: String, _ o: TransactionOutcome, compareTo: TransportAddress?) -> String {
        switch o {
        case .answered(let a):
            if let c = compareTo {
                return "\(label): mapped \(a.mapped) (\(a.mapped == c ? "same as" : "differs from") test I)"
            }
            return "\(label): answered from \(a.source)"
        default:
            return "\(label): \(short(o))"
        }
    }

    static func short(_ o: TransactionOutcome) -> String {
        switch o {
        case .answered(let a): return "answered from \(a.source)"
        case .silent(let n): return "no answer after \(n) requests"
        case .wrongSource(let s, let n): return "answered only from unexpected \(s) (\(n) requests)"
        case let .errorResponse(c, r): return "STUN error \(c) \(r)"
        case let .failed(k, d): return "\(k): \(d)"
        case .notRun(let why): return "not run: \(why)"
        }
    }

    static func fmt(_ ms: Double) -> String {
        let r = (ms * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
