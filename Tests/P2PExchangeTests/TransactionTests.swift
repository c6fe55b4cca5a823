import Glibc
import P2PSocket
import STUNCodec
import Testing
@testable import P2PExchange

/// `runTransactions` on a fake socket and a stepped clock: every send time, deadline and outcome is
/// exact, with no network and no waiting.
@Suite struct TransactionTests {
    static let server = TransportAddress(IPAddress("192.0.2.1")!, 3478)
    static let alternate = TransportAddress(IPAddress("192.0.2.2")!, 3479)
    static let other = TransportAddress(IPAddress("198.51.100.7")!, 3478)
    static let mapped = TransportAddress(IPAddress("203.0.113.5")!, 40000)
    static let marked: ServerTextCleaner = { "clean(\($0))" }

    static func run(_ specs: [TransactionSpec], on channel: FakeChannel, stats: inout TransactionStats,
                    untilFirstAnswer: Bool = false) async -> [TransactionOutcome] {
        await runTransactions(specs, on: channel, clock: channel.clock, stats: &stats,
                              untilFirstAnswer: untilFirstAnswer, serverText: marked)
    }

    @Test func aSilentServerGetsEveryRetransmissionOnTimeAndEndsAtItsDeadline() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let channel = FakeChannel(clock: clock)
        var stats = TransactionStats()
        let deadline = Deadline(nanos: start + 1_000_000_000)
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1, 0.25, 0.5], deadline: deadline)],
                                 on: channel, stats: &stats)
        #expect(out == [.silent(sends: 4)])
        #expect(channel.sendTimes(since: start) == [0, 0.1, 0.25, 0.5])
        // Every retransmission repeats the same request.
        #expect(Set(channel.sent.map(\.message.transactionID)).count == 1)
        #expect(clock.nowNanos() == deadline.nanos)
    }

    @Test func anAnswerToARetransmissionStopsTheSchedule() async throws {
        let clock = StepClock()
        let start = clock.nowNanos()
        // Only the third request is answered, 20 ms after it went out.
        let channel = FakeChannel(clock: clock) { request, to, n in
            n == 2 ? [(0.02, answer(request, from: to, mapped: Self.mapped, extra: [.software("srv\u{1B}")]))] : []
        }
        var stats = TransactionStats()
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1, 0.2, 0.3, 0.4],
                                                  deadline: Deadline(nanos: start + 1_000_000_000))],
                                 on: channel, stats: &stats)
        let a = try #require(out[0].answer)
        #expect(a.mapped == Self.mapped && a.source == Self.server && a.sends == 3)
        #expect(abs(a.rttMs - 20) < 1e-6)
        // The server's text goes through the cleaner it was given.
        #expect(a.software == "clean(srv\u{1B})")
        #expect(channel.sendTimes(since: start) == [0, 0.1, 0.2])
        #expect(clock.nowNanos() == start + 220_000_000)
        #expect(stats.ignored == 0)
    }

    @Test func answersFromTheWrongSourceAreIgnoredAndNamed() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        // A one-address server answers a CHANGE-REQUEST from its primary address.
        let channel = FakeChannel(clock: clock) { request, to, _ in
            [(0.001, answer(request, from: to, mapped: Self.mapped))]
        }
        var stats = TransactionStats()
        let out = await Self.run([TransactionSpec(destination: Self.server, expectFrom: Self.alternate,
                                                  attributes: [.changeRequest(changeIP: true, changePort: true)],
                                                  sendOffsets: [0, 0.1, 0.2], deadline: Deadline(nanos: start + 500_000_000))],
                                 on: channel, stats: &stats)
        #expect(out == [.wrongSource(Self.server, sends: 3)])
        #expect(stats.ignored == 3)
        #expect(clock.nowNanos() == start + 500_000_000)
    }

    @Test func lateDuplicateAndForeignAnswersChangeNoOutcome() async throws {
        let clock = StepClock()
        let start = clock.nowNanos()
        let channel = FakeChannel(clock: clock) { request, to, n in
            guard to == Self.server, n == 0 else { return [] }
            let foreign = STUNMessage(type: .bindingSuccess, attributes: [.xorMappedAddress(Self.other)])
            return [(0.005, Datagram(bytes: foreign.encode(), source: to)),
                    (0.006, Datagram(bytes: [0x17, 0x03], source: to)),
                    (0.01, answer(request, from: to, mapped: Self.mapped)),
                    (0.011, answer(request, from: to, mapped: Self.other))]
        }
        var stats = TransactionStats()
        // The second, silent server keeps the loop receiving after the first one's answer.
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1], deadline: Deadline(nanos: start + 1_000_000_000)),
                                  TransactionSpec(destination: Self.alternate, sendOffsets: [0, 0.05], deadline: Deadline(nanos: start + 80_000_000))],
                                 on: channel, stats: &stats)
        let a = try #require(out[0].answer)
        #expect(a.mapped == Self.mapped && a.sends == 1)
        #expect(out[1] == .silent(sends: 2))
        // The foreign ID, the malformed datagram and the duplicate answer.
        #expect(stats.ignored == 3)
        #expect(clock.nowNanos() == start + 80_000_000)
    }

    @Test func eachTransactionEndsAtItsOwnDeadline() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        // The second server answers only its fourth request, after the first server's deadline.
        let channel = FakeChannel(clock: clock) { request, to, n in
            to == Self.alternate && n == 3 ? [(0.01, answer(request, from: to, mapped: Self.mapped))] : []
        }
        var stats = TransactionStats()
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1, 0.2, 0.3], deadline: Deadline(nanos: start + 250_000_000)),
                                  TransactionSpec(destination: Self.alternate, sendOffsets: [0, 0.1, 0.2, 0.3], deadline: Deadline(nanos: start + 900_000_000))],
                                 on: channel, stats: &stats)
        #expect(out[0] == .silent(sends: 3))
        #expect(out[1].answer?.sends == 4)
        #expect(channel.sent.filter { $0.to == Self.server }.count == 3)
        #expect(clock.nowNanos() == start + 310_000_000)
    }

    @Test func untilFirstAnswerEndsTheOthersAtTheFirstAnswer() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let channel = FakeChannel(clock: clock) { request, to, n in
            to == Self.alternate && n == 1 ? [(0.03, answer(request, from: to, mapped: Self.mapped))] : []
        }
        var stats = TransactionStats()
        let deadline = Deadline(nanos: start + 1_000_000_000)
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1, 0.2], deadline: deadline),
                                  TransactionSpec(destination: Self.alternate, sendOffsets: [0, 0.1, 0.2], deadline: deadline)],
                                 on: channel, stats: &stats, untilFirstAnswer: true)
        #expect(out[0] == .notRun("another server answered first"))
        #expect(out[1].answer?.sends == 2)
        #expect(clock.nowNanos() == start + 130_000_000)
        #expect(channel.sent.count == 4)
    }

    @Test func errorResponsesAndLocalSendFailuresEndTheirTransaction() async {
        let clock = StepClock()
        let start = clock.nowNanos()
        let channel = FakeChannel(clock: clock, failing: [Self.other: SocketError(call: "sendto", code: ENETUNREACH)]) { request, to, _ in
            let e = STUNMessage(type: .bindingError, transactionID: request.transactionID,
                                attributes: [.errorCode(code: 420, reason: "Unknown\u{1B}")])
            return [(0.002, Datagram(bytes: e.encode(), source: to))]
        }
        var stats = TransactionStats()
        let deadline = Deadline(nanos: start + 1_000_000_000)
        let out = await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1], deadline: deadline),
                                  TransactionSpec(destination: Self.other, sendOffsets: [0, 0.1], deadline: deadline)],
                                 on: channel, stats: &stats)
        #expect(out[0] == .errorResponse(code: 420, reason: "clean(Unknown\u{1B})"))
        guard case .failed(let kind, _) = out[1] else {
            Issue.record("\(out[1])")
            return
        }
        #expect(kind == "no-route")
        #expect(clock.nowNanos() == start + 2_000_000)
    }

    @Test func cancellationEndsTheOpenTransactionsAsNotRun() async throws {
        let clock = StepClock()
        let channel = FakeChannel(clock: clock, blockWhenIdle: true)
        let task = Task {
            var stats = TransactionStats()
            return await Self.run([TransactionSpec(destination: Self.server, sendOffsets: [0, 0.1],
                                                   deadline: .after(seconds: 10, clock: clock))],
                                  on: channel, stats: &stats)
        }
        // Hang guard only: the first request goes out at once.
        for _ in 0..<1000 where channel.sent.isEmpty { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(channel.sent.count == 1)
        task.cancel()
        let out = await task.value
        #expect(out == [.notRun("cancelled")])
        #expect(channel.sent.count == 1)
    }
}
