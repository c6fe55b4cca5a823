#if canImport(Glibc)
import Glibc
#endif
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization

/// Outbound UDP by destination port: every target of an `EgressPlan` at once, each on its own
/// connected socket with IP_RECVERR, so ICMP errors are attributed to the right port.
public struct EgressProbe: Sendable {
    public var targets: [EgressTarget]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// Name resolution (injectable for tests); IPv4 answers are preferred.
    public var resolver: @Sendable (String) throws -> [TransportAddress]
    /// Reads the local firewall evidence (injectable; tests turn it off).
    public var firewall: @Sendable (Deadline) async -> FirewallEvidence
    /// The seed the random sample of `sampled` targets was drawn with, named in the evidence so a
    /// run can be repeated (`--egress-seed`).
    public var sampleSeed: UInt64?
    /// The ICMP-aware ports' host was not chosen by the user (it is the first STUN server's): when
    /// that host neither resolved nor answered anything while another STUN server answered, the
    /// ports are probed again on the one that answered (every answering server counts).
    public var followAnsweringServer = false
    /// What a later silent ICMP-aware port does (`ICMPPlan.Refill`): a check does not wait a
    /// second for a host's next token when a control re-probe shows its budget spent.
    public var icmpRefill: ICMPPlan.Refill = .controlFirst
    /// When the hosts' ICMP budgets were last spent by anyone but this probe, at the latest
    /// (`clock` nanoseconds; `CheckOptions.icmpBudgetSince`): a first port's long window counts
    /// from it. Nil: from the probe's start.
    public var icmpBudgetSince: UInt64?

    /// Send times for a STUN target: the NAT probe's first contact, `NATClassifier.blockedMinSends`
    /// requests, so a silent STUN port (which counts as blocked) is not just a lossy link (at 30 %
    /// loss each way 0.51^14 < 1e-4).
    public static let stunSchedule = Schedule.firstContact
    /// How long a STUN target is waited for at most.
    public static let stunWindow = Schedule.silenceWindow
    /// Send times for an ICMP-aware target: few, since each can cost the destination an ICMP error
    /// and hosts rate-limit those (Linux: a burst of 6 per peer, then 1 per second).
    public static let icmpAwareSchedule: [Double] = [0, 0.25, 0.5, 0.75]
    /// Send times for the first ICMP-aware target of a host: a send the host's rate limit refuses
    /// costs nothing, and a token comes back at most 1 s after the last one was spent (an earlier
    /// run's, before this probe started), so retries every 0.1 s up to 1.0 s always meet it.
    public static let icmpFirstSchedule: [Double] = (0...10).map { Double($0) * 0.1 }
    /// How long the first ICMP-aware target of a host is waited for: the last retry's error has
    /// 80 ms to come back (the path trace gives its hops the same).
    public static let icmpFirstWindow = 1.08
    /// Linux's default icmp_ratelimit: one ICMP error per peer per this many seconds after the
    /// burst, plus a margin.
    public static let tokenInterval = 1.05
    /// A host's first ICMP error later than this after the first send came after refused sends:
    /// its budget was empty when the probe started.
    public static let lateAnswer = 0.15
    /// Send times for a host's later ICMP-aware targets and for a control re-probe: the host has
    /// just answered, so its RTT is known to be short; a rate-limited host stays silent anyway.
    public static let icmpFollowSchedule: [Double] = [0, 0.05, 0.1, 0.15, 0.2, 0.25]
    /// How long a later ICMP-aware target (or a control re-probe) is waited for.
    public static let icmpFollowWindow = 0.3
    /// Send times toward an egress server: more tries, each with its own transaction ID, so silence
    /// can be weighed against the loss the answered ports showed (`EgressServerSeen`).
    public static let egressServerSchedule: [Double] = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85]
    /// How long one target is waited for at most.
    public static let targetWindow = Schedule.silenceWindow
    /// How long the ports of a host expected to be an egress server wait for it to be recognised
    /// (its lead or STUN ports answering with the marker, dense sends 50 ms apart) before they go
    /// through its ICMP budget: half a second covers a 0.4 s round trip and, at 30 % loss each
    /// way, more than ten tries.
    public static let recognitionWindow = 0.5

    public init(targets: [EgressTarget], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                resolver: @escaping @Sendable (String) throws -> [TransportAddress] = { try resolve($0, defaultPort: 3478) },
                firewall: @escaping @Sendable (Deadline) async -> FirewallEvidence = { await FirewallRules.read(deadline: $0) }) {
        self.targets = targets
        self.deadline = deadline
        self.clock = clock
        self.resolver = resolver
        self.firewall = firewall
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> UDPSection {
        let fwDeadline = min(deadline, Deadline.after(seconds: Self.targetWindow, clock: clock))
        async let fw = firewall(fwDeadline)
        let obs = await observe(progress: progress)
        var section = EgressClassifier.classify(obs, firewall: await fw)
        if let sampleSeed, obs.contains(where: { $0.target.sampled }) {
            section.evidence.insert("random ports drawn with --egress-seed \(sampleSeed)", at: min(1, section.evidence.count))
        }
        return section
    }

    /// Resolves every distinct host once, then probes every target concurrently.
    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> [EgressObservation] {
        let resolved = await resolveHosts()
        let obs = await withTaskGroup(of: [(Int, EgressObservation)].self) { group in
            addTargetTasks(to: &group, resolved: resolved, progress: progress)
            var out: [(Int, EgressObservation)] = []
            for await r in group { out += r }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return await followAnswer(obs, progress: progress)
    }

    typealias Resolved = [String: Result<IPAddress, ProbeFailure>]

    /// Each distinct host's address (IPv4 preferred), looked up concurrently within the
    /// resolution deadline.
    func resolveHosts() async -> Resolved {
        let resolver = self.resolver
        let clock = self.clock
        let deadline = self.deadline
        var hosts: [String] = []
        for t in targets where !hosts.contains(t.host) { hosts.append(t.host) }
        return await withTaskGroup(of: (String, Result<IPAddress, ProbeFailure>).self) { group in
            for host in hosts {
                group.addTask {
                    let r = await blockingUntil(Schedule.resolveDeadline(deadline, clock: clock), clock: clock) { () -> Result<IPAddress, ProbeFailure> in
                        do {
                            let all = try resolver(EgressTarget(port: 1, host: host, method: .stun).hostPort)
                            guard let a = all.first(where: { $0.ip.isIPv4 }) ?? all.first else {
                                return .failure(.init(text: "no address for \(host)"))
                            }
                            return .success(a.ip)
                        } catch {
                            return .failure(.init(text: "dns-failure: \(error)"))
                        }
                    }
                    return (host, r ?? .failure(.init(text: "dns-failure: no answer for \(host) before the deadline")))
                }
            }
            var out: Resolved = [:]
            for await (h, r) in group { out[h] = r }
            return out
        }
    }

    /// Toward a host expected to be an egress server, its first fixed port and its STUN ports go
    /// first: when one answers as an egress server, the other ports of its range go at once
    /// (answers cost it nothing); when none does, the host is an ordinary one whose closed ports
    /// answer with rate-limited ICMP, so the rest go through the same per-host budget as
    /// ICMP-aware targets. ICMP-aware targets go one host at a time in order
    /// (`probeICMPAware`), so the probe never asks one host for more port-unreachables than its
    /// rate limit allows; the others (an answer costs nobody an ICMP error) all at once.
    func addTargetTasks(to group: inout TaskGroup<[(Int, EgressObservation)]>, resolved: Resolved,
                        progress: @escaping @Sendable (String) -> Void) {
        let (clock, deadline, sampleSeed, refill) = (clock, deadline, sampleSeed, icmpRefill)
        let started = clock.nowNanos()
        let budgetSince = icmpBudgetSince.map { min($0, started) } ?? started
        let plan = EgressHosts(targets: targets)
        for (i, target) in targets.enumerated() where plan.goesAlone(i, target) {
            group.addTask {
                await Self.probeAlone(i, target, resolved: resolved[target.host], plan: plan,
                                      deadline: deadline, clock: clock, progress: progress)
            }
        }
        for host in plan.hosts {
            let rest = plan.rest(of: host)
            if !rest.isEmpty {
                group.addTask {
                    await Self.probeRest(rest, host: host, resolved: resolved[host], plan: plan, refill: refill, startedAt: started,
                                         budgetSince: budgetSince, deadline: deadline, clock: clock, progress: progress)
                }
            }
            let sample = plan.sample(of: host)
            if !sample.isEmpty {
                group.addTask {
                    await Self.probeSample(sample, host: host, resolved: resolved[host], plan: plan, seed: sampleSeed,
                                           deadline: deadline, clock: clock, progress: progress)
                }
            }
        }
        var icmpHosts: [String] = []
        for t in targets where t.method == .icmpAware && !icmpHosts.contains(t.host) { icmpHosts.append(t.host) }
        for host in icmpHosts {
            let mine = targets.enumerated().filter { $0.element.method == .icmpAware && $0.element.host == host }
            group.addTask {
                switch resolved[host] ?? .failure(.init(text: "not resolved")) {
                case .failure(let f):
                    return mine.map { ($0.offset, EgressObservation(target: $0.element, address: nil, outcome: .dnsFailure(f.text))) }
                case .success(let ip):
                    let outs = await Self.probeICMPAware(ip: ip, targets: mine.map(\.element), deadline: deadline,
                                                         clock: clock, refill: refill, startedAt: budgetSince)
                    for o in outs { progress(EgressClassifier.judge(o).text) }
                    return zip(mine.map(\.offset), outs).map { ($0, $1) }
                }
            }
        }
    }

    /// A STUN target or a host's lead egress-server port, on its own.
    static func probeAlone(_ i: Int, _ target: EgressTarget, resolved: Result<IPAddress, ProbeFailure>?,
                           plan: EgressHosts, deadline: Deadline, clock: any MonotonicClock,
                           progress: @escaping @Sendable (String) -> Void) async -> [(Int, EgressObservation)] {
        let ip: IPAddress
        switch resolved ?? .failure(.init(text: "not resolved")) {
        case .success(let a): ip = a
        case .failure(let f):
            plan.finished(target.host, firstWave: plan.isFirstWave(i, target))
            return [(i, EgressObservation(target: target, address: nil, outcome: .dnsFailure(f.text)))]
        }
        let address = TransportAddress(ip, target.port)
        let outcome = await probe(address, method: target.method, deadline: deadline, clock: clock)
        if case let .egressAnswer(_, _, info, _) = outcome { plan.recognised(target.host, info) }
        plan.finished(target.host, firstWave: plan.isFirstWave(i, target))
        let o = EgressObservation(target: target, address: address, outcome: outcome)
        progress(EgressClassifier.judge(o).text)
        return [(i, o)]
    }

    /// See `followAnsweringServer`. Only what is missing is asked again.
    func followAnswer(_ obs: [EgressObservation], progress: @escaping @Sendable (String) -> Void) async -> [EgressObservation] {
        let icmp = obs.indices.filter { obs[$0].target.method == .icmpAware }
        guard followAnsweringServer, !icmp.isEmpty else { return obs }
        let host = obs[icmp[0]].target.host
        guard icmp.allSatisfy({ obs[$0].target.host == host && !obs[$0].outcome.isAnswer }),
              !obs.contains(where: { $0.target.host == host && $0.target.method == .stun && $0.outcome.isAnswer }),
              let other = obs.first(where: { $0.target.method == .stun && $0.target.host != host && $0.outcome.isAnswer }),
              let ip = other.address?.ip else { return obs }
        progress("\(host) answered nothing; probing the other ports on \(other.target.host), which answered STUN")
        let moved = icmp.map { i -> EgressTarget in
            var t = obs[i].target
            t.host = other.target.host
            return t
        }
        let again = await Self.probeICMPAware(ip: ip, targets: moved, deadline: deadline, clock: clock, refill: icmpRefill)
        var out = obs
        for (k, i) in icmp.enumerated() where k < again.count {
            out[i] = again[k]
            progress(EgressClassifier.judge(again[k]).text)
        }
        return out
    }

    struct ProbeFailure: Error {
        var text: String
    }

    /// Sends STUN binding requests to `address` on a fresh connected socket with the error queue on,
    /// until an answer, an ICMP error, a local refusal, or the end of the window.
    static func probe(_ address: TransportAddress, method: EgressMethod, deadline overall: Deadline,
                      clock: any MonotonicClock, schedule: [Double]? = nil, window: Double? = nil) async -> EgressOutcome {
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: AddressFamily(of: address.ip))
            try socket.enableErrorQueue()
        } catch {
            return .error("socket: \(error)")
        }
        defer { socket.close() }
        do {
            try socket.connect(to: address)
        } catch let e as SocketError {
            return sendFailure(e, socket: socket)
        } catch {
            return .error("\(error)")
        }
        let window = window ?? (method == .stun ? stunWindow : targetWindow)
        let offsets = schedule ?? (method == .icmpAware ? icmpAwareSchedule : method == .egressServer ? egressServerSchedule : stunSchedule)
        var requests = EgressRequests(to: address, method: method, clock: clock)
        // Toward an egress server silence is weighed, so every request goes out and gets time
        // for an answer even when a stalled process sends the overdue ones in a burst.
        let exchange = ScheduledExchange(sends: offsets, end: min(overall, .after(seconds: window, clock: clock)), clock: clock,
                                         linger: method == .egressServer ? (answerTime: 0.15, limit: overall) : nil)
        let outcome = await exchange.run(
            send: { requests.send($0, on: socket) },
            receive: { try await socket.receive(until: $0, clock: clock) },
            handle: { got -> EgressOutcome? in
                switch got {
                case .success(let datagram): return requests.outcome(of: datagram)
                case .failure(let e as SocketError): return sendFailure(e, socket: socket)
                case .failure(let e): return .error("\(e)")
                }
            })
        if let outcome { return outcome }
        return Task.isCancelled ? .error("\(CancellationError())") : .silent(sends: requests.sends)
    }

    /// Names a send/receive failure, preferring the ICMP report the error queue holds for it.
    static func sendFailure(_ e: SocketError, socket: UDPSocket) -> EgressOutcome {
        if e.isBlockedLocally { return .blockedLocally(e.description) }
        if let report = try? socket.readErrorQueue() {
            if report.origin == ICMPErrorReport.originICMP || report.origin == ICMPErrorReport.originICMP6 {
                return .icmp(report)
            }
            if report.errno == EPERM || report.errno == EACCES { return .blockedLocally(e.description) }
            return .noRoute("\(e.description), local error report errno \(report.errno)")
        }
        if e.isUnreachable { return .noRoute(e.description) }
        if e.isRefused { return .refused }
        return .error(e.description)
    }
}
