import Dispatch
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// RFC 5780 NAT behaviour discovery against one or more STUN servers.
///
/// Plan (sockets are fresh per run, so no earlier run's holes bias this one):
/// 1. Mapping socket M: test I to every server at once. The first server (in the order given) that
///    answers with OTHER-ADDRESS becomes the behaviour-test server B.
/// 2. Concurrently:
///    - M: mapping tests II and III to B's alternate address (section 4.3);
///    - fresh socket F2: test I to B, then test II, change IP and port (section 4.4);
///    - fresh socket F3: test I to B, then test III, change port only.
///    F2 and F3 only ever talk to B's primary address, so a hole opened towards another server can
///    never pass for open filtering.
public struct NATProbe: Sendable {
    public var servers: [String]
    /// Overall deadline for the probe.
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// Name resolution (injectable for tests).
    public var resolver: @Sendable (String) throws -> [TransportAddress]
    /// Local interface addresses (injectable for tests).
    public var localAddresses: @Sendable () -> Set<IPAddress>

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                resolver: @escaping @Sendable (String) throws -> [TransportAddress] = { try resolve($0, defaultPort: 3478, family: .ipv4) },
                localAddresses: @escaping @Sendable () -> Set<IPAddress> = { Set(((try? interfaceAddresses()) ?? []).map(\.address)) }) {
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.resolver = resolver
        self.localAddresses = localAddresses
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> NATSection {
        let obs = await observe(progress: progress)
        return NATClassifier.classify(obs)
    }

    /// Runs the tests and returns what they saw (no judgement).
    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> NATObservations {
        var obs = NATObservations()
        obs.localAddresses = localAddresses()
        let resolved = await resolveServers()
        let mapping: UDPSocket
        do {
            mapping = try UDPSocket(family: .ipv4)
        } catch {
            obs.servers = resolved.map { ServerProbe(name: $0.0, address: try? $0.1.get(),
                                                     testI: .failed(kind: "error", detail: "\(error)")) }
            return obs
        }
        defer { mapping.close() }

        // 1. Test I to every resolved server from the mapping socket.
        var stats = TransactionStats()
        let outcomes = await testI(resolved.compactMap { try? $0.1.get() }, on: mapping, stats: &stats, progress: progress)
        var k = 0
        obs.servers = resolved.map { name, r in
            switch r {
            case .success(let a):
                defer { k += 1 }
                return ServerProbe(name: name, address: a, testI: outcomes[k])
            case .failure(let f):
                return ServerProbe(name: name, address: nil, resolveError: f.text, testI: .notRun(f.text))
            }
        }
        if let first = obs.servers.first(where: { $0.testI.answer != nil }), let a = first.address {
            if let local = try? mapping.localAddress(), let src = try? routeSourceAddress(toward: a) {
                obs.mappingLocal = TransportAddress(src, local.port)
            }
        }
        for s in obs.servers {
            progress("test I \(s.name): \(NATClassifier.short(s.testI))")
        }
        // 2. Behaviour tests.
        obs.ignoredResponses = stats.ignored + (await tryBehaviourServers(&obs, mapping: mapping, progress: progress))
        return obs
    }

    /// Resolves every server concurrently, off the cooperative pool (getaddrinfo blocks), in the
    /// order given.
    func resolveServers() async -> [(String, Result<TransportAddress, ResolveFailure>)] {
        await withTaskGroup(of: (Int, String, Result<TransportAddress, ResolveFailure>).self) { [deadline, clock, resolver] group in
            for (i, name) in servers.enumerated() {
                group.addTask {
                    // Bounded by the probe's deadline: a hung resolver cannot stretch the check.
                    let r = await blockingUntil(Schedule.resolveDeadline(deadline, clock: clock), clock: clock) { () -> Result<TransportAddress, ResolveFailure> in
                        do {
                            guard let a = try resolver(name).first else { return .failure(.init(text: "dns-failure: no IPv4 address for \(name)")) }
                            return .success(a)
                        } catch let e as ResolveError {
                            switch e {
                            case .dnsFailure: return .failure(.init(text: "dns-failure: \(e)"))
                            case .badSyntax: return .failure(.init(text: "bad server name: \(e)"))
                            }
                        } catch {
                            return .failure(.init(text: "error: \(error)"))
                        }
                    } ?? .failure(.init(text: "dns-failure: resolving \(name) did not finish before the deadline"))
                    return (i, name, r)
                }
            }
            var out: [(Int, String, Result<TransportAddress, ResolveFailure>)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2) }
        }
    }

    /// Test I to every target at once from the mapping socket. Nobody answered: silence that may
    /// be loss is never "Blocked", so every server is asked again from the same socket until enough
    /// requests went out to tell loss from blocking (`NATClassifier.blockedMinSends`), within the
    /// overall deadline; only what is missing.
    func testI(_ targets: [TransportAddress], on mapping: UDPSocket, stats: inout TransactionStats,
               progress: @Sendable (String) -> Void) async -> [TransactionOutcome] {
        let firstDeadline = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        let specs = targets.map { TransactionSpec(destination: $0, sendOffsets: Schedule.firstContact, deadline: firstDeadline) }
        progress("test I: binding requests to \(targets.count) server(s)")
        var outcomes = await runTransactions(specs, on: mapping, clock: clock, stats: &stats, serverText: serverText)
        let silentSends = outcomes.reduce(0) { n, o in
            if case .silent(let k) = o { return n + k }
            return n
        }
        guard !outcomes.isEmpty, !outcomes.contains(where: { $0.answer != nil }),
              outcomes.contains(where: { if case .silent = $0 { return true } else { return false } }),
              silentSends < NATClassifier.blockedMinSends else { return outcomes }
        let perServer = (NATClassifier.blockedMinSends - silentSends + targets.count - 1) / targets.count
        let offsets = (0..<perServer).map { Double($0) * 0.1 }
        let more = min(deadline, Deadline.after(seconds: Double(perServer) * 0.1 + 0.3, clock: clock))
        progress("test I: no answer yet; asking again (\(perServer) more request(s) per server)")
        let again = await runTransactions(targets.map { TransactionSpec(destination: $0, sendOffsets: offsets, deadline: more) },
                                          on: mapping, clock: clock, stats: &stats, untilFirstAnswer: true, serverText: serverText)
        for (k, o) in again.enumerated() {
            guard case .silent(let before) = outcomes[k] else { continue }
            switch o {
            case .answered(var a):
                a.sends += before
                outcomes[k] = .answered(a)
            case .silent(let n):
                outcomes[k] = .silent(sends: before + n)
            case .notRun:
                break
            default:
                outcomes[k] = o
            }
        }
        return outcomes
    }

    /// Behaviour tests against the first server that offers a usable alternate address
    /// (OTHER-ADDRESS is not trusted blindly: `NATClassifier.otherAddressProblem`). When its
    /// alternate answers none of the tests, or answers CHANGE-REQUEST from the wrong address, the
    /// next such server is tried while time is left (the reason is kept). Returns the answers
    /// ignored.
    func tryBehaviourServers(_ obs: inout NATObservations, mapping: UDPSocket,
                             progress: @escaping @Sendable (String) -> Void) async -> Int {
        var candidates: [Int] = []
        for (i, p) in obs.servers.enumerated() {
            guard let addr = p.address, let other = p.testI.answer?.other else { continue }
            if let why = NATClassifier.otherAddressProblem(server: addr, other: other) {
                obs.unsupportedServers.append("\(p.name): \(why)")
                continue
            }
            candidates.append(i)
        }
        var ignored = 0
        for (n, ci) in candidates.enumerated() {
            guard let b = await behaviourTests(obs.servers[ci], mapping: mapping, progress: progress) else { continue }
            obs.behaviourServer = ci
            obs.mappingII = b.mappingII
            obs.mappingIII = b.mappingIII
            obs.filterSetup = b.filterSetup
            obs.filterII = b.filterII
            obs.filterIII = b.filterIII
            ignored += b.ignored
            guard n + 1 < candidates.count, !deadline.hasPassed(clock: clock),
                  let why = Self.alternateProblem(b, server: obs.servers[ci]) else { break }
            obs.unsupportedServers.append("\(obs.servers[ci].name): \(why); trying the next server")
            progress("\(obs.servers[ci].name): \(why); trying the next server")
        }
        return ignored
    }

    /// What the behaviour tests against one server saw.
    struct BehaviourResult {
        var mappingII, mappingIII, filterII, filterIII: TransactionOutcome
        var filterSetup: [TransactionOutcome]
        var ignored: Int
    }

    /// Mapping tests II and III on the mapping socket, filtering tests II and III on fresh sockets,
    /// all against server `b` (which advertised a usable OTHER-ADDRESS).
    func behaviourTests(_ b: ServerProbe, mapping: UDPSocket,
                        progress: @escaping @Sendable (String) -> Void) async -> BehaviourResult? {
        guard let bAddr = b.address, let bAnswer = b.testI.answer, let other = bAnswer.other else { return nil }
        let rtt = max(0.0005, bAnswer.rttMs / 1000)
        let altPrimaryPort = TransportAddress(other.ip, bAddr.port)
        let altPort = TransportAddress(bAddr.ip, other.port)
        let positiveDeadline = min(deadline, Deadline.after(seconds: 1.2, clock: clock))
        let clock = self.clock
        let overall = deadline

        async let mappingTests: ([TransactionOutcome], Int) = {
            var st = TransactionStats()
            let r = await runTransactions([
                TransactionSpec(destination: altPrimaryPort, sendOffsets: Schedule.known(rtt: rtt), deadline: positiveDeadline),
                TransactionSpec(destination: other, sendOffsets: Schedule.known(rtt: rtt), deadline: positiveDeadline),
            ], on: mapping, clock: clock, stats: &st, serverText: serverText)
            return (r, st.ignored)
        }()
        async let filterII = Self.filteringTest(server: bAddr, change: (true, true), expectFrom: other, rtt: rtt,
                                                overall: overall, clock: clock)
        async let filterIII = Self.filteringTest(server: bAddr, change: (false, true), expectFrom: altPort, rtt: rtt,
                                                 overall: overall, clock: clock)
        let (m, mIgnored) = await mappingTests
        progress("mapping tests II/III: \(NATClassifier.short(m[0])); \(NATClassifier.short(m[1]))")
        let f2 = await filterII
        let f3 = await filterIII
        progress("filtering test II: \(NATClassifier.short(f2.test)); test III: \(NATClassifier.short(f3.test))")
        return BehaviourResult(mappingII: m[0], mappingIII: m[1], filterII: f2.test, filterIII: f3.test,
                               filterSetup: [f2.setup, f3.setup], ignored: mIgnored + f2.ignored + f3.ignored)
    }

    /// Why a server's alternate address cannot be used, from the tests' outcomes: it answered none
    /// of the mapping tests, or CHANGE-REQUEST came back from the wrong address. Nil when usable.
    static func alternateProblem(_ b: BehaviourResult, server: ServerProbe) -> String? {
        let other = server.testI.answer?.other.map { "\($0)" } ?? "its alternate address"
        if b.mappingII.answer == nil && b.mappingIII.answer == nil {
            return "its alternate address \(other) answered none of the mapping tests (none there, or the path to it is blocked)"
        }
        if case .wrongSource = b.filterII, case .wrongSource = b.filterIII {
            return "it answered CHANGE-REQUEST from its own address, not from \(other)"
        }
        return nil
    }

    struct ResolveFailure: Error {
        var text: String
    }

    /// One filtering test on its own fresh socket: test I to the server (opens the mapping), then the
    /// CHANGE-REQUEST whose answer may be filtered. Silence is waited out with many evenly spaced
    /// sends, so a lost packet cannot pass for filtering.
    static func filteringTest(server: TransportAddress, change: (Bool, Bool), expectFrom: TransportAddress, rtt: Double,
                              overall: Deadline, clock: any MonotonicClock)
        async -> (setup: TransactionOutcome, test: TransactionOutcome, ignored: Int) {
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: .ipv4)
        } catch {
            let f = TransactionOutcome.failed(kind: "error", detail: "\(error)")
            return (f, f, 0)
        }
        defer { socket.close() }
        var stats = TransactionStats()
        let setupDeadline = min(overall, Deadline.after(seconds: 1.2, clock: clock))
        let setup = await runTransactions([TransactionSpec(destination: server, sendOffsets: Schedule.known(rtt: rtt),
                                                           deadline: setupDeadline)],
                                          on: socket, clock: clock, stats: &stats, serverText: serverText)[0]
        guard let s = setup.answer else {
            return (setup, .notRun("test I on the filtering socket got no answer"), stats.ignored)
        }
        let r = max(rtt, s.rttMs / 1000)
        let (offsets, window) = Schedule.silentTest(rtt: r)
        let testDeadline = min(overall, Deadline.after(seconds: window, clock: clock))
        let test = await runTransactions([TransactionSpec(destination: server, expectFrom: expectFrom,
                                                          attributes: [.changeRequest(changeIP: change.0, changePort: change.1)],
                                                          sendOffsets: offsets,
                                                          deadline: testDeadline)],
                                         on: socket, clock: clock, stats: &stats, serverText: serverText)[0]
        return (setup, test, stats.ignored)
    }
}
