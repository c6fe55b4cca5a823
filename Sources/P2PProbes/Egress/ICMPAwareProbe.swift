import P2PExchange
import P2PSocket
import STUNCodec

extension EgressProbe {
    /// The ICMP-aware targets of one host, budgeted: hosts rate-limit the ICMP errors
    /// they send to one peer (RFC 1812 section 4.3.2.8; Linux: a token a second, a burst of 6), so
    /// the targets go one after another and each costs at most one error; a refused send costs
    /// nothing, so retries are free.
    ///
    /// - The first target is retried densely over `icmpFirstWindow`: a token comes back at most a
    ///   second after the last was spent (an earlier run's), so it always meets one.
    /// - A later target silent after the host answered another port with ICMP: the host's budget
    ///   may be spent. `refill` (`ICMPPlan.Refill`) says whether a control re-probe of the port
    ///   that answered goes first (silent too: the budget is spent, no wait) or the probe once per
    ///   run waits until a token is due (`tokenInterval` after the last error) and asks the port
    ///   again. A control re-probe that answers tells a drop of this port from budget spent by
    ///   others; the wait is then spent only to confirm it.
    /// - Ports after the budget is spent are not probed (they could only spend it) and are
    ///   reported as rate-limited, which `EgressClassifier` leaves out of the status; a port where
    ///   an egress server may listen gets one request, kept only if the egress server answers it.
    /// - A host that never answered (silent on closed ports, as large providers are) costs
    ///   nothing: its remaining targets go at once.
    ///
    /// Once the host answered promptly, later sends are spaced by its round trip
    /// (`ICMPPlan.follow`). `send` probes one address with a schedule and window (injectable:
    /// tests play a rate-limiting host with it, since loopback ICMP is never rate-limited);
    /// `sleep` waits.
    public static func probeICMPAware(ip: IPAddress, targets: [EgressTarget], deadline: Deadline,
                                      clock: any MonotonicClock, refill: ICMPPlan.Refill = .waitOnce,
                                      startedAt: UInt64? = nil,
                                      send: (@Sendable (TransportAddress, [Double], Double) async -> EgressOutcome)? = nil,
                                      sleep: (@Sendable (Double) async -> Void)? = nil) async -> [EgressObservation] {
        let probeOne: @Sendable (TransportAddress, [Double], Double) async -> EgressOutcome = send ?? { a, sched, window in
            await probe(a, method: .icmpAware, deadline: deadline, clock: clock, schedule: sched, window: window)
        }
        let pause: @Sendable (Double) async -> Void = sleep ?? { try? await Task.sleep(nanoseconds: UInt64(max(0, $0) * 1e9)) }
        var host = ICMPAwareHost(ip: ip, deadline: deadline, clock: clock, refill: refill, ask: probeOne, pause: pause,
                                 startedAt: startedAt ?? clock.nowNanos())
        var out: [EgressObservation] = []
        for (i, t) in targets.enumerated() {
            if let q = host.budgetSpent {
                out += await host.afterBudgetSpent(Array(targets[i...]), answeredPort: q)
                break
            } else if !host.answeredAny && host.longSilent {
                // The host answered nothing so far: the rest cost it nothing, probe them together.
                out += await host.together(Array(targets[i...]))
                break
            } else if refill == .controlFirst, host.isLong, i + 1 < targets.count {
                let (first, rest) = await host.longWithRest(t, Array(targets[(i + 1)...]))
                out.append(first)
                if let rest {
                    out += rest
                    break
                }
            } else {
                out.append(await host.next(t))
            }
        }
        return out
    }
}

/// What one host has shown of its ICMP budget during `EgressProbe.probeICMPAware`.
struct ICMPAwareHost: Sendable {
    let ip: IPAddress
    let deadline: Deadline
    let clock: any MonotonicClock
    let refill: ICMPPlan.Refill
    let ask: @Sendable (TransportAddress, [Double], Double) async -> EgressOutcome
    let pause: @Sendable (Double) async -> Void
    /// When the egress probe started: a token spent by an earlier run is due a second after it.
    let startedAt: UInt64
    var answeredAny = false
    /// The first port this host answered with an ICMP error.
    var control: UInt16?
    /// When the host's latest ICMP error arrived.
    var lastError: UInt64 = 0
    var waitedOnce = false
    var longSilent = false
    var budgetWasEmpty = false
    var budgetSpent: UInt16?
    /// The host's round trip, from a prompt first answer.
    var rtt: Double?

    var follow: (sends: [Double], window: Double) {
        rtt == nil ? (EgressProbe.icmpFollowSchedule, EgressProbe.icmpFollowWindow) : ICMPPlan.follow(rtt: rtt)
    }

    /// The ports after the budget is spent: not asked, unless an egress server may answer them
    /// by STUN (no ICMP): one request each, all at once, kept only when that is what answers.
    func afterBudgetSpent(_ rest: [EgressTarget], answeredPort q: UInt16) async -> [EgressObservation] {
        let (ip, ask) = (ip, ask)
        let window = follow.window
        let outcomes = await withTaskGroup(of: (Int, EgressOutcome).self) { group in
            for (k, t) in rest.enumerated() where t.method == .egressServer {
                group.addTask { (k, await ask(TransportAddress(ip, t.port), [0], window)) }
            }
            var o = [EgressOutcome](repeating: .rateLimited(answeredPort: q, sends: 0), count: rest.count)
            for await (k, x) in group {
                if case .egressAnswer = x { o[k] = x }
            }
            return o
        }
        return zip(rest, outcomes).map { EgressObservation(target: $0, address: TransportAddress(ip, $0.port), outcome: $1) }
    }

    /// Every target at once (the host is silent on closed ports: they cost it nothing).
    func together(_ rest: [EgressTarget]) async -> [EgressObservation] {
        let outcomes = await Self.askTogether(rest, ip: ip, ask: ask)
        return zip(rest, outcomes).map { EgressObservation(target: $0, address: TransportAddress(ip, $0.port), outcome: $1) }
    }

    /// Until the host answered with ICMP once, a target gets the long window (a token may be a
    /// second away); one long silence without any answer means a silent host.
    var isLong: Bool { control == nil && !longSilent }

    /// The long window: retries every 0.1 s until `icmpFirstWindow` after the probe started (a
    /// token an earlier run spent is due by then), at least a follow window.
    var longSchedule: (sends: [Double], window: Double) {
        let elapsed = max(0, Double(clock.nowNanos() &- startedAt) / 1e9)
        let window = EgressProbe.icmpFirstWindow - elapsed
        guard window > EgressProbe.icmpFollowWindow else { return (EgressProbe.icmpFollowSchedule, EgressProbe.icmpFollowWindow) }
        let later = EgressProbe.icmpFirstSchedule.map { $0 - elapsed }.filter { $0 > 0 }
        return ([0] + later, window)
    }

    /// The next target through the budget.
    mutating func next(_ t: EgressTarget) async -> EgressObservation {
        let address = TransportAddress(ip, t.port)
        let long = isLong
        let asked = clock.nowNanos()
        let schedule = long ? longSchedule : follow
        if budgetWasEmpty, refill == .controlFirst, let q = control {
            // The host's first error came only after retries: its one token went to it, the next
            // is a second away, so this port could only be silent.
            budgetSpent = q
            return EgressObservation(target: t, address: address, outcome: .rateLimited(answeredPort: q, sends: 0))
        }
        let outcome = await ask(address, schedule.sends, schedule.window)
        let took = Double(clock.nowNanos() &- asked) / 1e9
        if long, outcome.isICMPAnswer, took > EgressProbe.lateAnswer {
            // The answer followed the retry that met the host's token: the time since is its RTT.
            rtt = took - (schedule.sends.last { $0 <= took } ?? 0)
        }
        return await account(t, outcome, long: long, took: took)
    }

    /// Takes one target's outcome into what the host has shown, judging a silence after an
    /// ICMP answer of the host.
    mutating func account(_ t: EgressTarget, _ first: EgressOutcome, long: Bool, took: Double) async -> EgressObservation {
        let address = TransportAddress(ip, t.port)
        var outcome = first
        if long && !outcome.isAnswer { longSilent = true }
        if long, outcome.isICMPAnswer {
            // Its first error came only after retries: the budget was empty (an earlier run
            // spent it), so a silent port next is that budget, not worth a second's wait.
            if took > EgressProbe.lateAnswer { budgetWasEmpty = true } else if rtt == nil { rtt = took }
        }
        if !outcome.isAnswer, let q = control {
            outcome = budgetWasEmpty ? .rateLimited(answeredPort: q, sends: outcome.silentSends)
                : await judgeSilence(address, control: q, sends: outcome.silentSends)
            if case .rateLimited = outcome { budgetSpent = q }
        }
        if outcome.isAnswer {
            answeredAny = true
            if outcome.isICMPAnswer {
                lastError = clock.nowNanos()
                if control == nil { control = t.port }
            }
        }
        return EgressObservation(target: t, address: address, outcome: outcome)
    }

    /// A long-window target with more behind it: when it is still silent a follow window before
    /// its window ends, the rest are asked together meanwhile, so a silent host (or a blocked
    /// path) costs one window, not two. Answered before, the rest go on one by one (nil). Any
    /// answer that came in the overlap came late, after the host's empty budget got a token: a
    /// port silent beside an ICMP answer is that budget.
    mutating func longWithRest(_ t: EgressTarget, _ rest: [EgressTarget]) async -> (EgressObservation, [EgressObservation]?) {
        let schedule = longSchedule
        let asked = clock.nowNanos()
        let (ip, ask, clock) = (ip, ask, clock)
        let spec = max(0, schedule.window - EgressProbe.icmpFollowWindow)
        let done = SetOnce()
        var firstOutcome = EgressOutcome.silent(sends: 0)
        var restOutcomes: [EgressOutcome]?
        var took = 0.0
        await withTaskGroup(of: OverlapPart.self) { group in
            group.addTask {
                let o = await ask(TransportAddress(ip, t.port), schedule.sends, schedule.window)
                done.set()
                return .first(o, Double(clock.nowNanos() &- asked) / 1e9)
            }
            group.addTask {
                while Double(clock.nowNanos() &- asked) / 1e9 < spec {
                    if done.isSet || Task.isCancelled { return .rest(nil) }
                    try? await Task.sleep(nanoseconds: 5_000_000)
                }
                if done.isSet { return .rest(nil) }
                return .rest(await Self.askTogether(rest, ip: ip, ask: ask))
            }
            for await part in group {
                switch part {
                case let .first(o, t): (firstOutcome, took) = (o, t)
                case let .rest(r): restOutcomes = r
                }
            }
        }
        guard let restOutcomes else { return (await account(t, firstOutcome, long: true, took: took), nil) }
        let all = [(t, firstOutcome)] + Array(zip(rest, restOutcomes))
        let answered = all.first { $0.1.isICMPAnswer }?.0.port
        if all.contains(where: { $0.1.isAnswer }) { answeredAny = true } else { longSilent = true }
        let obs = all.map { target, o -> EgressObservation in
            var o = o
            if !o.isAnswer, let q = answered { o = .rateLimited(answeredPort: q, sends: o.silentSends) }
            return EgressObservation(target: target, address: TransportAddress(ip, target.port), outcome: o)
        }
        return (obs[0], Array(obs.dropFirst()))
    }

    static func askTogether(_ rest: [EgressTarget], ip: IPAddress,
                            ask: @escaping @Sendable (TransportAddress, [Double], Double) async -> EgressOutcome) async -> [EgressOutcome] {
        await withTaskGroup(of: (Int, EgressOutcome).self) { group in
            for (k, r) in rest.enumerated() {
                group.addTask { (k, await ask(TransportAddress(ip, r.port), EgressProbe.icmpFollowSchedule, EgressProbe.icmpFollowWindow)) }
            }
            var o: [(Int, EgressOutcome)] = []
            for await x in group { o.append(x) }
            return o.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// A port silent after the host answered `q` with ICMP: its budget, or a drop of this port?
    mutating func judgeSilence(_ address: TransportAddress, control q: UInt16, sends first: Int) async -> EgressOutcome {
        var sends = first
        if refill == .controlFirst, !waitedOnce {
            // The control at once: silent too, the budget is spent now, at no wait.
            guard await controlAnswers(q) else { return .rateLimited(answeredPort: q, sends: sends) }
        }
        if !waitedOnce {
            waitedOnce = true
            await waitForToken()
            let f = follow
            let again = await ask(address, f.sends, f.window)
            if again.isAnswer {
                // Answered after the wait: the budget was spent; the rest would only spend it again.
                if again.isICMPAnswer { budgetSpent = q }
                return again
            }
            sends += again.silentSends
        }
        return await controlAnswers(q) ? .silentWhileHostAnswered(answeredPort: q, sends: sends)
            : .rateLimited(answeredPort: q, sends: sends)
    }

    /// Asks the control port again; an answer shows the host had budget just now.
    mutating func controlAnswers(_ q: UInt16) async -> Bool {
        let f = follow
        let again = await ask(TransportAddress(ip, q), f.sends, f.window)
        if again.isICMPAnswer { lastError = clock.nowNanos() }
        return again.isAnswer
    }

    /// Until the host's next token is due (`tokenInterval` after its last error), within the deadline.
    func waitForToken() async {
        let due = Double(Int64(lastError &+ UInt64(EgressProbe.tokenInterval * 1e9)) - Int64(clock.nowNanos())) / 1e9
        if due > 0, Deadline(nanos: clock.nowNanos() + UInt64(due * 1e9)) <= deadline { await pause(due) }
    }
}

/// What one of `longWithRest`'s two tasks brought back.
private enum OverlapPart: Sendable {
    case first(EgressOutcome, Double)
    case rest([EgressOutcome]?)
}
