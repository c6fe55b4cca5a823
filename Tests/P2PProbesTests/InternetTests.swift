import Glibc
import P2PExchange
import P2PProbes
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization
import Testing

/// Answers that hold on the real internet. ICMP budgets per host, silence that may be
/// loss, OTHER-ADDRESS validation: as tables over observations, and with a simulated host that
/// rate-limits its ICMP errors the way Linux does (loopback ICMP is never rate-limited, so the
/// real kernel cannot play it here; scripts/natlab does, see Tests/LabTests/BackToBackTests).
@Suite struct InternetTests {
    static let host = IPAddress("203.0.113.10")!

    static func portUnreachable(_ from: IPAddress) -> EgressOutcome {
        .icmp(ICMPErrorReport(errno: ECONNREFUSED, origin: ICMPErrorReport.originICMP, type: 3, code: 3, offender: from, info: 0))
    }

    /// A host whose closed ports answer with port-unreachable while it has tokens (one per answer,
    /// no refill during the test), and whose `dropped` ports are dropped on the way.
    final class RateLimitedHost: Sendable {
        let tokens: Mutex<Int>
        let dropped: Set<UInt16>
        let silentHost: Bool
        let asked = Mutex<[UInt16]>([])
        let slept = Mutex<Double>(0)
        init(tokens: Int, dropped: Set<UInt16> = [], silentHost: Bool = false) {
            self.tokens = Mutex(tokens)
            self.dropped = dropped
            self.silentHost = silentHost
        }
        func send(_ a: TransportAddress, _ schedule: [Double], _ window: Double) async -> EgressOutcome {
            asked.withLock { $0.append(a.port) }
            if silentHost || dropped.contains(a.port) { return .silent(sends: schedule.count) }
            let ok = tokens.withLock { t -> Bool in
                guard t > 0 else { return false }
                t -= 1
                return true
            }
            return ok ? InternetTests.portUnreachable(a.ip) : .silent(sends: schedule.count)
        }
    }

    static let targets = [53, 123, 40000, 51820].map { EgressTarget(port: UInt16($0), host: "203.0.113.10", method: .icmpAware) }
    static let stun = EgressObservation(target: EgressTarget(port: 3478, host: "203.0.113.10", method: .stun),
                                        address: TransportAddress(host, 3478),
                                        outcome: .stunAnswer(mapped: TransportAddress(.v4(198, 51, 100, 2), 40000), rttMs: 1))

    func run(_ h: RateLimitedHost) async -> [EgressObservation] {
        await EgressProbe.probeICMPAware(ip: Self.host, targets: Self.targets, deadline: .after(seconds: 10),
                                         clock: SystemClock(), send: { await h.send($0, $1, $2) },
                                         sleep: { s in h.slept.withLock { $0 += s } })
    }

    @Test func enoughTokensProvesEveryPortAtOneErrorEach() async {
        let h = RateLimitedHost(tokens: 6)
        let obs = await run(h)
        #expect(obs.allSatisfy { if case .icmp = $0.outcome { return true } else { return false } })
        #expect(h.tokens.withLock { $0 } == 2, "one ICMP error per port, no more")
        let s = EgressClassifier.classify([Self.stun] + obs)
        #expect(s.status == .open)
    }

    /// The host's budget runs out after one answer (a back-to-back run): the silent port is not
    /// called blocked, the rest are not asked at all, and the status stays what it was.
    @Test func spentBudgetIsRateLimitNotBlockingAndStatusHolds() async {
        let h = RateLimitedHost(tokens: 1)
        let obs = await run(h)
        #expect(obs[0].outcome == Self.portUnreachable(Self.host))
        #expect(obs[1].outcome == .rateLimited(answeredPort: 53, sends: 2 * EgressProbe.icmpFollowSchedule.count))
        #expect(obs[2].outcome == .rateLimited(answeredPort: 53, sends: 0))
        #expect(obs[3].outcome == .rateLimited(answeredPort: 53, sends: 0))
        #expect(h.asked.withLock { $0 } == [53, 123, 123, 53], "once more after a token is due, the control re-probe, then nothing more")
        #expect(h.slept.withLock { $0 } > 0.5, "waited for the host's next token before asking again")
        let s = EgressClassifier.classify([Self.stun] + obs)
        #expect(s.status == .open, "the same status as with a full budget: \(s.evidence)")
        #expect(s.failures[123] == .rateLimited)
        #expect(s.ports[123] == .unknown, "never reached or blocked from silence")
        #expect(s.evidence.contains { $0.contains("rate limit") }, "\(s.evidence)")
    }

    /// A host whose next token comes back during the wait (the common back-to-back case): the
    /// port asked again is proven, the ones after it are left to the next run.
    @Test func portAskedAgainAfterTheTokenIsDueIsReached() async {
        let h = RateLimitedHost(tokens: 1)
        let obs = await EgressProbe.probeICMPAware(ip: Self.host, targets: Self.targets, deadline: .after(seconds: 10),
                                                   clock: SystemClock(), send: { await h.send($0, $1, $2) },
                                                   sleep: { _ in h.tokens.withLock { $0 += 1 } })
        #expect(obs[0].outcome == Self.portUnreachable(Self.host))
        #expect(obs[1].outcome == Self.portUnreachable(Self.host))
        #expect(obs[2].outcome == .rateLimited(answeredPort: 53, sends: 0))
        #expect(EgressClassifier.classify([Self.stun] + obs).status == .open)
    }

    /// The host's first answer came only after retries (a back-to-back run found its budget
    /// empty): a silent port next is that budget; no second's wait, no control re-probe.
    @Test func lateFirstAnswerMeansTheBudgetIsSpent() async {
        let h = RateLimitedHost(tokens: 1)
        let obs = await EgressProbe.probeICMPAware(ip: Self.host, targets: Self.targets, deadline: .after(seconds: 10),
                                                   clock: SystemClock(), send: { a, sched, w in
                                                       if a.port == 53 { try? await Task.sleep(nanoseconds: 300_000_000) }
                                                       return await h.send(a, sched, w)
                                                   }, sleep: { s in h.slept.withLock { $0 += s } })
        #expect(obs[1].outcome == .rateLimited(answeredPort: 53, sends: EgressProbe.icmpFollowSchedule.count))
        #expect(h.asked.withLock { $0 } == [53, 123])
        #expect(h.slept.withLock { $0 } == 0)
        #expect(EgressClassifier.classify([Self.stun] + obs).status == .open)
    }

    /// A port dropped on the way while the host still answers: the control re-probe answers, so
    /// the silence is not rate limiting, and "open" is not claimed.
    @Test func dropWhileHostStillAnswersIsNotRateLimit() async {
        let h = RateLimitedHost(tokens: 6, dropped: [40000])
        let obs = await run(h)
        #expect(obs[2].outcome == .silentWhileHostAnswered(answeredPort: 53, sends: 2 * EgressProbe.icmpFollowSchedule.count))
        #expect(obs[3].outcome == Self.portUnreachable(Self.host), "probing goes on after a drop")
        let s = EgressClassifier.classify([Self.stun] + obs)
        #expect(s.status != .open, "a port that is silent while its host answers is not proven open")
        #expect(s.ports[40000] == .unknown)
    }

    /// A host silent on closed ports (large providers): no answer ever; the first port gets the
    /// long window, the others go together, none is called rate-limited.
    @Test func silentHostIsNeitherRateLimitedNorBlocked() async {
        let h = RateLimitedHost(tokens: 6, silentHost: true)
        let obs = await run(h)
        #expect(obs.allSatisfy { if case .silent = $0.outcome { return true } else { return false } })
        let s = EgressClassifier.classify([Self.stun] + obs)
        #expect(s.status == .unknown)
        #expect(!s.failures.values.contains(.rateLimited))
        #expect(!s.ports.values.contains(.blocked))
    }

    // MARK: - Silence that may be loss

    static func server(_ name: String, _ ip: String, _ o: TransactionOutcome) -> ServerProbe {
        ServerProbe(name: name, address: TransportAddress(IPAddress(ip)!, 3478), testI: o)
    }

    @Test(arguments: [
        (7, 1, false), (13, 1, false), (14, 1, true), (7, 2, true), (3, 3, false), (20, 1, true),
    ])
    func blockedOnlyAfterEnoughSilentRequests(sendsPerServer: Int, servers: Int, blocked: Bool) {
        var o = NATObservations()
        o.servers = (0..<servers).map { Self.server("s\($0)", "203.0.113.\(10 + $0)", .silent(sends: sendsPerServer)) }
        let s = NATClassifier.classify(o)
        #expect((s.classicType == .blocked) == blocked, "\(s)")
        if !blocked {
            #expect(s.status == .inconclusive)
            #expect((s.inconclusiveReason ?? "").contains("loss"), "\(s.inconclusiveReason ?? "")")
        }
    }

    @Test func stunEgressSilenceTooShortIsNotBlocked() {
        let t = EgressTarget(port: 3478, host: "203.0.113.10", method: .stun)
        let short = EgressClassifier.judge(EgressObservation(target: t, address: TransportAddress(Self.host, 3478), outcome: .silent(sends: 7)))
        #expect(short.reach == .unknown)
        let long = EgressClassifier.judge(EgressObservation(target: t, address: TransportAddress(Self.host, 3478),
                                                            outcome: .silent(sends: NATClassifier.blockedMinSends)))
        #expect(long.reach == .blocked)
        #expect(EgressProbe.stunSchedule.count >= NATClassifier.blockedMinSends)
    }

    // MARK: - OTHER-ADDRESS validation

    @Test func otherAddressMustDifferInIPAndPort() {
        let s = TransportAddress(Self.host, 3478)
        #expect(NATClassifier.otherAddressProblem(server: s, other: s)?.contains("own address") == true)
        #expect(NATClassifier.otherAddressProblem(server: s, other: TransportAddress(Self.host, 3479)) != nil)
        #expect(NATClassifier.otherAddressProblem(server: s, other: TransportAddress(IPAddress("203.0.113.11")!, 3478)) != nil)
        #expect(NATClassifier.otherAddressProblem(server: s, other: TransportAddress(IPAddress("203.0.113.11")!, 3479)) == nil)
    }

    @Test func unsupportedServerGivesNoFilteringVerdict() {
        let pub = TransportAddress(.v4(198, 51, 100, 2), 40000)
        var o = NATObservations(mappingLocal: TransportAddress(.v4(192, 168, 1, 2), 40000))
        o.servers = [Self.server("self", "203.0.113.10", .answered(.init(mapped: pub, source: TransportAddress(Self.host, 3478),
                                                                           other: TransportAddress(Self.host, 3478))))]
        o.unsupportedServers = ["self: OTHER-ADDRESS 203.0.113.10:3478 is the server's own address: it cannot do behaviour tests"]
        let s = NATClassifier.classify(o)
        #expect(s.filtering == .unknown)
        #expect(s.mapping == .unknown)
        #expect(s.classicType != .blocked)
        #expect(s.evidence.contains { $0.contains("own address") }, "\(s.evidence)")
        #expect((s.inconclusiveReason ?? "").contains("behaviour tests"), "\(s.inconclusiveReason ?? "")")
    }
}

/// The NAT probe against misbehaving and lossy servers on loopback (127.0.0.1/127.0.0.2).
@Suite(.serialized) struct InternetLoopbackTests {
    @Test func serverAdvertisingItsOwnAddressIsUnsupportedNeverAFilteringVerdict() async throws {
        let server = try MisbehavingServer(port: 26578, behaviour: .otherIsSelf)
        defer { server.stop() }
        let s = await NATProbe(servers: ["127.0.0.1:26578"], deadline: .after(seconds: 3)).run()
        #expect(s.filtering == .unknown, "\(s.evidence)")
        #expect(s.classicType != .openInternet && s.classicType != .fullCone)
        // When the server answered at all (a stalled loaded machine may lose the race), the reason is named.
        if s.publicEndpoint != nil {
            #expect(s.evidence.contains { $0.contains("own address") && $0.contains("not used for behaviour tests") }, "\(s.evidence)")
        }
    }

    /// The honest server beside one advertising its own address: the honest one runs the tests.
    @Test func aValidServerAfterAnInvalidOneRunsTheBehaviourTests() async throws {
        let bad = try MisbehavingServer(port: 26588, behaviour: .otherIsSelf)
        defer { bad.stop() }
        let good = try MisbehavingServer(port: 26598, behaviour: .honest)
        defer { good.stop() }
        let s = await NATProbe(servers: ["127.0.0.1:26588", "127.0.0.1:26598"], deadline: .after(seconds: 3)).run()
        #expect(s.filtering == .endpointIndependent, "\(s.evidence)")
        #expect(s.mapping == .noNAT)
    }

    /// A list shaped like the built-in one: three plain binding servers, then two behaviour-test
    /// candidates, the first of them misbehaving. Its problem is named and the second one runs the
    /// tests, so filtering (and the classic type) is answered.
    @Test(arguments: [(MisbehavingServer.Behaviour.otherIsSelf, UInt16(26700), "own address"),
                      (.silentAlternate, 26710, "answered none of the mapping tests"),
                      (.ignoresChangeRequest, 26720, "answered CHANGE-REQUEST from its own address")])
    func aFailingCandidateGivesWayToTheNext(_ variant: MisbehavingServer.Behaviour, _ port: UInt16, _ why: String) async throws {
        let plain = try (0..<3).map { _ in try LoopbackSTUN() }
        defer { for p in plain { p.stop() } }
        let bad = try MisbehavingServer(port: port, behaviour: variant)
        defer { bad.stop() }
        let good = try MisbehavingServer(port: port + 5, behaviour: .honest)
        defer { good.stop() }
        let list = plain.map(\.name) + ["127.0.0.1:\(port)", "127.0.0.1:\(port + 5)"]
        let s = await NATProbe(servers: list, deadline: .after(seconds: 6)).run()
        #expect(s.mapping == .noNAT, "\(s.evidence)")
        #expect(s.filtering == .endpointIndependent && s.classicType == .openInternet, "\(s.evidence)")
        #expect(s.evidence.contains { $0.hasPrefix("not used for behaviour tests: 127.0.0.1:\(port)") && $0.contains(why) },
                "\(s.evidence)")
    }

    /// Half of all requests lost (seeded): never "Blocked", never a wrong type.
    @Test(arguments: [UInt64(1), 2, 3])
    func lossyServerIsNeverBlocked(seed: UInt64) async throws {
        let port = UInt16(26608 + seed * 10)
        let server = try MisbehavingServer(port: port, behaviour: .lossy(0.5, seed: seed))
        defer { server.stop() }
        let s = await NATProbe(servers: ["127.0.0.1:\(port)"], deadline: .after(seconds: 3)).run()
        #expect(s.classicType != .blocked, "\(s.evidence)")
        #expect([ClassicNATType.openInternet, .unknown].contains(s.classicType), "loopback is no NAT, open: \(s.classicType)")
    }

    /// Nobody listens: "Blocked" only after enough requests, which the probe keeps sending.
    @Test func silenceIsBlockedOnlyAfterEnoughRequests() async {
        let s = await NATProbe(servers: ["127.0.0.1:26618"], deadline: .after(seconds: 3)).run()
        #expect(s.classicType == .blocked, "\(s)")
        #expect(s.evidence.contains { $0.contains("\(NATClassifier.blockedMinSends)") || $0.contains("requests") })
    }
}

/// Every answering server counts for the egress probe too: the first server's host did not
/// resolve, the second answered, so the other ports are probed on the second.
@Suite struct EgressFollowsAnswerTests {
    @Test func portsMoveToTheServerThatAnswered() async throws {
        let good = try LoopbackSTUN()
        defer { good.stop() }
        let closed = try freePort()
        let targets = EgressPlan.build(stunServers: ["name.invalid:3478", "127.0.0.1:\(good.port)"], extraPorts: [closed])
        #expect(targets.last?.host == "name.invalid", "the plan puts the other ports on the first server's host")
        var probe = EgressProbe(targets: targets, deadline: .after(seconds: 10),
                                resolver: { text in
                                    if text.hasPrefix("name.invalid") { throw ResolveError.dnsFailure(host: "name.invalid", reason: "test") }
                                    return try resolve(text, defaultPort: 3478)
                                }, firewall: noFirewall)
        probe.followAnsweringServer = true
        let s = await probe.run()
        #expect(s.ports[UDPPort(closed)] == .reached, "\(s.evidence)")
        probe.followAnsweringServer = false
        let t = await probe.run()
        #expect(t.ports[UDPPort(closed)] == .unknown, "without the fallback the port stays unproven: \(t.evidence)")
    }
}
