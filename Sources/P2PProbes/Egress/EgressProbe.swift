#if canImport(Glibc)
import Glibc
#endif
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization

/// Outbound UDP by destination port: every target of an `EgressPlan` at once, each on its own
/// connected socket with IP_RECVERR, so ICMP errors are attributed to the right port.
public struct EgressProbe: Sendable {
    public var targets: [EgressTarget]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// Name resolution (injectable for tests); IPv4 answers are preferred.
    public var resolver: @Sendable (String) throws -> [TransportAddress]
    /// Reads the local firewall evidence (injectable; tests turn it off).
    public var firewall: @Sendable (Deadline) async -> FirewallEvidence
    /// The seed the random sample of `sampled` targets was drawn with, named in the evidence so a
    /// run can be repeated (`--egress-seed`).
    public var sampleSeed: UInt64?

    /// Send times for a STUN target (RTT unknown; same as the NAT probe's first contact).
    public static let stunSchedule = Schedule.firstContact
    /// Send times for an ICMP-aware target: few, since each can cost the destination an ICMP error
    /// and hosts rate-limit those (Linux: a burst of 6 per peer, then 1 per second).
    public static let icmpAwareSchedule: [Double] = [0, 0.25, 0.5, 0.75]
    /// Send times toward an egress server: more tries, each with its own transaction ID, so silence
    /// can be weighed against the loss the answered ports showed (`EgressServerSeen`).
    public static let egressServerSchedule: [Double] = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85]
    /// How long one target is waited for at most.
    public static let targetWindow = Schedule.silenceWindow

    public init(targets: [EgressTarget], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                resolver: @escaping @Sendable (String) throws -> [TransportAddress] = { try resolve($0, defaultPort: 3478) },
                firewall: @escaping @Sendable (Deadline) async -> FirewallEvidence = { await FirewallRules.read(deadline: $0) }) {
        self.targets = targets
        self.deadline = deadline
        self.clock = clock
        self.resolver = resolver
        self.firewall = firewall
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> UDPSection {
        let fwDeadline = min(deadline, Deadline.after(seconds: Self.targetWindow, clock: clock))
        async let fw = firewall(fwDeadline)
        let obs = await observe(progress: progress)
        var section = EgressClassifier.classify(obs, firewall: await fw)
        if let sampleSeed, obs.contains(where: { $0.target.sampled }) {
            section.evidence.insert("random ports drawn with --egress-seed \(sampleSeed)", at: min(1, section.evidence.count))
        }
        return section
    }

    /// Resolves every distinct host once, then probes every target concurrently.
    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> [EgressObservation] {
        let resolver = self.resolver
        let clock = self.clock
        let deadline = self.deadline
        var hosts: [String] = []
        for t in targets where !hosts.contains(t.host) { hosts.append(t.host) }
        let resolved: [String: Result<IPAddress, ProbeFailure>] = await withTaskGroup(
            of: (String, Result<IPAddress, ProbeFailure>).self) { group in
            for host in hosts {
                group.addTask {
                    let r = await blockingUntil(Schedule.resolveDeadline(deadline, clock: clock), clock: clock) { () -> Result<IPAddress, ProbeFailure> in
                        do {
                            let all = try resolver(EgressTarget(port: 1, host: host, method: .stun).hostPort)
                            guard let a = all.first(where: { $0.ip.isIPv4 }) ?? all.first else {
                                return .failure(.init(text: "no address for \(host)"))
                            }
                            return .success(a.ip)
                        } catch {
                            return .failure(.init(text: "dns-failure: \(error)"))
                        }
                    }
                    return (host, r ?? .failure(.init(text: "dns-failure: no answer for \(host) before the deadline")))
                }
            }
            var out: [String: Result<IPAddress, ProbeFailure>] = [:]
            for await (h, r) in group { out[h] = r }
            return out
        }
        // The random sample toward an egress server waits until that host has answered as one on a
        // fixed port (or every fixed port there is done without such an answer: then it is skipped).
        var gates: [String: EgressGate] = [:]
        for t in targets where t.method == .egressServer && !t.sampled {
            gates[t.host] = gates[t.host] ?? EgressGate()
            gates[t.host]!.expect()
        }
        let sampleGates = gates
        return await withTaskGroup(of: (Int, EgressObservation).self) { group in
            for (i, target) in targets.enumerated() {
                group.addTask {
                    let gate = sampleGates[target.host]
                    if target.sampled {
                        guard let gate, await gate.wait(until: deadline, clock: clock) else {
                            return (i, EgressObservation(target: target, address: nil, outcome: .skipped(
                                "\(target.host) did not answer as an egress server (p2ptui serve --egress-ports) on any fixed port, so the random ports were not probed")))
                        }
                    }
                    defer {
                        if target.method == .egressServer && !target.sampled { gate?.finished() }
                    }
                    let ip: IPAddress
                    switch resolved[target.host] ?? .failure(.init(text: "not resolved")) {
                    case .success(let a): ip = a
                    case .failure(let f):
                        return (i, EgressObservation(target: target, address: nil, outcome: .dnsFailure(f.text)))
                    }
                    let address = TransportAddress(ip, target.port)
                    let outcome = await Self.probe(address, method: target.method, deadline: deadline, clock: clock)
                    if case .egressAnswer = outcome, !target.sampled { gate?.open() }
                    let o = EgressObservation(target: target, address: address, outcome: outcome)
                    progress(EgressClassifier.judge(o).text)
                    return (i, o)
                }
            }
            var out: [(Int, EgressObservation)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Holds the random sample of one host back until that host has answered as an egress server.
    final class EgressGate: Sendable {
        private let state = Mutex((open: false, pending: 0))

        /// One more fixed target on this host to wait for.
        func expect() { state.withLock { $0.pending += 1 } }
        /// The host answered as an egress server.
        func open() { state.withLock { $0.open = true } }
        /// A fixed target on this host is done.
        func finished() { state.withLock { $0.pending -= 1 } }

        /// True once open; false when every fixed target finished without opening it, at the
        /// deadline, or on cancellation.
        func wait(until deadline: Deadline, clock: any MonotonicClock) async -> Bool {
            while true {
                let (open, pending) = state.withLock { ($0.open, $0.pending) }
                if open { return true }
                if pending <= 0 || deadline.hasPassed(clock: clock) || Task.isCancelled { return false }
                try? await Task.sleep(nanoseconds: 2_000_000)
            }
        }
    }

    struct ProbeFailure: Error {
        var text: String
    }

    /// Sends STUN binding requests to `address` on a fresh connected socket with the error queue on,
    /// until an answer, an ICMP error, a local refusal, or the end of the window.
    static func probe(_ address: TransportAddress, method: EgressMethod, deadline overall: Deadline,
                      clock: any MonotonicClock) async -> EgressOutcome {
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: AddressFamily(of: address.ip))
            try socket.enableErrorQueue()
        } catch {
            return .error("socket: \(error)")
        }
        defer { socket.close() }
        do {
            try socket.connect(to: address)
        } catch let e as SocketError {
            return sendFailure(e, socket: socket)
        } catch {
            return .error("\(error)")
        }
        let start = clock.nowNanos()
        var deadline = min(overall, Deadline(nanos: start + UInt64(targetWindow * 1e9)))
        let offsets = method == .icmpAware ? icmpAwareSchedule : method == .egressServer ? egressServerSchedule : stunSchedule
        let id = TransactionID.random()
        // On UDP 443 a QUIC server listens but drops anything that is not QUIC; a Version
        // Negotiation probe (RFC 9000 section 6) gets an answer from it, so the port can be proven.
        let request = method == .icmpAware && address.port == 443
            ? QUICVersionNegotiation.makeProbe().bytes
            : STUNMessage(type: .bindingRequest, transactionID: id).encode()
        // Toward an expected egress server, 443 also gets the QUIC probe with the 2nd-4th sends
        // (the server answers STUN first, which names it; a plain QUIC server answers only this).
        let alsoQUIC = method == .egressServer && address.port == 443 ? QUICVersionNegotiation.makeProbe().bytes : nil
        var next = 0
        var lastSend = start
        var sendIDs: [TransactionID] = []
        var sendTimes: [UInt64] = []
        while true {
            let now = clock.nowNanos()
            // Toward an egress server silence is weighed, so every request goes out and gets time
            // for an answer even when a stalled process sends the overdue ones in a burst.
            let allSent = method != .egressServer || next >= offsets.count || now >= overall.nanos
            if now >= deadline.nanos && allSent { return .silent(sends: next) }
            while next < offsets.count, start + UInt64(offsets[next] * 1e9) <= now {
                do {
                    if method == .egressServer {
                        let perSend = TransactionID.random()
                        sendIDs.append(perSend)
                        try socket.sendConnected(STUNMessage(type: .bindingRequest, transactionID: perSend).encode())
                    } else {
                        try socket.sendConnected(request)
                    }
                    if let alsoQUIC, (1...3).contains(next) { try socket.sendConnected(alsoQUIC) }
                    lastSend = clock.nowNanos()
                    sendTimes.append(lastSend)
                    next += 1
                    if method == .egressServer {
                        deadline = min(overall, max(deadline, Deadline(nanos: lastSend + UInt64(0.15 * 1e9))))
                    }
                } catch let e as SocketError {
                    return sendFailure(e, socket: socket)
                } catch {
                    return .error("\(error)")
                }
            }
            var wake = deadline.nanos
            if next < offsets.count { wake = min(wake, start + UInt64(offsets[next] * 1e9)) }
            let datagram: Datagram?
            do {
                datagram = try await socket.receive(until: Deadline(nanos: wake), clock: clock)
            } catch let e as SocketError {
                return sendFailure(e, socket: socket)
            } catch {
                return .error("\(error)")
            }
            guard let datagram else { continue }
            if method == .egressServer, let m = try? STUNMessage.decode(datagram.bytes),
               let k = sendIDs.firstIndex(of: m.transactionID), m.type.messageClass == .successResponse,
               let mapped = m.reflexiveAddress {
                let rtt = Double(clock.nowNanos() &- sendTimes[k]) / 1e6
                if let info = EgressMarker.parse(m.software) {
                    return .egressAnswer(mapped: mapped, rttMs: rtt, server: info, answeredSend: k + 1)
                }
                return .stunAnswer(mapped: mapped, rttMs: rtt)
            }
            if let m = try? STUNMessage.decode(datagram.bytes), m.transactionID == id,
               m.type.messageClass == .successResponse, let mapped = m.reflexiveAddress {
                return .stunAnswer(mapped: mapped, rttMs: Double(clock.nowNanos() &- lastSend) / 1e6)
            }
            // A connected socket only receives from its peer: any reply proves the packet arrived.
            return .otherReply(bytes: datagram.bytes.count)
        }
    }

    /// Names a send/receive failure, preferring the ICMP report the error queue holds for it.
    static func sendFailure(_ e: SocketError, socket: UDPSocket) -> EgressOutcome {
        if e.isBlockedLocally { return .blockedLocally(e.description) }
        if let report = try? socket.readErrorQueue() {
            if report.origin == ICMPErrorReport.originICMP || report.origin == ICMPErrorReport.originICMP6 {
                return .icmp(report)
            }
            if report.errno == EPERM || report.errno == EACCES { return .blockedLocally(e.description) }
            return .noRoute("\(e.description), local error report errno \(report.errno)")
        }
        if e.isUnreachable { return .noRoute(e.description) }
        if e.isRefused { return .refused }
        return .error(e.description)
    }
}
