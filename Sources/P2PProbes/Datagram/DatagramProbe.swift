#if canImport(Glibc)
import Glibc
#endif
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// The largest UDP datagram that crosses the path with fragmentation forbidden, each way.
///
/// One socket per size (DF set, ICMP errors queued), so a "fragmentation needed" for a large size
/// can never fail a smaller size's send. From each, two Binding requests padded to exactly that
/// size (RFC 5780 PADDING) go to every server at once:
/// - a plain one: any answer proves the size crossed outbound;
/// - a marked one (`PaddedResponseMarker`): `p2ptui serve` answers with a response padded to the
///   same size, which proves the size crossed inbound too; other servers answer small (outbound
///   only) and leave inbound "not proven".
/// Every size runs in parallel within the silence window, beside the other probes.
public struct DatagramProbe: Sendable {
    /// UDP payload sizes tried: QUIC's minimum 1200 (RFC 9000 section 14), the IPv6 minimum link
    /// MTU's 1280, 1400 (a common VPN/tunnel budget) and 1472 (a 1500-byte Ethernet MTU), plus
    /// two smaller ones so a path below 1200 gets a number too.
    public static let defaultSizes = [548, 1000, 1200, 1280, 1400, 1472]
    /// Send times of each request, within `Schedule.silenceWindow`: five, so at 30 % loss each way
    /// a padded answer is lost at one size in about 3 % of runs (and at the top two in 0.1 %),
    /// while an answered request stops at its first answer.
    static let sendOffsets: [Double] = [0, 0.15, 0.35, 0.55, 0.8]

    public var servers: [String]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    public var sizes: [Int]
    /// How long each size waits for its answers; an answered size stops at once.
    public var window: Double
    /// Opened by the path trace's first hop (`FirstHopGate`); nil when no trace runs beside. On a
    /// path with a small MTU the first router answers large DF datagrams with ICMP, from the same
    /// per-host budget the trace's TTL-1 probe needs, so the sizes wait for it (up to half a second).
    public var firstHop: FirstHopGate?

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                sizes: [Int] = DatagramProbe.defaultSizes, window: Double = Schedule.silenceWindow,
                firstHop: FirstHopGate? = nil) {
        self.firstHop = firstHop
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.sizes = sizes.sorted()
        self.window = window
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> DatagramSection {
        DatagramClassifier.classify(await observe(progress: progress))
    }

    /// What one size's socket saw: per server, the plain and the marked request's outcome.
    struct SizeResult: Sendable {
        var size: Int
        var plain: [TransactionOutcome]
        var marked: [TransactionOutcome]
        var mtuReports: [(mtu: Int, from: String)]
        var failure: String?
    }

    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> DatagramObservations {
        let all = await STUNHelper.resolveServers(servers, clock: clock)
        guard !all.isEmpty else { return DatagramObservations(failure: "no STUN server resolved") }
        // The window counts from here, so waiting for the first hop never makes the probe longer.
        let end = min(deadline, Deadline.after(seconds: window, clock: clock))
        await firstHop?.wait(limit: 0.5, clock: clock)
        let results = await withTaskGroup(of: SizeResult.self) { group in
            for size in sizes { group.addTask { await self.trySize(size, servers: all, until: end) } }
            var out: [SizeResult] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.size < $1.size }
        }
        if let f = results.compactMap(\.failure).first, results.allSatisfy({ $0.failure != nil }) {
            return DatagramObservations(failure: f)
        }
        let o = Self.observations(results, servers: all.map(\.description))
        let crossed = o.sizes.filter { !$0.answeredBy.isEmpty }.map(\.size)
        progress("crossed outbound with DF: \(crossed.isEmpty ? "none" : crossed.map(String.init).joined(separator: ", "))")
        return o
    }

    /// Folds the per-size outcomes into observations (pure, so tests can feed it outcomes).
    static func observations(_ results: [SizeResult], servers: [String]) -> DatagramObservations {
        func paddedAnswer(_ o: TransactionOutcome, _ size: Int) -> Bool { (o.answer?.size ?? 0) >= size }
        // An error response (a server that rejects PADDING with 420) proves the request crossed too.
        func crossed(_ o: TransactionOutcome) -> Bool {
            if case .errorResponse = o { return true }
            return o.answer != nil
        }
        let padders = Set(results.flatMap { r in servers.indices.filter { paddedAnswer(r.marked[$0], r.size) }.map { servers[$0] } })
        var o = DatagramObservations()
        for r in results {
            var z = DatagramSizeObservation(size: r.size)
            for (i, server) in servers.enumerated() where i < r.plain.count && i < r.marked.count {
                if crossed(r.plain[i]) || crossed(r.marked[i]) { z.answeredBy.append(server) }
                if paddedAnswer(r.marked[i], r.size) { z.paddedBy.append(server) }
                if padders.contains(server), crossed(r.plain[i]), !crossed(r.marked[i]) {
                    z.paddedLostFrom.append(server)
                }
                z.refused = z.refused || isTooBig(r.plain[i]) || isTooBig(r.marked[i])
            }
            o.sizes.append(z)
            o.mtuReports += r.mtuReports
        }
        return o
    }

    static func isTooBig(_ o: TransactionOutcome) -> Bool {
        if case .failed(_, let detail) = o { return detail.hasSuffix("(errno \(EMSGSIZE))") }
        return false
    }

    func trySize(_ size: Int, servers: [TransportAddress], until d: Deadline) async -> SizeResult {
        var result = SizeResult(size: size, plain: [], marked: [], mtuReports: [])
        let marker: [STUNAttribute] = [.software(PaddedResponseMarker.software)]
        guard let plain = STUNMessage(type: .bindingRequest).padded(toSize: size)?.attributes,
              let marked = STUNMessage(type: .bindingRequest, attributes: marker).padded(toSize: size)?.attributes else {
            result.failure = "no STUN message is \(size) bytes long"
            return result
        }
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: .ipv4)
            try socket.forbidFragmentation()
            try socket.enableErrorQueue()
        } catch {
            result.failure = "\(error)"
            return result
        }
        defer { socket.close() }
        let specs = servers.flatMap { s in
            [TransactionSpec(destination: s, attributes: plain, sendOffsets: Self.sendOffsets, deadline: d),
             TransactionSpec(destination: s, attributes: marked, sendOffsets: Self.sendOffsets, deadline: d)]
        }
        var stats = TransactionStats()
        let outcomes = await runTransactions(specs, on: socket, clock: clock, stats: &stats, serverText: serverText)
        result.plain = stride(from: 0, to: outcomes.count, by: 2).map { outcomes[$0] }
        result.marked = stride(from: 1, to: outcomes.count, by: 2).map { outcomes[$0] }
        while let r = try? socket.readErrorQueue() {
            if let mtu = r.fragmentationNeededMTU {
                result.mtuReports.append((mtu, r.origin == ICMPErrorReport.originLocal ? "this host's kernel"
                                            : r.offender.map { "router \($0)" } ?? "a router"))
            }
        }
        return result
    }
}
