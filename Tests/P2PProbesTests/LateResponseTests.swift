import Foundation
import P2PExchange
import P2PProbes
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
import Synchronization
import Testing

/// Late, duplicated and mismatched responses never change an outcome or a verdict. Each test has a
/// control, so it fails if the client believed the stray packet. Loopback only (lo-only namespace).
@Suite(.serialized) struct LateResponseTests {
    static let primary = TransportAddress(.v4(127, 0, 0, 1), 27610)
    static let alternate = TransportAddress(.v4(127, 0, 0, 2), 27611)

    /// Test I is answered; during test II on the same socket the server sends test I's answer again,
    /// from exactly the address test II's answer must come from, and never answers test II itself.
    /// Test II must stay silent: the late answer carries test I's transaction ID.
    @Test func lateAnswerToTestIDuringTestIINeverCountsForTestII() async throws {
        let server = try UDPSocket(family: .ipv4, bindTo: Self.primary)
        let alt = try UDPSocket(family: .ipv4, bindTo: Self.alternate)
        let client = try UDPSocket(family: .ipv4)
        defer { server.close(); alt.close(); client.close() }
        let replayed = Atomic<Int>(0)
        let fake = Thread {
            var testIAnswer: ([UInt8], TransportAddress)?
            let end = Date().addingTimeInterval(60)  // a hang guard: the loop ends when the test closes the socket
            while Date() < end, !server.isClosed {
                guard let d = try? server.receive(timeout: 0.05), let m = try? STUNMessage.decode(d.bytes) else { continue }
                if m.changeRequest == nil {
                    let answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID,
                                             attributes: [.xorMappedAddress(d.source)]).encode()
                    try? server.send(answer, to: d.source)
                    testIAnswer = (answer, d.source)
                } else if let (bytes, to) = testIAnswer {
                    try? alt.send(bytes, to: to)      // right source for test II, test I's ID
                    try? server.send(bytes, to: to)   // and a plain duplicate
                    replayed.add(1, ordering: .relaxed)
                }
            }
        }
        fake.start()

        var stats = TransactionStats()
        // Test I ends on its answer; the long deadline only keeps a starved runner from missing it.
        let testI = await runTransactions([TransactionSpec(destination: Self.primary, sendOffsets: [0, 0.1, 0.2],
                                                           deadline: .after(seconds: 30))], on: client, stats: &stats, serverText: { $0 })[0]
        #expect(testI.answer != nil, "control: test I is answered (\(testI))")
        let testII = await runTransactions([TransactionSpec(destination: Self.primary, expectFrom: Self.alternate,
                                                            attributes: [.changeRequest(changeIP: true, changePort: true)],
                                                            sendOffsets: [0, 0.05, 0.1, 0.15, 0.2], deadline: .after(seconds: 0.5))],
                                           on: client, stats: &stats, serverText: { $0 })[0]
        #expect(replayed.load(ordering: .relaxed) >= 1, "the fake server did replay test I's answer")
        guard case .silent(let sends) = testII else {
            Issue.record("test II took a late answer to test I: \(testII)")
            return
        }
        #expect(sends >= 1, "sent at least once (a starved runner may get fewer sends in, never an answer)")
        // Replays that arrive after test II's deadline are never read; those read were ignored.
        #expect(stats.ignored >= 1, "the replays that were read are counted as ignored")
    }

    /// A duplicate answer with the same transaction ID but a different mapped address (a second,
    /// rewritten copy) never replaces the first answer of that transaction.
    @Test func duplicateWithOtherContentNeverReplacesTheFirstAnswer() async throws {
        let server = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 27620))
        let client = try UDPSocket(family: .ipv4)
        defer { server.close(); client.close() }
        let first = TransportAddress(.v4(198, 51, 100, 7), 1111)
        let second = TransportAddress(.v4(198, 51, 100, 8), 2222)
        let fake = Thread {
            let end = Date().addingTimeInterval(60)  // a hang guard: the loop ends when the test closes the socket
            while Date() < end, !server.isClosed {
                guard let d = try? server.receive(timeout: 0.05), let m = try? STUNMessage.decode(d.bytes) else { continue }
                for mapped in [first, second] {
                    let answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID,
                                             attributes: [.xorMappedAddress(mapped)])
                    try? server.send(answer.encode(), to: d.source)
                }
            }
        }
        fake.start()
        var stats = TransactionStats()
        // Two transactions on one socket: the duplicate of either must not reach the other. Each
        // ends on its answer; the long deadlines only keep a starved runner from missing it.
        let out = await runTransactions([
            TransactionSpec(destination: TransportAddress(.v4(127, 0, 0, 1), 27620), sendOffsets: [0], deadline: .after(seconds: 30)),
            TransactionSpec(destination: TransportAddress(.v4(127, 0, 0, 1), 27620), sendOffsets: [0.05], deadline: .after(seconds: 30)),
        ], on: client, stats: &stats, serverText: { $0 })
        #expect(out.map { $0.answer?.mapped } == [first, first])
        // The duplicates may arrive after both transactions ended (then nobody reads them).
        #expect((1...2).contains(stats.ignored), "the first duplicate is read while the second transaction waits: \(stats.ignored)")
    }

    /// Verdict level: an RFC 5780 server that filters like an address-and-port-dependent firewall
    /// (it never answers CHANGE-REQUEST) but, for every CHANGE-REQUEST, replays the last answer it
    /// gave that client from the address the change asks for, and sends a success with a random
    /// transaction ID from there. Believing either would read as open filtering ("Open Internet").
    @Test(arguments: [false, true])
    func straysFromTheExpectedSourceNeverTurnFilteringIntoOpen(withStrays: Bool) async throws {
        let server = try FilteringServer(port: withStrays ? 27630 : 27640, strays: withStrays)
        defer { server.stop() }
        let s = await NATProbe(servers: ["127.0.0.1:\(server.port)"], deadline: .after(seconds: 3)).run()
        #expect(s.mapping == .noNAT)
        #expect(s.filtering == .addressAndPortDependent, "\(s.evidence)")
        #expect(s.classicType == .symmetricUDPFirewall)
        if withStrays {
            #expect(server.straysSent.load(ordering: .relaxed) >= 4)
            // Every stray the probe read is ignored and counted. Those answering its last requests
            // may come after it stopped reading (more of them the more a busy machine delays the
            // server's thread), so only some are certain to be counted.
            let sent = server.straysSent.load(ordering: .relaxed)
            #expect(s.ignoredResponses >= 1, "strays read are ignored and counted (\(s.ignoredResponses) of \(sent) sent)")
        } else {
            #expect(s.ignoredResponses == 0, "control")
        }
    }
}

/// Real `Responder` answers on four loopback sockets, except CHANGE-REQUESTs that ask for a change:
/// those get no answer (filtered), and optionally two stray packets from the socket the answer
/// would have come from.
final class FilteringServer: Sendable {
    let port: UInt16
    let straysSent = Atomic<Int>(0)
    private let addresses: ServerAddresses
    private let sockets: [(SocketSlot, UDPSocket)]
    private let stopFlag = Atomic<Bool>(false)
    private let lastAnswer = Mutex<[TransportAddress: [UInt8]]>([:])
    private let strays: Bool

    init(port: UInt16, strays: Bool) throws {
        self.port = port
        self.strays = strays
        addresses = ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: port)
        let a = addresses
        sockets = try a.slots.map { ($0, try UDPSocket(family: .ipv4, bindTo: a.address(of: $0))) }
        Thread { [self] in loop() }.start()
    }

    func stop() { stopFlag.store(true, ordering: .relaxed) }

    private func socket(_ slot: SocketSlot) -> UDPSocket { sockets.first { $0.0 == slot }!.1 }

    private func loop() {
        let socks = sockets.map(\.1)
        while !stopFlag.load(ordering: .relaxed) {
            guard let ready = try? pollReadable(socks, timeout: 0.05) else { continue }
            for i in ready {
                while let d = try? socks[i].receive(timeout: 0) { handle(d, slot: sockets[i].0) }
            }
        }
        for s in socks { s.close() }
    }

    private func handle(_ d: Datagram, slot: SocketSlot) {
        guard case .success(let reply) = Responder.respond(to: d.bytes, from: d.source, on: slot, addresses: addresses)
        else { return }
        let asksChange = (try? STUNMessage.decode(d.bytes))?.changeRequest.map { $0.changeIP || $0.changePort } ?? false
        if !asksChange {
            try? socket(reply.from).send(reply.bytes, to: reply.to)
            lastAnswer.withLock { $0[d.source] = reply.bytes }
            return
        }
        guard strays else { return }
        if let late = lastAnswer.withLock({ $0[d.source] }) {
            try? socket(reply.from).send(late, to: reply.to)
            straysSent.add(1, ordering: .relaxed)
        }
        guard var m = try? STUNMessage.decode(reply.bytes) else { return }
        m.transactionID = .random()
        try? socket(reply.from).send(m.encode(), to: reply.to)
        straysSent.add(1, ordering: .relaxed)
    }
}
