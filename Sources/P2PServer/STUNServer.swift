import Foundation
import P2PSocket
import STUNCodec
import Synchronization

/// Counters the server keeps; printed by `p2ptui serve` on exit and with `--stats`.
public struct ServerStats: Sendable, Equatable, CustomStringConvertible {
    public var received = 0
    public var answered = 0
    public var errorsSent = 0
    public var malformed = 0
    public var notBindingRequest = 0
    public var rateLimited = 0
    public var sendFailures = 0
    /// Answers padded to their request's size (`PaddedResponseMarker`), also counted in `answered`.
    public var padded = 0

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
        var tally = ServerMetrics.Tally()
        defer { metrics?.stun.add(tally) }
        for _ in 0..<64 {
            guard let datagram = try? socket.receiveNow(into: &buffer) else { return }
            tick &+= 1
            handle(datagram, on: slot, tally: &tally, timed: tick % ServerMetrics.latencySampling == 0)
        }
    }

    private func handle(_ datagram: Datagram, on slot: SocketSlot, tally: inout ServerMetrics.Tally, timed: Bool) {
        let start = clock.nowNanos()
        tally.received += 1
        guard admit(state, datagram.source.ip, nowNanos: start) else {
            tally.dropped(.rateLimited)
            return
        }
        switch Responder.respond(to: datagram.bytes, from: datagram.source, on: slot, addresses: addresses,
                                  software: software) {
        case .failure(let reason):
            tally.dropped(.responder(reason))
            state.withLock { s in
                switch reason {
                case .malformed: s.stats.malformed += 1
                case .notBindingRequest: s.stats.notBindingRequest += 1
                case .rateLimited: s.stats.rateLimited += 1
                }
            }
        case .success(let reply):
            let sender = sockets.first { $0.slot == reply.from }?.socket
            var ok = false
            if let sender { ok = (try? sender.send(reply.bytes, to: reply.to)) != nil }
            if !ok {
                tally.dropped(.sendFailed)
            } else if reply.isError {
                tally.otherAnswers += 1
            } else {
                tally.answered += 1
            }
            if ok, timed, let metrics { metrics.stun.answered(startNanos: start, endNanos: clock.nowNanos()) }
            state.withLock { s in
                if ok {
                    s.stats.answered += 1
                    if reply.isError { s.stats.errorsSent += 1 }
                    if reply.isPadded { s.stats.padded += 1 }
                } else {
                    s.stats.sendFailures += 1
                }
            }
        }
    }
}
