import P2PExchange
import P2PSocket
import STUNCodec
import Synchronization

/// The targets toward hosts expected to run `p2ptui serve --egress-ports`, and what each host has
/// shown of itself so far. Per host:
/// - the first wave: its first fixed port and every STUN port of it. Any of them answering with
///   the egress marker recognises the server (its range comes from the marker);
/// - the rest of its fixed ports wait for the first wave: ports of a recognised server's range go
///   at once, the others through the ICMP budget (`EgressProbe.probeICMPAware`);
/// - the random sample waits for the host to be recognised on any port, and is then drawn from the
///   range the server advertises.
final class EgressHosts: Sendable {
    /// Hosts with egress-server targets, in the order of their first target.
    let hosts: [String]
    private let targets: [EgressTarget]
    /// Index of each host's first fixed egress-server target.
    private let leads: [String: Int]
    private let firstWave: [String: EgressGate]
    private let all: [String: EgressGate]

    init(targets: [EgressTarget]) {
        self.targets = targets
        var hosts: [String] = []
        var leads: [String: Int] = [:]
        for (i, t) in targets.enumerated() where t.method == .egressServer {
            if !hosts.contains(t.host) { hosts.append(t.host) }
            if !t.sampled && leads[t.host] == nil { leads[t.host] = i }
        }
        self.hosts = hosts
        self.leads = leads
        var first: [String: EgressGate] = [:], all: [String: EgressGate] = [:]
        for h in hosts {
            first[h] = EgressGate()
            all[h] = EgressGate()
        }
        for (i, t) in targets.enumerated() where !t.sampled && t.method != .icmpAware {
            guard let f = first[t.host], let a = all[t.host] else { continue }
            if t.method == .stun || leads[t.host] == i { f.expect() }
            a.expect()
        }
        self.firstWave = first
        self.all = all
    }

    /// Probed on its own task, at once: STUN targets and each host's lead.
    func goesAlone(_ i: Int, _ t: EgressTarget) -> Bool {
        t.method == .stun || (t.method == .egressServer && !t.sampled && leads[t.host] == i)
    }

    func isFirstWave(_ i: Int, _ t: EgressTarget) -> Bool {
        firstWave[t.host] != nil && goesAlone(i, t)
    }

    /// The host's fixed egress-server ports after its lead.
    func rest(of host: String) -> [(offset: Int, element: EgressTarget)] {
        targets.enumerated().filter { $0.element.host == host && $0.element.method == .egressServer
            && !$0.element.sampled && $0.offset != leads[host] }
    }

    func sample(of host: String) -> [(offset: Int, element: EgressTarget)] {
        targets.enumerated().filter { $0.element.host == host && $0.element.sampled }
    }

    /// The host's ports not to draw the sample from: every fixed and STUN port of it.
    func taken(_ host: String) -> Set<UInt16> {
        Set(targets.filter { $0.host == host && !$0.sampled }.map(\.port))
    }

    /// `host` answered with the egress marker.
    func recognised(_ host: String, _ info: EgressMarker.Info) {
        firstWave[host]?.open(info)
        all[host]?.open(info)
    }

    /// A target on `host` is done (one of the first wave or not).
    func finished(_ host: String, firstWave wave: Bool) {
        if wave { firstWave[host]?.finished() }
        all[host]?.finished()
    }

    /// The server's range once the first wave recognised it; nil when it finished without.
    func afterFirstWave(_ host: String, deadline: Deadline, clock: any MonotonicClock) async -> EgressMarker.Info? {
        await firstWave[host]?.wait(until: deadline, clock: clock)
    }

    /// The server's range once any fixed or STUN port recognised it; nil when all finished without.
    func afterAll(_ host: String, deadline: Deadline, clock: any MonotonicClock) async -> EgressMarker.Info? {
        await all[host]?.wait(until: deadline, clock: clock)
    }
}

/// Waits for a host to answer as an egress server on one of several targets.
final class EgressGate: Sendable {
    private let state = Mutex((info: EgressMarker.Info?.none, pending: 0))

    /// One more target to wait for.
    func expect() { state.withLock { $0.pending += 1 } }
    /// The host answered as an egress server (the first answer's range is kept).
    func open(_ info: EgressMarker.Info) { state.withLock { if $0.info == nil { $0.info = info } } }
    /// A target is done.
    func finished() { state.withLock { $0.pending -= 1 } }

    /// The range once open; nil when every target finished without opening it, at the deadline, or
    /// on cancellation.
    func wait(until deadline: Deadline, clock: any MonotonicClock) async -> EgressMarker.Info? {
        while true {
            let (info, pending) = state.withLock { ($0.info, $0.pending) }
            if let info { return info }
            if pending <= 0 || deadline.hasPassed(clock: clock) || Task.isCancelled { return nil }
            try? await Task.sleep(nanoseconds: 2_000_000)
        }
    }
}

extension EgressProbe {
    /// A host's fixed ports after its first wave: a recognised server's range by answers, at once;
    /// everything else through the host's ICMP budget. An answer with the marker there recognises
    /// the server too (for the sample).
    static func probeRest(_ rest: [(offset: Int, element: EgressTarget)], host: String,
                          resolved: Result<IPAddress, ProbeFailure>?, plan: EgressHosts,
                          refill: ICMPPlan.Refill = .controlFirst, startedAt: UInt64? = nil,
                          budgetSince: UInt64? = nil, deadline: Deadline, clock: any MonotonicClock,
                          progress: @escaping @Sendable (String) -> Void) async -> [(Int, EgressObservation)] {
        defer { for _ in rest { plan.finished(host, firstWave: false) } }
        guard case .success(let ip) = resolved ?? .failure(.init(text: "not resolved")) else {
            return rest.map { ($0.offset, EgressObservation(target: $0.element, address: nil,
                                                            outcome: .dnsFailure("dns-failure: \(host) not resolved"))) }
        }
        // An egress server is recognised within `recognitionWindow`; a host silent that long is
        // asked through the ICMP budget meanwhile (a late egress answer still counts there).
        let started = startedAt ?? clock.nowNanos()
        let info = await plan.afterFirstWave(host, deadline: min(deadline, Deadline(nanos: started + UInt64(recognitionWindow * 1e9))),
                                             clock: clock)
        let inRange = rest.filter { info?.range.contains($0.element.port) == true }
        let outside = rest.filter { info?.range.contains($0.element.port) != true }
        async let answered = probeAll(inRange, ip: ip, deadline: deadline, clock: clock, progress: progress)
        let outs = await probeICMPAware(ip: ip, targets: outside.map(\.element), deadline: deadline, clock: clock,
                                        refill: refill, startedAt: budgetSince ?? started)
        for o in outs {
            if case let .egressAnswer(_, _, info, _) = o.outcome { plan.recognised(host, info) }
            progress(EgressClassifier.judge(o).text)
        }
        return await answered + zip(outside.map(\.offset), outs).map { ($0, $1) }
    }

    /// The random sample of a host, once it answered as an egress server on any port: drawn from
    /// the range it advertises (with `seed`, as the report names it), else not probed.
    static func probeSample(_ sample: [(offset: Int, element: EgressTarget)], host: String,
                            resolved: Result<IPAddress, ProbeFailure>?, plan: EgressHosts, seed: UInt64?,
                            deadline: Deadline, clock: any MonotonicClock,
                            progress: @escaping @Sendable (String) -> Void) async -> [(Int, EgressObservation)] {
        guard let info = await plan.afterAll(host, deadline: deadline, clock: clock),
              case .success(let ip) = resolved ?? .failure(.init(text: "not resolved")) else {
            return sample.map { ($0.offset, EgressObservation(target: $0.element, address: nil, outcome: .skipped(
                "\(host) did not answer as an egress server (p2ptui serve --egress-ports) on any port, so the random ports were not probed"))) }
        }
        // The server's range, above the well-known ports when it reaches them.
        let lo = max(info.range.lowerBound, EgressPlan.defaultSampleRange.lowerBound)
        let range = lo <= info.range.upperBound ? lo...info.range.upperBound : info.range
        let ports = seed.map { EgressPlan.samplePorts(count: sample.count, range: range, seed: $0, excluding: plan.taken(host)) }
            ?? sample.map(\.element.port).filter { range.contains($0) }
        let drawn = zip(sample, ports).map { s, port -> (offset: Int, element: EgressTarget) in
            var t = s.element
            t.port = port
            return (s.offset, t)
        }
        return await probeAll(drawn, ip: ip, deadline: deadline, clock: clock, progress: progress)
    }

    /// Every target at once, as egress-server ports (answers cost the host nothing).
    static func probeAll(_ list: [(offset: Int, element: EgressTarget)], ip: IPAddress, deadline: Deadline,
                         clock: any MonotonicClock,
                         progress: @escaping @Sendable (String) -> Void) async -> [(Int, EgressObservation)] {
        await withTaskGroup(of: (Int, EgressObservation).self) { g in
            for (i, t) in list {
                g.addTask {
                    let a = TransportAddress(ip, t.port)
                    let outcome = await probe(a, method: .egressServer, deadline: deadline, clock: clock)
                    let o = EgressObservation(target: t, address: a, outcome: outcome)
                    progress(EgressClassifier.judge(o).text)
                    return (i, o)
                }
            }
            var out: [(Int, EgressObservation)] = []
            for await x in g { out.append(x) }
            return out
        }
    }
}
