import P2PSocket
import STUNCodec

/// Small STUN helpers shared by the double-NAT, hairpin and cloud probes. Each probe does its own
/// binding instead of reading the NAT probe's result: probes are independent and run concurrently.
enum STUNHelper {
    /// Resolves "host[:port]" to an IPv4 transport address off the cooperative pool.
    static func resolveServer(_ name: String) async -> TransportAddress? {
        await blocking { (try? resolve(name, defaultPort: 3478, family: .ipv4))?.first }
    }

    /// One binding request (first-contact retransmissions) from `socket` to `server`.
    static func binding(_ socket: UDPSocket, to server: TransportAddress, deadline: Deadline,
                        clock: any MonotonicClock) async -> TransactionOutcome {
        var stats = TransactionStats()
        let d = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
        return await runTransactions([TransactionSpec(destination: server, sendOffsets: Schedule.firstContact, deadline: d)],
                                     on: socket, clock: clock, stats: &stats)[0]
    }

    /// Local interface addresses (for "the mapped address is our own: no NAT").
    static func localAddresses() -> Set<IPAddress> {
        Set(((try? interfaceAddresses()) ?? []).map(\.address))
    }
}
