import Glibc
import P2PExchange
import P2PSocket
import STUNCodec

/// Path hops without root, the way tracepath(8) does it: one UDP socket per TTL with IP_RECVERR;
/// an ICMP "time exceeded" read from the error queue names the hop (its offender address), a
/// "port unreachable" or a STUN answer means the probe reached the destination.
///
/// The probes carry a STUN binding request to the STUN server, so the destination answers at
/// the application layer too. All TTLs run at once, each retransmitted a few times (routers
/// rate-limit ICMP), so the whole trace takes at most `budget` seconds.
public struct HopTracer: Sendable {
    public var destination: TransportAddress
    public var maxTTL: Int
    public var budget: Double
    public var clock: any MonotonicClock
    /// Where hops that answered only after retries are recorded.
    public var waits: HopWaits?
    /// When the routers' ICMP budgets were last spent by anyone but this trace, at the latest
    /// (`clock` nanoseconds): the budget window and the retries of TTL 2 and beyond count from
    /// it. Nil: from the trace's start.
    public var budgetSince: UInt64?
    /// Time between one TTL's sends.
    public static let retryInterval = 0.1
    /// How long TTL 1 is waited for at least, even when the rest of the check is done: past its
    /// first retry (a scheduling delay under load must not turn a live router into "*").
    public static let firstHopFloor = 2 * retryInterval

    /// `budget` 1.08 s: a router's next ICMP token is at most 1 s away (an earlier run may have
    /// spent the last one just before this trace started), the retries below go every 0.1 s up to
    /// 1.0 s, so one meets it, and its answer has 80 ms to come back.
    public init(destination: TransportAddress, maxTTL: Int = 8, budget: Double = 1.08, clock: any MonotonicClock = SystemClock()) {
        self.destination = destination
        self.maxTTL = maxTTL
        self.budget = budget
        self.clock = clock
    }

    /// `known`: hops named by an earlier trace on the same path (same first routers); their TTLs
    /// are not probed again, so a router's ICMP budget is not spent twice.
    /// `firstHop` opens when TTL 1 is done (see `FirstHopGate`), with its round trip.
    /// `restDone`: every other probe of the run is done. TTL 1 then stops waiting for the first
    /// router's next ICMP token, and `firstHopFallback` (the on-link gateway the route goes
    /// through) names hop 1 when a later hop answered: a router's time-exceeded names the same
    /// gateway the routing table does, and waiting a second for it changes nothing.
    public func trace(deadline: Deadline, known: [Hop] = [], firstHop: FirstHopGate? = nil,
                      restDone: (@Sendable () -> Bool)? = nil, firstHopFallback: IPAddress? = nil) async -> [Hop] {
        let clock = self.clock
        let now = clock.nowNanos()
        let since = min(budgetSince ?? now, now)
        let end = min(deadline, Deadline(nanos: since &+ UInt64(budget * 1e9)))
        // The first router's budget is also spent by this run's own gateway queries (a closed
        // NAT-PMP/PCP/SSDP port answers with ICMP), which may go before TTL 1 is answered: its
        // window counts from the trace's start, and the rest-done cut ends it early.
        let firstEnd = min(deadline, Deadline(nanos: now &+ UInt64(budget * 1e9)))
        let reuse = Dictionary(known.filter { $0.address != nil && !$0.isDestination }.map { ($0.ttl, $0) }, uniquingKeysWith: { a, _ in a })
        let cut = SetOnce()
        var hops = await withTaskGroup(of: Hop.self) { group in
            for ttl in 1...maxTTL {
                if let h = reuse[ttl] {
                    if ttl == 1 { firstHop?.open() }
                    group.addTask { h }
                    continue
                }
                group.addTask {
                    guard ttl == 1 else { return await self.probe(ttl: ttl, end: end, since: since) }
                    let start = clock.nowNanos()
                    // Cut only after the first retry had time to be answered: a router with a token
                    // answers the first send, so a hop is never given up before it could answer.
                    let r = await untilRestDone(atLeast: Self.firstHopFloor, stop: restDone ?? { false }, clock: clock) {
                        await self.probe(ttl: 1, end: firstEnd, since: now)
                    }
                    if r.cut { cut.set() }
                    let h = r.value ?? Hop(ttl: 1, address: nil)
                    // The answer came after the retry that met the router's token (sends every
                    // `retryInterval`), so the time since that retry is the round trip.
                    let rtt = Self.roundTrip(took: Double(clock.nowNanos() &- start) / 1e9, elapsed: Double(start &- min(now, start)) / 1e9)
                    firstHop?.open(rtt: h.address != nil ? rtt : nil)
                    return h
                }
            }
            var out: [Hop] = []
            for await h in group { out.append(h) }
            return out.sorted { $0.ttl < $1.ttl }
        }
        if let gw = firstHopFallback, cut.isSet, hops.first?.ttl == 1, hops.first?.address == nil,
           hops.dropFirst().contains(where: { $0.address != nil }) {
            hops[0] = Hop(ttl: 1, address: gw)
            firstHop?.namedFromRoutes()
        }
        // Keep the path up to the first probe that reached the destination.
        if let i = hops.firstIndex(where: \.isDestination) { return Array(hops[...i]) }
        // Nothing beyond the last answering hop tells anything: trim trailing silence to one "*".
        if let last = hops.lastIndex(where: { $0.address != nil }) { return Array(hops[...min(last + 1, hops.count - 1)]) }
        return hops.isEmpty ? [] : [hops[0]]
    }

    /// Send times for one TTL started `elapsed` seconds after the budget window opened: at once,
    /// then on the window's 0.1 s grid up to 1.0 s, where a token spent before it opened is due.
    static func retries(after elapsed: Double) -> [Double] {
        [0] + (1...10).map { Double($0) * retryInterval - elapsed }.filter { $0 > 0.001 }
    }

    /// The round trip of an answer `took` seconds after a TTL's first send, the TTL started
    /// `elapsed` seconds into the budget window: the time since the last retry before it.
    static func roundTrip(took: Double, elapsed: Double) -> Double {
        let sends = retries(after: elapsed)
        var sent = 0.0
        for s in sends where s <= took { sent = s }
        return took - sent
    }

    func probe(ttl: Int, end: Deadline, since: UInt64) async -> Hop {
        guard let socket = try? UDPSocket(family: AddressFamily(of: destination.ip)) else { return Hop(ttl: ttl, address: nil) }
        defer { socket.close() }
        do {
            try socket.setTTL(ttl)
            try socket.enableErrorQueue()
        } catch {
            return Hop(ttl: ttl, address: nil)
        }
        let request = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: []).encode()
        // A send the router's ICMP rate limit refuses costs nothing: retry until the budget
        // window ends, since a token comes back at most a second after the last was spent.
        let destination = self.destination
        let clock = self.clock
        let started = clock.nowNanos()
        let sends = Self.retries(after: Double(started &- min(since, started)) / 1e9)
        let hop: Hop? = await ScheduledExchange(sends: sends, end: end, clock: clock).run(
            send: {
                try? socket.send(request, to: destination)
                return nil
            },
            receive: { try await socket.receive(until: $0, clock: clock) },
            handle: { got in
                switch got {
                case .success(let d):
                    guard d.source == destination, (try? STUNMessage.decode(d.bytes)) != nil else { return nil }
                    return Hop(ttl: ttl, address: destination.ip, isDestination: true)
                case .failure:
                    // An ICMP report: drain the error queue and judge each entry.
                    while let report = try? socket.readErrorQueue() {
                        if report.isTimeExceeded, let hop = report.offender {
                            return Hop(ttl: ttl, address: hop)
                        }
                        if report.isPortUnreachable || report.errno == ECONNREFUSED {
                            return Hop(ttl: ttl, address: report.offender ?? destination.ip, isDestination: true)
                        }
                    }
                    return nil
                }
            })
        guard let hop else { return Hop(ttl: ttl, address: nil) }
        let took = Double(clock.nowNanos() &- started) / 1e9
        if took > EgressProbe.lateAnswer { waits?.record(ttl: ttl, seconds: took) }
        return hop
    }
}
