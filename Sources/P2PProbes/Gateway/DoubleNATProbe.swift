import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// Double NAT: gathers the gateway's own view of its external address (UPnP IGD, NAT-PMP, PCP),
/// the STUN-mapped address and the path hops, concurrently, then lets `DoubleNATClassifier`
/// judge them.
public struct DoubleNATProbe: Sendable {
    public var servers: [String]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// /proc/net/route (injectable for tests).
    public var procNetRoute: String
    /// Opened by the path trace's first hop; the gateway queries (and the hairpin probe) wait for
    /// it, so the first router's ICMP budget goes to the trace first.
    public var firstHop: FirstHopGate

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                procNetRoute: String = "/proc/net/route", firstHop: FirstHopGate = FirstHopGate()) {
        self.firstHop = firstHop
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.procNetRoute = procNetRoute
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> (DoubleNATSection, GatewaySection) {
        let obs = await observe(progress: progress)
        var (section, gw) = DoubleNATClassifier.classify(obs.observations)
        gw.evidence += obs.notes
        return (section, gw)
    }

    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> (observations: DoubleNATObservations, notes: [String]) {
        var o = DoubleNATObservations()
        var notes: [String] = []
        let path = procNetRoute
        o.gateway = await blocking { defaultGateways(procNetRoute: path).first?.gateway }
        o.localAddresses = STUNHelper.localAddresses()
        // Every configured server counts: the mapped address comes from whichever answers,
        // and the trace goes toward the first resolved one at once (the first router's ICMP budget
        // is spent here, before the hairpin probe's packets reach that router), then toward the
        // server that answered for the hops it missed.
        let all = await STUNHelper.resolveServers(servers, clock: clock)
        let server: TransportAddress? = all.first
        let clock = self.clock
        let deadline = self.deadline
        let gatewayAddress = o.gateway
        let gate = firstHop
        if server == nil { gate.open() }

        async let gatewayResult: GatewayQuery.Result? = {
            guard let gw = gatewayAddress else { return nil }
            // The path trace's TTL-1 probe goes first: a closed NAT-PMP/PCP/SSDP port costs the
            // gateway an ICMP error too, from the same small per-host budget.
            await gate.wait(limit: 1.0, clock: clock)
            return await GatewayQuery(gateway: gw, clock: clock).run(deadline: deadline)
        }()
        async let mapped: (server: TransportAddress, answer: TransactionOutcome.Answer)? = {
            guard !all.isEmpty, let s = try? UDPSocket(family: .ipv4) else { return nil }
            defer { s.close() }
            return await STUNHelper.bindingAny(s, to: all, deadline: deadline, clock: clock)
        }()
        async let hops: [Hop] = {
            guard let server else { return [] }
            return await HopTracer(destination: server, clock: clock).trace(deadline: deadline, firstHop: gate)
        }()
        if o.gateway == nil { notes.append("no default IPv4 gateway in the routing table") }
        if server == nil { notes.append("no STUN server resolved: no mapped address and no hop trace") }
        let answer = await mapped
        o.stunMapped = answer?.answer.mapped.ip
        o.hops = await hops
        if let answer, let first = server, answer.server != first, !(o.hops.last?.isDestination ?? false) {
            // The first server did not answer (e.g. its port is blocked): trace toward the one
            // that did, keeping the hops already named (their routers' ICMP is not asked again).
            notes.append("\(first) did not answer STUN; path traced toward \(answer.server), which did")
            o.hops = await HopTracer(destination: answer.server, clock: clock).trace(deadline: deadline, known: o.hops)
        }
        progress("hops: " + o.hops.map(\.text).joined(separator: ", "))
        if let g = await gatewayResult {
            o.gatewayReports = g.reports
            o.pcpAddressMismatch = g.pcpAddressMismatch
            notes += g.notes
            progress("gateway: " + (g.reports.isEmpty ? "no protocol answered" : g.reports.map(\.via.rawValue).joined(separator: ", ")))
        }
        return (o, notes)
    }
}
