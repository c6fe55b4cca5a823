import P2PReport
import P2PSocket
import STUNCodec

/// The punching sockets, one per address family (IPv4, and IPv6 when this side has a global IPv6
/// address): a datagram leaves on the socket of its destination's family.
struct PunchSockets: Sendable {
    let all: [UDPSocket]

    init(_ socket: UDPSocket, _ socket6: UDPSocket?) { all = [socket] + (socket6.map { [$0] } ?? []) }

    var isClosed: Bool { all.allSatisfy(\.isClosed) }

    func send(_ out: [Outgoing]) {
        for o in out {
            // A send error (no route to a private address of the other LAN, no IPv6 route) only
            // fails that pair.
            try? all.first { $0.family == AddressFamily(of: o.to.ip) }?.send(o.bytes, to: o.to)
        }
    }

    /// The next datagram on any of the sockets, or nil at `deadline`.
    func receive(until deadline: Deadline, clock: any MonotonicClock) async throws -> Datagram? {
        if all.count == 1 { return try await all[0].receive(until: deadline, clock: clock) }
        for i in try await pollReadable(all, until: deadline, clock: clock) {
            if let d = try all[i].receive(timeout: 0) { return d }
        }
        return nil
    }

    /// Sends what `poll` gives and hands every datagram to `receive` until `done`; `wake` says when
    /// `poll` next has something to do. Ends early when the task is cancelled or the sockets close.
    func pump(clock: any MonotonicClock, done: () -> Bool, poll: (UInt64) -> [Outgoing], wake: () -> UInt64,
              receive: (Datagram, UInt64) -> [Outgoing], afterPoll: () -> Void = {}) async {
        while !done() {
            if Task.isCancelled { break }
            send(poll(clock.nowNanos()))
            if done() { break }
            afterPoll()
            let datagram: Datagram?
            do {
                datagram = try await self.receive(until: Deadline(nanos: wake()), clock: clock)
            } catch is CancellationError {
                break
            } catch {
                if isClosed { break }
                // ICMP errors (port unreachable from a private address that exists elsewhere) only
                // mean that pair fails; the deadline ends the loop.
                continue
            }
            if let d = datagram { send(receive(d, clock.nowNanos())) }
        }
    }
}

/// Runs the checks on the gathered socket(s) until a pair succeeds both ways (and the peer has
/// been told) or the deadline passes: the network side of `CheckMachine`. `socket6` carries the
/// checks to the peer's IPv6 candidates.
public func runChecks(on socket: UDPSocket, v6 socket6: UDPSocket? = nil, credentials: CheckCredentials,
                      localAddresses: Set<TransportAddress> = [], config: PunchConfig = PunchConfig(),
                      clock: any MonotonicClock = SystemClock(),
                      onProgress: @escaping @Sendable (String) -> Void = { _ in }) async -> CheckMachine {
    var m = CheckMachine(credentials: credentials, localAddresses: localAddresses, config: config,
                         start: clock.nowNanos())
    onProgress("checking \(m.pairs.count) pair(s): " + m.pairs.map { "\($0.remote.kind.label) \($0.remote.address)" }.joined(separator: ", "))
    var reportedProven = false
    await PunchSockets(socket, socket6).pump(
        clock: clock, done: { m.isDone }, poll: { m.poll(now: $0) }, wake: { m.nextWake },
        receive: { m.receive($0.bytes, from: $0.source, now: $1) },
        afterPoll: {
            if !reportedProven, let p = m.provenPair {
                reportedProven = true
                onProgress("pair \(m.pairs[p].remote.address) succeeded both ways")
            }
        })
    return m
}

/// Measures the proven path for `seconds` (the network side of `PathMeter`), with fragmentation
/// forbidden so a datagram too large for the path is dropped or refused instead of split. nil when
/// the checks proved no path, either code does not offer measuring, or `seconds` is 0.
public func measurePath(on socket: UDPSocket, v6 socket6: UDPSocket? = nil, machine m: CheckMachine, seconds: Double,
                        clock: any MonotonicClock = SystemClock(),
                        onProgress: @escaping @Sendable (String) -> Void = { _ in }) async -> PathQuality? {
    let c = m.credentials
    guard seconds > 0, let p = m.provenPair, c.local.measures, c.peer.measures else { return nil }
    let sockets = PunchSockets(socket, socket6)
    // Without DF the sizes still cross (in fragments) and the result says more than it knows.
    for s in sockets.all { try? s.forbidFragmentation() }
    var meter = PathMeter(credentials: c, remote: m.pairs[p].remote.address, seconds: seconds, start: clock.nowNanos())
    onProgress("measuring the path to \(meter.remote) for \(PunchResult.seconds(seconds)) s")
    await sockets.pump(clock: clock, done: { meter.isDone(now: clock.nowNanos()) }, poll: { meter.poll(now: $0) },
                       wake: { meter.nextWake }, receive: { meter.receive($0.bytes, from: $0.source, now: $1) })
    return meter.quality
}
