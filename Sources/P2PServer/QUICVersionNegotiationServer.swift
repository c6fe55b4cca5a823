import Dispatch
import P2PSocket
import STUNCodec
import Synchronization

/// One UDP socket answering QUIC long-header packets with Version Negotiation
/// (`QUICVersionNegotiationResponder`), behind `p2ptui serve --quic-port`.
public final class QUICVersionNegotiationServer: Sendable {
    private let socket: UDPSocket
    private let stopFlag = Atomic<Bool>(false)
    private let counters = Mutex(ServerTally())
    private let metrics: ServerMetrics?

    /// Binds now, so address errors surface before `run`. With `metrics`, requests, answers and
    /// drops are also counted there.
    public init(bindTo address: TransportAddress, metrics: ServerMetrics? = nil) throws {
        socket = try UDPSocket(family: AddressFamily(of: address.ip), bindTo: address)
        self.metrics = metrics
    }

    public var boundAddress: TransportAddress? { try? socket.localAddress() }

    /// (datagrams received, Version Negotiation replies sent).
    public var stats: (received: Int, answered: Int) { counters.withLock { ($0.received, $0.answered) } }

    /// Asks `run` to return (within its poll interval).
    public func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Serves until `stop()`. Blocks the calling thread: run it on a thread of its own.
    public func run() {
        while !stopFlag.load(ordering: .relaxed) {
            guard let d = try? socket.receive(timeout: 0.1) else { continue }
            let start = metrics == nil ? 0 : DispatchTime.now().uptimeNanoseconds
            let reply = QUICVersionNegotiationResponder.reply(to: d.bytes, unusedBits: UInt8.random(in: 0...63))
            var sent = false
            if let reply { sent = (try? socket.send(reply, to: d.source)) != nil }
            let outcome: ServerTally.Outcome = sent ? .answered() : .dropped(reply == nil ? .notAProbe : .sendFailed)
            if let metrics {
                // A stand-in QUIC server sees little traffic: every request is counted and timed.
                var t = ServerTally()
                t.count(outcome)
                metrics.quic.add(t)
                if sent { metrics.quic.answered(startNanos: start, endNanos: DispatchTime.now().uptimeNanoseconds) }
            }
            counters.withLock { $0.count(outcome) }
        }
        socket.close()
    }
}
