import P2PReport
import P2PSocket
import STUNCodec

/// Whether QUIC gets out: a reserved-version long-header packet to UDP 443 of a QUIC server. A
/// Version Negotiation reply echoing our connection IDs proves the path carries QUIC; silence is
/// "not proven" (servers may rate-limit Version Negotiation), never "blocked".
public struct QUICProbe: Sendable {
    /// "host[:port]" (default port 443).
    public var server: String
    public var deadline: Deadline
    public var clock: any MonotonicClock
    public var resolver: @Sendable (String) throws -> [TransportAddress]

    /// Send times: a few, since each is 1200 bytes and one answer suffices.
    public static let schedule: [Double] = [0, 0.25, 0.6]
    /// How long the probe waits at most.
    public static let window = Schedule.silenceWindow

    public init(server: String, deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                resolver: @escaping @Sendable (String) throws -> [TransportAddress] = { try resolve($0, defaultPort: 443) }) {
        self.server = server
        self.deadline = deadline
        self.clock = clock
        self.resolver = resolver
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> QUICSection {
        var section = QUICSection(status: .notProven, server: server)
        let resolver = self.resolver
        let server = self.server
        let resolved = await blockingUntil(deadline, clock: clock) { () -> Result<TransportAddress, EgressProbe.ProbeFailure> in
            do {
                let all = try resolver(server)
                guard let a = all.first(where: { $0.ip.isIPv4 }) ?? all.first else { return .failure(.init(text: "no address")) }
                return .success(a)
            } catch {
                return .failure(.init(text: "\(error)"))
            }
        }
        let address: TransportAddress
        switch resolved {
        case .success(let a)?: address = a
        case .failure(let f)?:
            section.evidence.append("QUIC not proven: dns-failure: \(f.text)")
            return section
        case nil:
            section.evidence.append("QUIC not proven: dns-failure: \(server) did not resolve before the deadline")
            return section
        }
        section.server = address.description
        progress("Version Negotiation probe to \(address)")
        let probe = QUICVersionNegotiation.makeProbe()
        let (proven, lines) = await Self.exchange(probe, with: address, deadline: deadline, clock: clock)
        if proven { section.status = .open }
        section.evidence += lines
        progress(lines.first ?? "")
        return section
    }

    /// Sends `probe` on a connected socket with the error queue on and waits for a valid Version
    /// Negotiation reply. Returns whether one came and the evidence lines.
    static func exchange(_ probe: QUICVersionNegotiation.Probe, with address: TransportAddress, deadline overall: Deadline,
                         clock: any MonotonicClock) async -> (Bool, [String]) {
        let versionText = QUICVersionNegotiation.describe([probe.version])
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: AddressFamily(of: address.ip))
            try socket.enableErrorQueue()
            try socket.connect(to: address)
        } catch let e as SocketError {
            return (false, ["QUIC not proven: \(address): \(e)"])
        } catch {
            return (false, ["QUIC not proven: \(error)"])
        }
        defer { socket.close() }
        let start = clock.nowNanos()
        let deadline = min(overall, Deadline(nanos: start + UInt64(window * 1e9)))
        var next = 0
        var lastSend = start
        var rejected: [String] = []
        func failure(_ e: SocketError) -> (Bool, [String]) {
            let o = EgressProbe.sendFailure(e, socket: socket)
            let j = EgressClassifier.judge(.init(target: .init(port: address.port, host: "\(address.ip)", method: .icmpAware),
                                                 address: address, outcome: o))
            var text = j.text
            if j.reach == .reached { text += "; no QUIC server there" }
            return (false, ["QUIC not proven: \(text)"] + rejected)
        }
        while true {
            let now = clock.nowNanos()
            if now >= deadline.nanos {
                let ms = Int((Double(now &- start) / 1e6).rounded())
                return (false, ["QUIC not proven: no Version Negotiation reply from \(address) in \(ms) ms after \(next) packets (version \(versionText)); servers may rate-limit it, so this is not proof of blocking"] + rejected)
            }
            while next < schedule.count, start + UInt64(schedule[next] * 1e9) <= now {
                do {
                    try socket.sendConnected(probe.bytes)
                    lastSend = clock.nowNanos()
                    next += 1
                } catch let e as SocketError {
                    return failure(e)
                } catch {
                    return (false, ["QUIC not proven: \(error)"])
                }
            }
            var wake = deadline.nanos
            if next < schedule.count { wake = min(wake, start + UInt64(schedule[next] * 1e9)) }
            let datagram: Datagram?
            do {
                datagram = try await socket.receive(until: Deadline(nanos: wake), clock: clock)
            } catch let e as SocketError {
                return failure(e)
            } catch {
                return (false, ["QUIC not proven: \(error)"])
            }
            guard let datagram else { continue }
            switch QUICVersionNegotiation.parseReply(datagram.bytes) {
            case .failure(let e):
                rejected.append("ignored a \(datagram.bytes.count)-byte reply from \(datagram.source): \(e)")
            case .success(let reply):
                if let why = QUICVersionNegotiation.mismatch(reply, for: probe) {
                    rejected.append("ignored a Version Negotiation reply from \(datagram.source): \(why)")
                    continue
                }
                let rtt = Double(clock.nowNanos() &- lastSend) / 1e6
                return (true, ["QUIC open: \(address) answered our version \(versionText) with Version Negotiation in \(EgressClassifier.formatMs(rtt)) ms, echoing both connection IDs; it offers \(QUICVersionNegotiation.describe(reply.versions))"] + rejected)
            }
        }
    }
}
