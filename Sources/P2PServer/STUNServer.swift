import Foundation
import P2PSocket
import STUNCodec
import Synchronization

/// Counters the server keeps; printed by `p2ptui serve` on exit and with `--stats`.
public struct ServerStats: Sendable, Equatable, CustomStringConvertible {
    var tally = ServerTally()

    public var received: Int { tally.received }
    /// Every answer sent, errors included.
    public var answered: Int { tally.answered + tally.otherAnswers }
    public var errorsSent: Int { tally.otherAnswers }
    public var malformed: Int { tally[.responder(.malformed)] }
    public var notBindingRequest: Int { tally[.responder(.notBindingRequest)] }
    public var rateLimited: Int { tally[.rateLimited] }
    public var sendFailures: Int { tally[.sendFailed] }
    /// Answers padded to their request's size (`PaddedResponseMarker`), also counted in `answered`.
    public var padded: Int { tally.padded }

    public init() {}

    public var description: String {
        "received \(received), answered \(answered) (\(errorsSent) errors), dropped: malformed \(malformed), "
            + "not a binding request \(notBindingRequest), rate-limited \(rateLimited); send failures \(sendFailures); "
            + "padded answers \(padded)"
    }
}

/// RFC 5780 STUN server: up to four UDP sockets (primary/alternate address x port), one thread.
public final class STUNServer: Sendable {
    public let addresses: ServerAddresses
    private let sockets: [(slot: SocketSlot, socket: UDPSocket)]
    private let state: Mutex<(stats: ServerStats, limiter: RateLimiter)>
    private let stopFlag = Atomic<Bool>(false)
    private let clock: any MonotonicClock
    /// SOFTWARE of every success response: the egress marker when `serve` also runs egress mode,
    /// else nil (none sent).
    public let software: String?
    private let metrics: ServerMetrics?

    /// Binds every socket now, so address errors surface before `run`. With `metrics`, every
    /// request, answer and drop is also counted there.
    public init(addresses: ServerAddresses, ratePerSecond: Double = 500, software: String? = nil,
                clock: any MonotonicClock = SystemClock(), metrics: ServerMetrics? = nil) throws {
        self.addresses = addresses
        self.software = software
        self.clock = clock
        self.metrics = metrics
        let family: AddressFamily = addresses.primary.isIPv4 ? .ipv4 : .ipv6
        var socks: [(SocketSlot, UDPSocket)] = []
        do {
            for slot in addresses.slots {
                let socket = try UDPSocket(family: family, bindTo: addresses.address(of: slot))
                socks.append((slot, socket))
                // Answers leave with DF, so a padded one too large for the path is lost (or refused
                // with EMSGSIZE) instead of arriving in fragments: the client measures the path.
                try socket.forbidFragmentation()
            }
        } catch {
            for (_, s) in socks { s.close() }
            throw error
        }
        self.sockets = socks
        self.state = Mutex((ServerStats(), RateLimiter(ratePerSecond: ratePerSecond)))
    }

    /// The bound addresses, in slot order.
    public var boundAddresses: [TransportAddress] {
        sockets.compactMap { try? $0.socket.localAddress() }
    }

    public var stats: ServerStats { state.withLock { $0.stats } }

    /// Asks `run` to return (within its poll interval).
    public func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Serves until `stop()`. Blocks the calling thread: run it on a thread of its own.
    public func run() {
        let socks = sockets.map(\.socket)
        var tick: UInt = 0
        var buffer: [UInt8] = []
        while !stopFlag.load(ordering: .relaxed) {
            guard let ready = try? pollReadable(socks, timeout: 0.1) else { continue }
            for index in ready {
                drain(index, tick: &tick, buffer: &buffer)
            }
        }
        for s in socks { s.close() }
    }

    /// Reads everything queued on one socket (bounded, so four busy sockets share the thread);
    /// the batch's counts go to the metrics at once.
    private func drain(_ index: Int, tick: inout UInt, buffer: inout [UInt8]) {
        let (slot, socket) = sockets[index]
        var tally = ServerTally()
        defer { metrics?.stun.add(tally) }
        for _ in 0..<64 {
            guard let datagram = try? socket.receiveNow(into: &buffer) else { return }
            tick &+= 1
            let outcome = handle(datagram, on: slot, timed: tick % ServerMetrics.latencySampling == 0)
            tally.count(outcome)
            state.withLock { $0.stats.tally.count(outcome) }
        }
    }

    private func handle(_ datagram: Datagram, on slot: SocketSlot, timed: Bool) -> ServerTally.Outcome {
        let start = clock.nowNanos()
        guard state.withLock({ $0.limiter.allow(datagram.source.ip, nowNanos: start) }) else {
            return .dropped(.rateLimited)
        }
        switch Responder.respond(to: datagram.bytes, from: datagram.source, on: slot, addresses: addresses,
                                  software: software) {
        case .failure(let reason):
            return .dropped(.responder(reason))
        case .success(let reply):
            let sender = sockets.first { $0.slot == reply.from }?.socket
            guard let sender, (try? sender.send(reply.bytes, to: reply.to)) != nil else { return .dropped(.sendFailed) }
            if timed, let metrics { metrics.stun.answered(startNanos: start, endNanos: clock.nowNanos()) }
            return .answered(other: reply.isError, padded: reply.isPadded)
        }
    }
}
