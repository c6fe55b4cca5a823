import P2PExchange
import P2PSocket
import STUNCodec

/// Small STUN helpers shared by the double-NAT, hairpin and cloud probes. Each probe does its own
/// binding instead of reading the NAT probe's result: probes are independent and run concurrently.
enum STUNHelper {
    /// Resolves "host[:port]" to an IPv4 transport address off the cooperative pool, giving up
    /// after the silence window.
    static func resolveServer(_ name: String, clock: any MonotonicClock = SystemClock()) async -> TransportAddress? {
        let d = Schedule.resolveDeadline(Deadline.after(seconds: Schedule.silenceWindow, clock: clock), clock: clock)
        return await blockingUntil(d, clock: clock) { (try? resolve(name, defaultPort: 3478, family: .ipv4))?.first } ?? nil
    }

    /// Every configured server resolved (IPv4, concurrently), in the order given, duplicates and
    /// unresolvable names dropped: the probes that need "a" public endpoint use whichever answers.
    static func resolveServers(_ names: [String], clock: any MonotonicClock = SystemClock()) async -> [TransportAddress] {
        let found = await withTaskGroup(of: (Int, TransportAddress?).self) { group in
            for (i, n) in names.enumerated() { group.addTask { (i, await resolveServer(n, clock: clock)) } }
            var out: [(Int, TransportAddress?)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.compactMap(\.1)
        }
        var out: [TransportAddress] = []
        for a in found where !out.contains(a) { out.append(a) }
        return out
    }

    /// Binding requests from `socket` to every server at once (every answering server
    /// counts, not only the first configured one); the first answer, and which server gave it.
    static func bindingAny(_ socket: UDPSocket, to servers: [TransportAddress], deadline: Deadline,
                           clock: any MonotonicClock) async -> (server: TransportAddress, answer: TransactionOutcome.Answer)? {
        guard !servers.isEmpty else { return nil }
        var stats = TransactionStats()
        let d = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        let outcomes = await runTransactions(servers.map { TransactionSpec(destination: $0, sendOffsets: Schedule.firstContact, deadline: d) },
                                             on: socket, clock: clock, stats: &stats, untilFirstAnswer: true, serverText: serverText)
        for (s, o) in zip(servers, outcomes) { if let a = o.answer { return (s, a) } }
        return nil
    }

    /// One binding request (first-contact retransmissions) from `socket` to `server`.
    static func binding(_ socket: UDPSocket, to server: TransportAddress, deadline: Deadline,
                        clock: any MonotonicClock) async -> TransactionOutcome {
        var stats = TransactionStats()
        let d = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        return await runTransactions([TransactionSpec(destination: server, sendOffsets: Schedule.firstContact, deadline: d)],
                                     on: socket, clock: clock, stats: &stats, serverText: serverText)[0]
    }

    /// Local interface addresses (for "the mapped address is our own: no NAT").
    static func localAddresses() -> Set<IPAddress> {
        Set(((try? interfaceAddresses()) ?? []).map(\.address))
    }
}
