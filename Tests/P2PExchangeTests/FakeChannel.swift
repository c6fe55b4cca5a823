import P2PExchange
import P2PSocket
import STUNCodec
import Synchronization

/// A clock that only moves when told to: a receive "waits" by jumping to its deadline.
final class StepClock: MonotonicClock, Sendable {
    private let now = Mutex<UInt64>(1_000_000_000)
    func nowNanos() -> UInt64 { now.withLock { $0 } }
    func jump(to t: UInt64) { now.withLock { $0 = max($0, t) } }
}

/// A socket without a network, on a `StepClock`: every send is recorded, `respond` says which
/// datagrams come back and how many seconds later, and a receive jumps the clock to the next
/// datagram due before its deadline, or to the deadline.
final class FakeChannel: DatagramChannel, Sendable {
    struct Sent {
        var at: UInt64
        var to: TransportAddress
        var message: STUNMessage
    }

    /// The request, where it went, and how many requests went there before it.
    typealias Responder = @Sendable (STUNMessage, TransportAddress, Int) -> [(delay: Double, datagram: Datagram)]

    let clock: StepClock
    let respond: Responder
    /// Sends to these destinations fail with this error.
    let failing: [TransportAddress: SocketError]
    /// A receive with nothing due suspends until the task is cancelled, instead of jumping the clock.
    let blockWhenIdle: Bool
    private let state = Mutex<(sent: [Sent], due: [(at: UInt64, datagram: Datagram)])>(([], []))

    init(clock: StepClock, failing: [TransportAddress: SocketError] = [:], blockWhenIdle: Bool = false,
         respond: @escaping Responder = { _, _, _ in [] }) {
        self.clock = clock
        self.failing = failing
        self.blockWhenIdle = blockWhenIdle
        self.respond = respond
    }

    var sent: [Sent] { state.withLock { $0.sent } }

    /// Seconds after `start` at which each request went out.
    func sendTimes(since start: UInt64) -> [Double] { sent.map { Double($0.at - start) / 1e9 } }

    func send(_ bytes: [UInt8], to destination: TransportAddress) throws {
        if let e = failing[destination] { throw e }
        let message = try STUNMessage.decode(bytes)
        let now = clock.nowNanos()
        let before = state.withLock { s in s.sent.filter { $0.to == destination }.count }
        let replies = respond(message, destination, before)
        state.withLock { s in
            s.sent.append(Sent(at: now, to: destination, message: message))
            for r in replies { s.due.append((now + UInt64(r.delay * 1e9), r.datagram)) }
        }
    }

    func receive(until deadline: Deadline, clock _: any MonotonicClock) async throws -> Datagram? {
        try Task.checkCancellation()
        let next: (at: UInt64, datagram: Datagram)? = state.withLock { s in
            guard let i = s.due.indices.filter({ s.due[$0].at <= deadline.nanos }).min(by: { s.due[$0].at < s.due[$1].at })
            else { return nil }
            return s.due.remove(at: i)
        }
        if let next {
            clock.jump(to: next.at)
            return next.datagram
        }
        if blockWhenIdle {
            try await Task.sleep(nanoseconds: 60_000_000_000)
        }
        clock.jump(to: deadline.nanos)
        return nil
    }
}

/// A Binding success response to `request`, as a datagram from `source`.
func answer(_ request: STUNMessage, from source: TransportAddress, mapped: TransportAddress,
            extra: [STUNAttribute] = []) -> Datagram {
    let m = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                        attributes: [.xorMappedAddress(mapped)] + extra)
    return Datagram(bytes: m.encode(), source: source)
}
