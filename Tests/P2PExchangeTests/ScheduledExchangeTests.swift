import P2PSocket
import STUNCodec
import Synchronization
import Testing
@testable import P2PProbes

/// A clock that only moves when told to: a receive "waits" by jumping to its deadline.
private final class StepClock: MonotonicClock, Sendable {
    private let now = Mutex<UInt64>(1_000_000_000)
    func nowNanos() -> UInt64 { now.withLock { $0 } }
    func jump(to t: UInt64) { now.withLock { $0 = max($0, t) } }
}

@Suite struct ScheduledExchangeTests {
    private static let source = TransportAddress(IPAddress("192.0.2.1")!, 3478)

    @Test func silenceSendsOnTheScheduleAndEndsAtTheDeadline() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let sentAt = Mutex<[UInt64]>([])
        let end = Deadline(nanos: start + 1_000_000_000)
        let r: Int? = await ScheduledExchange(sends: [0, 0.1, 0.3], end: end, clock: clock).run(
            send: { sentAt.withLock { $0.append(clock.nowNanos() - start) }; return nil },
            receive: { wake in clock.jump(to: wake.nanos); return nil },
            handle: { _ in 1 })
        #expect(r == nil)
        #expect(sentAt.withLock { $0 } == [0, 100_000_000, 300_000_000])
        #expect(clock.nowNanos() == end.nanos)
    }

    @Test func theFirstDatagramTheHandlerTakesEndsTheExchange() async {
        let clock = StepClock()
        let sends = Mutex(0)
        let r: String? = await ScheduledExchange(sends: [0, 0.1, 0.2], end: .after(seconds: 1, clock: clock), clock: clock).run(
            send: { sends.withLock { $0 += 1 }; return nil },
            receive: { wake in
                clock.jump(to: wake.nanos)
                return Datagram(bytes: [sends.withLock { UInt8($0) }], source: Self.source)
            },
            handle: { got in
                guard case .success(let d) = got, d.bytes == [2] else { return nil }
                return "answer"
            })
        #expect(r == "answer")
        #expect(sends.withLock { $0 } == 2)
    }

    @Test func aReceiveErrorGoesToTheHandlerAndASendCanEndIt() async {
        struct Refused: Error {}
        let clock = StepClock()
        let fromError: Bool? = await ScheduledExchange(sends: [0], end: .after(seconds: 1, clock: clock), clock: clock).run(
            send: { nil },
            receive: { _ in throw Refused() },
            handle: { got in
                if case .failure(let e) = got, e is Refused { return true }
                return nil
            })
        #expect(fromError == true)
        let fromSend: Bool? = await ScheduledExchange(sends: [0], end: .after(seconds: 1, clock: clock), clock: clock).run(
            send: { false },
            receive: { _ in nil },
            handle: { _ in true })
        #expect(fromSend == false)
    }
}
