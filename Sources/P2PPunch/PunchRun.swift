import P2PReport
import P2PSocket
import STUNCodec

/// Runs the checks on the gathered socket until a pair succeeds both ways (and the peer has been
/// told) or the deadline passes: the network side of `CheckMachine`.
public func runChecks(on socket: UDPSocket, credentials: CheckCredentials, localAddresses: Set<TransportAddress> = [],
                      config: PunchConfig = PunchConfig(), clock: any MonotonicClock = SystemClock(),
                      onProgress: @escaping @Sendable (String) -> Void = { _ in }) async -> CheckMachine {
    var m = CheckMachine(credentials: credentials, localAddresses: localAddresses, config: config,
                         start: clock.nowNanos())
    onProgress("checking \(m.pairs.count) pair(s): " + m.pairs.map { "\($0.remote.kind.label) \($0.remote.address)" }.joined(separator: ", "))
    var reportedProven = false
    func send(_ out: [Outgoing]) {
        for o in out {
            // A send error (no route to a private address of the other LAN) only fails that pair.
            try? socket.send(o.bytes, to: o.to)
        }
    }
    while !m.isDone {
        if Task.isCancelled { break }
        send(m.poll(now: clock.nowNanos()))
        if m.isDone { break }
        if !reportedProven, let p = m.provenPair {
            reportedProven = true
            onProgress("pair \(m.pairs[p].remote.address) succeeded both ways")
        }
        let datagram: Datagram?
        do {
            datagram = try await socket.receive(until: Deadline(nanos: m.nextWake), clock: clock)
        } catch is CancellationError {
            break
        } catch {
            if socket.isClosed { break }
            // ICMP errors (port unreachable from a private address that exists elsewhere) only
            // mean that pair fails; the deadline ends the loop.
            continue
        }
        if let d = datagram { send(m.receive(d.bytes, from: d.source, now: clock.nowNanos())) }
    }
    return m
}

/// Measures the proven path for `seconds` (the network side of `PathMeter`), with fragmentation
/// forbidden so a datagram too large for the path is dropped or refused instead of split. nil when
/// the checks proved no path, either code does not offer measuring, or `seconds` is 0.
public func measurePath(on socket: UDPSocket, machine m: CheckMachine, seconds: Double,
                        clock: any MonotonicClock = SystemClock(),
                        onProgress: @escaping @Sendable (String) -> Void = { _ in }) async -> PathQuality? {
    let c = m.credentials
    guard seconds > 0, let p = m.provenPair, c.local.measures, c.peer.measures else { return nil }
    // Without DF the sizes still cross (in fragments) and the result says more than it knows.
    try? socket.forbidFragmentation()
    var meter = PathMeter(credentials: c, remote: m.pairs[p].remote.address, seconds: seconds, start: clock.nowNanos())
    onProgress("measuring the path to \(meter.remote) for \(PunchResult.seconds(seconds)) s")
    while !meter.isDone(now: clock.nowNanos()) {
        if Task.isCancelled { break }
        for o in meter.poll(now: clock.nowNanos()) { try? socket.send(o.bytes, to: o.to) }
        let datagram: Datagram?
        do {
            datagram = try await socket.receive(until: Deadline(nanos: meter.nextWake), clock: clock)
        } catch is CancellationError {
            break
        } catch {
            if socket.isClosed { break }
            continue
        }
        if let d = datagram {
            for o in meter.receive(d.bytes, from: d.source, now: clock.nowNanos()) { try? socket.send(o.bytes, to: o.to) }
        }
    }
    return meter.quality
}
