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
    /// True once every other probe of the run is done: waits that only a router's ICMP rate
    /// limit prolongs (the trace's TTL 1, silent gateway ports) stop then, and say so.
    public var restDone: @Sendable () -> Bool = { false }
    /// When the routers' ICMP budgets were last spent by anyone but this run, at the latest
    /// (`CheckOptions.icmpBudgetSince`); nil: the probe's start.
    public var icmpBudgetSince: UInt64?

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
        // What the trace waited for goes with the hops; the rest with the gateway.
        section.evidence += obs.notes.filter { $0.hasPrefix(Self.waitPrefix) }
        gw.evidence += obs.notes.filter { !$0.hasPrefix(Self.waitPrefix) }
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
        let restDone = self.restDone
        let budgetSince = icmpBudgetSince
        if server == nil { gate.open() }
        // Hop 1 can be named from the routing table when the gateway is on the link toward the server.
        let fallback = server.flatMap { sv in gatewayAddress.flatMap { Self.onLink($0, toward: sv) ? $0 : nil } }

        async let gatewayResult: GatewayQuery.Result? = {
            guard let gw = gatewayAddress else { return nil }
            // The path trace's TTL-1 probe goes first: a closed NAT-PMP/PCP/SSDP port costs the
            // gateway an ICMP error too, from the same small per-host budget. A router with budget
            // answers TTL 1 before its first retry; one that has not by then has none now, and
            // with hop 1 named from the routing table the queries need not wait for its token.
            let limit = Deadline.after(seconds: fallback == nil ? 1.0 : HopTracer.retryInterval, clock: clock)
            while !gate.isOpen, !restDone(), !limit.hasPassed(clock: clock), !Task.isCancelled {
                await gate.wait(limit: 0.01, clock: clock)
            }
            var query = GatewayQuery(gateway: gw, clock: clock)
            query.rtt = gate.rtt
            query.restDone = restDone
            return await query.run(deadline: deadline)
        }()
        async let mapped: (server: TransportAddress, answer: TransactionOutcome.Answer)? = {
            guard !all.isEmpty, let s = try? UDPSocket(family: .ipv4) else { return nil }
            defer { s.close() }
            return await STUNHelper.bindingAny(s, to: all, deadline: deadline, clock: clock)
        }()
        let waits = HopWaits()
        async let hops: [Hop] = {
            guard let server else { return [] }
            var tracer = HopTracer(destination: server, clock: clock)
            tracer.waits = waits
            tracer.budgetSince = budgetSince
            return await tracer.trace(deadline: deadline, firstHop: gate, restDone: restDone, firstHopFallback: fallback)
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
        if let gw = o.gateway, gate.isNamedFromRoutes {
            notes.append("hop 1 \(gw) is the gateway the route goes through (routing table) when its time-exceeded did not come before the rest of the check was done: the first router may rate-limit its ICMP errors")
        }
        for (ttl, seconds) in waits.late {
            guard let hop = o.hops.first(where: { $0.ttl == ttl && $0.address != nil }), !hop.isDestination else { continue }
            notes.append("\(Self.waitPrefix)\(hop.text) answered only after \(Int(seconds * 1000)) ms of retries: that router rate-limits the ICMP errors it sends us (RFC 1812 section 4.3.2.8) and its budget had been spent (by an earlier run or another tool), so the path waited for its next token")
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

    static let waitPrefix = "hop "

    /// `gateway` is on the link of the address this host sends from toward `server`, so the
    /// route toward it goes through that gateway (a VPN's tunnel address is not on its link).
    static func onLink(_ gateway: IPAddress, toward server: TransportAddress) -> Bool {
        guard let source = try? routeSourceAddress(toward: server), let ifs = try? interfaceAddresses(),
              let own = ifs.first(where: { $0.address == source }),
              case let .v4(a, b, c, d) = source, case let .v4(e, f, g, h) = gateway else { return false }
        let x = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
        let y = UInt32(e) << 24 | UInt32(f) << 16 | UInt32(g) << 8 | UInt32(h)
        let bits = min(32, max(0, own.prefixLength))
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
        return x & mask == y & mask
    }
}
