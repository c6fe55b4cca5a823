import P2PExchange
import P2PProbes
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization
import Testing

/// The ICMP plan's windows, and the ICMP-aware probe run with it against a simulated host
/// that rate-limits its errors the way Linux does.
@Suite struct ICMPPlanTests {
    @Test func aCheckNeverWaitsASecondWhenTheBudgetIsShownSpent() {
        #expect(EgressProbe(targets: [], deadline: .after(seconds: 1)).icmpRefill == .controlFirst)
    }

    @Test(arguments: [0.0002, 0.002, 0.02, 0.2])
    func followSendsAreSpacedByTheRoundTrip(rtt: Double) {
        let f = ICMPPlan.follow(rtt: rtt)
        #expect(f.sends.count == 6, "six sends, as many as without a known RTT")
        let step = f.sends[1] - f.sends[0]
        #expect(step >= min(0.05, 2 * rtt) - 1e-9, "no send before the previous one's error could be back")
        #expect(step >= 0.01 - 1e-9 && step <= 0.05 + 1e-9)
        #expect(f.window > f.sends[5] && f.window <= 0.3)
        #expect(f.window - f.sends[5] >= min(0.3 - f.sends[5], max(0.02, 3 * rtt)) - 1e-9)
    }

    @Test func followWithoutRTTIsTheFixedSchedule() {
        let f = ICMPPlan.follow(rtt: nil)
        #expect(zip(f.sends, EgressProbe.icmpFollowSchedule).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(f.sends.count == EgressProbe.icmpFollowSchedule.count)
        #expect(abs(f.window - EgressProbe.icmpFollowWindow) < 1e-9)
    }

    @Test func portControlWindowFromTheFirstHop() {
        #expect(ICMPPlan.portControl(rtt: nil).window == 1.0)
        #expect(ICMPPlan.portControl(rtt: nil).sends == [0, 0.25, 0.5], "RFC 6886 section 3.1's 250 ms")
        let lan = ICMPPlan.portControl(rtt: 0.0003)
        #expect(lan.window == 0.15)
        #expect(lan.sends.count == 3 && lan.sends.allSatisfy { $0 < lan.window })
        #expect(abs(ICMPPlan.portControl(rtt: 0.02).window - 0.4) < 1e-9)
        #expect(ICMPPlan.portControl(rtt: 0.2).window == 1.0)
    }

    @Test func silentGatewayWaitsItsWindowOrRFC6886sFirstTimeout() {
        #expect(ICMPPlan.gatewaySilence(rtt: nil) == 0.25)
        #expect(ICMPPlan.gatewaySilence(rtt: 0.0003) == 0.15)
        #expect(ICMPPlan.gatewaySilence(rtt: 0.2) == 1.0)
    }

    // MARK: - The ICMP-aware probe under the plan's refill rule

    func run(_ h: InternetTests.RateLimitedHost, refill: ICMPPlan.Refill = .controlFirst,
             sleep: (@Sendable (Double) async -> Void)? = nil) async -> [EgressObservation] {
        // A clock that stands still: how long the simulated host takes is not what is tested.
        await EgressProbe.probeICMPAware(ip: InternetTests.host, targets: InternetTests.targets, deadline: .after(seconds: 10),
                                         clock: StillClock(), refill: refill, send: { await h.send($0, $1, $2) },
                                         sleep: sleep ?? { s in h.slept.withLock { $0 += s } })
    }

    /// A back-to-back run finds two tokens: two ports proven, the third's silence checked by a
    /// control re-probe at once (silent too: the budget is spent), no wait, the rest not asked.
    @Test func spentBudgetIsShownByTheControlAtOnce() async {
        let h = InternetTests.RateLimitedHost(tokens: 2)
        let obs = await run(h)
        #expect(obs[0].outcome == InternetTests.portUnreachable(InternetTests.host))
        #expect(obs[1].outcome == InternetTests.portUnreachable(InternetTests.host))
        #expect(obs[2].outcome == .rateLimited(answeredPort: 53, sends: 6))
        #expect(obs[3].outcome == .rateLimited(answeredPort: 53, sends: 0))
        #expect(h.asked.withLock { $0 } == [53, 123, 40000, 53])
        #expect(h.slept.withLock { $0 } == 0, "no wait for the host's next token")
        let s = EgressClassifier.classify([InternetTests.stun] + obs)
        #expect(s.status == .open, "the status a full budget gives: \(s.evidence)")
        #expect(s.evidence.contains { $0.contains("rate limit") && $0.contains("left out of the status") }, "\(s.evidence)")
    }

    /// A port dropped on the way while the host has budget: the control answers, so the probe
    /// waits for a token and asks again before it says anything; the drop is not called a rate limit.
    @Test func dropIsStillToldFromTheRateLimit() async {
        let h = InternetTests.RateLimitedHost(tokens: 6, dropped: [40000])
        let obs = await run(h)
        #expect(obs[2].outcome == .silentWhileHostAnswered(answeredPort: 53, sends: 12))
        #expect(obs[3].outcome == InternetTests.portUnreachable(InternetTests.host))
        #expect(h.asked.withLock { $0 } == [53, 123, 40000, 53, 40000, 53, 51820])
        #expect(h.slept.withLock { $0 } > 0.5, "only a possible drop is worth the wait")
        #expect(EgressClassifier.classify([InternetTests.stun] + obs).status != .open)
    }

    /// The control answers because a token came during the port's window, and the port answers
    /// after the wait: proven, and the rest left to the next run.
    @Test func tokenDuringTheWindowThenThePortAnswers() async {
        let h = InternetTests.RateLimitedHost(tokens: 1)
        let refilled = Mutex(false)
        let obs = await EgressProbe.probeICMPAware(
            ip: InternetTests.host, targets: InternetTests.targets, deadline: .after(seconds: 10), clock: StillClock(),
            refill: .controlFirst,
            send: { a, s, w in
                let o = await h.send(a, s, w)
                // The host's next token arrives while port 123 is being asked.
                if a.port == 123, !refilled.withLock({ $0 }) { refilled.withLock { $0 = true }; h.tokens.withLock { $0 += 1 } }
                return o
            },
            sleep: { _ in h.tokens.withLock { $0 += 1 } })
        #expect(obs[1].outcome == InternetTests.portUnreachable(InternetTests.host))
        #expect(obs[2].outcome == .rateLimited(answeredPort: 53, sends: 0))
        #expect(EgressClassifier.classify([InternetTests.stun] + obs).status == .open)
    }

    /// The budget window opened before the probe started (the process's start: nothing of this
    /// process spent a token before it): the first port's long window ends that much sooner, on
    /// the same 0.1 s grid, since a token an earlier run spent is due within a second of it.
    @Test func longWindowCountsFromWhenTheBudgetCouldLastHaveBeenSpent() async {
        let clock = StillClock()
        let seen = Mutex<[([Double], Double)]>([])
        _ = await EgressProbe.probeICMPAware(
            ip: InternetTests.host, targets: Array(InternetTests.targets.prefix(1)), deadline: .after(seconds: 10),
            clock: clock, refill: .controlFirst, startedAt: clock.at - 30_000_000,
            send: { _, s, w in seen.withLock { $0.append((s, w)) }; return .silent(sends: s.count) }, sleep: { _ in })
        let (sends, window) = try! #require(seen.withLock { $0.first })
        #expect(abs(window - (EgressProbe.icmpFirstWindow - 0.03)) < 1e-9, "window \(window)")
        #expect(sends.first == 0 && abs((sends.last ?? 0) - 0.97) < 1e-9, "the last retry where the token is due: \(sends)")
        #expect(sends.dropFirst().allSatisfy { abs(($0 + 0.03) * 10 - (($0 + 0.03) * 10).rounded()) < 1e-6 }, "\(sends)")
    }

    @Test func silentHostCostsNoControl() async {
        let h = InternetTests.RateLimitedHost(tokens: 6, silentHost: true)
        let obs = await run(h)
        #expect(obs.allSatisfy { if case .silent = $0.outcome { return true } else { return false } })
        #expect(h.asked.withLock { $0 }.count == 4)
        #expect(EgressClassifier.classify([InternetTests.stun] + obs).status == .unknown)
    }
}

/// The long first window against a host that takes real time: a send waits out its window, or
/// until the host's next token arrives (`tokenAt` seconds after the start), whichever is first.
@Suite struct ICMPLongWindowTests {
    final class TimedHost: Sendable {
        let start = SystemClock().nowNanos()
        let tokenAt: Double?
        let spent = Mutex(false)
        let asked = Mutex<[UInt16]>([])
        /// When each port was first asked, and when port 53's ask ended.
        let askedAt = Mutex<[UInt16: Double]>([:])
        let firstEnded = Mutex<Double?>(nil)
        init(tokenAt: Double?) { self.tokenAt = tokenAt }
        var now: Double { Double(SystemClock().nowNanos() &- start) / 1e9 }

        func send(_ a: TransportAddress, _ schedule: [Double], _ window: Double) async -> EgressOutcome {
            asked.withLock { $0.append(a.port) }
            let began = now
            askedAt.withLock { if $0[a.port] == nil { $0[a.port] = began } }
            defer { if a.port == 53 { firstEnded.withLock { if $0 == nil { $0 = now } } } }
            while now - began < window {
                if let t = tokenAt, now >= t, spent.withLock({ s -> Bool in defer { s = true }; return !s }) {
                    return InternetTests.portUnreachable(a.ip)
                }
                try? await Task.sleep(nanoseconds: 5_000_000)
            }
            return .silent(sends: schedule.count)
        }
    }

    func run(_ h: TimedHost) async -> (obs: [EgressObservation], seconds: Double) {
        let obs = await EgressProbe.probeICMPAware(ip: InternetTests.host, targets: InternetTests.targets, deadline: .after(seconds: 10),
                                                   clock: SystemClock(), refill: .controlFirst,
                                                   send: { await h.send($0, $1, $2) }, sleep: { _ in })
        return (obs, h.now)
    }

    /// Silent on every port (a blocked path): one long window for all of them, not two.
    @Test func silentHostTakesOneLongWindow() async {
        let h = TimedHost(tokenAt: nil)
        let (obs, seconds) = await run(h)
        #expect(obs.allSatisfy { if case .silent = $0.outcome { return true } else { return false } })
        let end = h.firstEnded.withLock { $0 } ?? 0
        #expect(h.askedAt.withLock { $0 }.filter { $0.key != 53 }.allSatisfy { $0.value < end }, "the rest went during the first window")
        #expect(seconds < 10 * EgressProbe.icmpFirstWindow, "hang guard: \(seconds) s")
        #expect(EgressClassifier.classify([InternetTests.stun] + obs).status == .unknown)
    }

    /// The budget an earlier run left empty: the one token that comes goes to whichever port is
    /// asked first after it; the others are that budget, left out of the status, and nothing
    /// waits for a second token.
    @Test func emptyBudgetGivesOneAnswerAndTheRestAreRateLimited() async {
        let h = TimedHost(tokenAt: 0.9)
        let (obs, seconds) = await run(h)
        let answered = obs.filter { $0.outcome.isPortUnreachableForTests }
        #expect(answered.count == 1, "\(obs.map(\.outcome))")
        #expect(obs.filter { if case .rateLimited = $0.outcome { return true } else { return false } }.count == 3)
        #expect(seconds < 10 * EgressProbe.icmpFirstWindow, "hang guard: \(seconds) s")
        #expect(EgressClassifier.classify([InternetTests.stun] + obs).status == .open)
    }

    /// A token 0.15 s away: the first port gets it well before the rest would start (0.6 s of
    /// margin, so a loaded machine's scheduling delays do not decide it), and the rest are not
    /// asked (the next token is a second away).
    @Test func tokenBeforeTheOverlapAnswersTheFirstPortAlone() async {
        let h = TimedHost(tokenAt: 0.15)
        let (obs, seconds) = await run(h)
        #expect(obs[0].outcome == InternetTests.portUnreachable(InternetTests.host))
        #expect(obs.dropFirst().allSatisfy { $0.outcome == .rateLimited(answeredPort: 53, sends: 0) }, "\(obs.map(\.outcome))")
        #expect(h.asked.withLock { $0 } == [53])
        #expect(seconds < 10 * EgressProbe.icmpFirstWindow, "hang guard: \(seconds) s")
    }
}

extension EgressOutcome {
    var isPortUnreachableForTests: Bool {
        if case .icmp(let r) = self { return r.isPortUnreachable }
        return false
    }
}

/// A clock that never moves.
struct StillClock: MonotonicClock {
    let at = SystemClock().nowNanos()
    func nowNanos() -> UInt64 { at }
}
