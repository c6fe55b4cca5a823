import P2PSocket
import STUNCodec
import Synchronization
import Testing
@testable import P2PExchange

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

/// Lingering: a stalled burst of sends still gets time for answers, up to the limit.
@Suite struct LingeringExchangeTests {
    @Test func eachSendMovesTheEndToItsAnswerTime() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let sentAt = Mutex<[UInt64]>([])
        // The process stalls past the end before the second send: the overdue ones go at once,
        // and the exchange waits their answer time instead of ending.
        let r: Int? = await ScheduledExchange(sends: [0, 0.1, 0.2], end: Deadline(nanos: start + 150_000_000), clock: clock,
                                              linger: (answerTime: 0.15, limit: Deadline(nanos: start + 2_000_000_000))).run(
            send: { (_: Int) in sentAt.withLock { $0.append(clock.nowNanos() - start) }; return nil },
            receive: { wake in
                if clock.nowNanos() == start { clock.jump(to: start + 400_000_000) } else { clock.jump(to: wake.nanos) }
                return nil
            },
            handle: { _ in 1 })
        #expect(r == nil)
        #expect(sentAt.withLock { $0 } == [0, 400_000_000, 400_000_000])
        #expect(clock.nowNanos() == start + 550_000_000)
    }

    @Test func theLimitEndsItEvenWithSendsLeft() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let sends = Mutex(0)
        let r: Int? = await ScheduledExchange(sends: [0, 0.5, 1.0], end: Deadline(nanos: start + 100_000_000), clock: clock,
                                              linger: (answerTime: 0.15, limit: Deadline(nanos: start + 300_000_000))).run(
            send: { (_: Int) in sends.withLock { $0 += 1 }; return nil },
            receive: { wake in clock.jump(to: wake.nanos); return nil },
            handle: { _ in 1 })
        #expect(r == nil)
        #expect(sends.withLock { $0 } == 1)
        #expect(clock.nowNanos() == start + 300_000_000)
    }

    @Test func withoutLingerTheEndIsFixed() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let sends = Mutex(0)
        let _: Int? = await ScheduledExchange(sends: [0, 0.5], end: Deadline(nanos: start + 100_000_000), clock: clock).run(
            send: { (_: Int) in sends.withLock { $0 += 1 }; return nil },
            receive: { wake in clock.jump(to: wake.nanos); return nil },
            handle: { _ in 1 })
        #expect(sends.withLock { $0 } == 1)
        #expect(clock.nowNanos() == start + 100_000_000)
    }
}
