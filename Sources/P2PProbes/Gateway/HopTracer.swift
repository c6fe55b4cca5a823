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
    /// `firstHop` opens when TTL 1 is done (see `FirstHopGate`).
    public func trace(deadline: Deadline, known: [Hop] = [], firstHop: FirstHopGate? = nil) async -> [Hop] {
        let end = min(deadline, Deadline.after(seconds: budget, clock: clock))
        let reuse = Dictionary(known.filter { $0.address != nil && !$0.isDestination }.map { ($0.ttl, $0) }, uniquingKeysWith: { a, _ in a })
        let hops = await withTaskGroup(of: Hop.self) { group in
            for ttl in 1...maxTTL {
                if let h = reuse[ttl] {
                    if ttl == 1 { firstHop?.open() }
                    group.addTask { h }
                    continue
                }
                group.addTask {
                    let h = await self.probe(ttl: ttl, end: end)
                    if ttl == 1 { firstHop?.open() }
                    return h
                }
            }
            var out: [Hop] = []
            for await h in group { out.append(h) }
            return out.sorted { $0.ttl < $1.ttl }
        }
        // Keep the path up to the first probe that reached the destination.
        if let i = hops.firstIndex(where: \.isDestination) { return Array(hops[...i]) }
        // Nothing beyond the last answering hop tells anything: trim trailing silence to one "*".
        if let last = hops.lastIndex(where: { $0.address != nil }) { return Array(hops[...min(last + 1, hops.count - 1)]) }
        return hops.isEmpty ? [] : [hops[0]]
    }

    func probe(ttl: Int, end: Deadline) async -> Hop {
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
        let sends: [Double] = (0...10).map { Double($0) * 0.1 }
        let destination = self.destination
        let clock = self.clock
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
        if let hop { return hop }
        return Hop(ttl: ttl, address: nil)
    }
}
