import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// The real `MappingLifetimeIO`: one UDP socket per mapping, and a tester socket that asks the
/// server to answer toward a mapping's public port.
public final class LifetimeSockets: MappingLifetimeIO, @unchecked Sendable {
    public let serverAddress: TransportAddress
    let clock: any MonotonicClock
    // Written once in `open`, before any `test`; the probe calls them in order.
    private var mappings: [UDPSocket] = []
    private let tester: UDPSocket
    /// How long a test waits for the answer at the mapping, and opening for the mappings' answers.
    let answerWindow: Double
    let openWindow: Double

    public init(server: TransportAddress, clock: any MonotonicClock = SystemClock(), answerWindow: Double = 1.5,
                openWindow: Double = 5) throws {
        self.serverAddress = server
        self.clock = clock
        self.answerWindow = answerWindow
        self.openWindow = openWindow
        self.tester = try UDPSocket(family: server.ip.isIPv4 ? .ipv4 : .ipv6)
    }

    public var server: String { serverAddress.description }

    public func open(_ count: Int) async -> [(port: UInt16, at: UInt64)?] {
        let family: AddressFamily = serverAddress.ip.isIPv4 ? .ipv4 : .ipv6
        mappings = (0..<count).compactMap { _ in try? UDPSocket(family: family) }
        let server = serverAddress, clock = self.clock
        let deadline = Deadline.after(seconds: openWindow, clock: clock)
        return await withTaskGroup(of: (Int, (UInt16, UInt64)?).self) { group in
            for (i, s) in mappings.enumerated() {
                group.addTask {
                    var stats = TransactionStats()
                    let spec = TransactionSpec(destination: server, sendOffsets: [0, 0.1, 0.3, 0.6, 1, 1.5, 2.5, 3.5],
                                               deadline: deadline)
                    let o = await runTransactions([spec], on: s, clock: clock, stats: &stats, serverText: serverText)[0]
                    return (i, o.answer.map { ($0.mapped.port, clock.nowNanos()) })
                }
            }
            var out = [(port: UInt16, at: UInt64)?](repeating: nil, count: count)
            for await (i, r) in group { out[i] = r.map { (port: $0.0, at: $0.1) } }
            return out
        }
    }

    /// Three requests 0.3 s apart from the tester; the answer must reach mapping `index` within
    /// `answerWindow` (an answered test stops at once).
    public func test(_ index: Int, port: UInt16) async -> Bool {
        guard index < mappings.count else { return false }
        let socket = mappings[index]
        let id = TransactionID.random()
        let request = STUNMessage(type: .bindingRequest, transactionID: id, attributes: [.responsePort(port)]).encode()
        let start = clock.nowNanos()
        let end = Deadline(nanos: start + UInt64(answerWindow * 1e9))
        var sent = 0
        while !end.hasPassed(clock: clock), !Task.isCancelled {
            if sent < 3, clock.nowNanos() >= start + UInt64(sent) * 300_000_000 {
                try? tester.send(request, to: serverAddress)
                sent += 1
            }
            let wake = sent < 3 ? min(end, Deadline(nanos: start + UInt64(sent) * 300_000_000)) : end
            guard let d = try? await socket.receive(until: wake, clock: clock) else { continue }
            if d.source == serverAddress, let m = try? STUNMessage.decode(d.bytes), m.transactionID == id { return true }
        }
        return false
    }

    public func close() {
        tester.close()
        for s in mappings { s.close() }
    }
}

extension MappingLifetimeProbe {
    /// Measures against the first of `servers` that resolves (IPv4); it must honour RESPONSE-PORT
    /// (`p2ptui serve` does), else the section says inconclusive and why.
    public func measure(servers: [String],
                        progress: @escaping @Sendable (LifetimeProgress) -> Void = { _ in }) async -> MappingLifetimeSection {
        guard let server = await STUNHelper.resolveServers(servers, clock: clock).first else {
            return MappingLifetimeSection(status: .inconclusive, limitSeconds: limit, evidence: ["no STUN server resolved"])
        }
        do {
            return await run(try LifetimeSockets(server: server, clock: clock), progress: progress)
        } catch {
            return MappingLifetimeSection(status: .inconclusive, limitSeconds: limit, server: server.description,
                                          evidence: ["could not open a socket: \(error)"])
        }
    }
}
