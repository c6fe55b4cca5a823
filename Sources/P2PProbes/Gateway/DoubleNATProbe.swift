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

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                procNetRoute: String = "/proc/net/route") {
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
        let server: TransportAddress? = if let first = servers.first { await STUNHelper.resolveServer(first) } else { nil }
        let clock = self.clock
        let deadline = self.deadline
        let gatewayAddress = o.gateway

        async let gatewayResult: GatewayQuery.Result? = {
            guard let gw = gatewayAddress else { return nil }
            return await GatewayQuery(gateway: gw, clock: clock).run(deadline: deadline)
        }()
        async let mapped: IPAddress? = {
            guard let server, let s = try? UDPSocket(family: .ipv4) else { return nil }
            defer { s.close() }
            return await STUNHelper.binding(s, to: server, deadline: deadline, clock: clock).answer?.mapped.ip
        }()
        async let hops: [Hop] = {
            guard let server else { return [] }
            return await HopTracer(destination: server, clock: clock).trace(deadline: deadline)
        }()
        if o.gateway == nil { notes.append("no default IPv4 gateway in the routing table") }
        if server == nil { notes.append("no STUN server resolved: no mapped address and no hop trace") }
        o.stunMapped = await mapped
        o.hops = await hops
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
