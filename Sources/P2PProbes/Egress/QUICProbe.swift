import Foundation
import P2PExchange
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

    /// Send times: a few, since each is 1200 bytes and one answer suffices. Each QUIC probe goes
    /// with a plain STUN Binding request from the same socket.
    /// Twelve tries when nothing answers: at 30% loss each way, all twelve lost by chance is 1 in
    /// 3000, so silence with plain answers is not loss (the answer comes at once when QUIC passes).
    public static let schedule: [Double] = [0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85]
    /// How long the probe waits at most.
    public static let window = Schedule.silenceWindow
    /// QUIC filtering is only called when silence to QUIC is this unlikely on a path that carried
    /// the plain probes as often as it did: with plain loss rate l, (l)^quicSends < this.
    public static let filterConfidence = 0.001
    /// And only after at least this many QUIC probes ("several tries").
    public static let minimumQUICSends = 5

    /// True once every other probe of the run has finished (the engine sets it).
    public var restDone: @Sendable () -> Bool = { false }
    /// The least time a name lookup is given, even when everything else is done: a resolver with
    /// a warm cache answers well within it.
    public static let resolveFloor = 0.3

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
        let clock = self.clock
        let started = clock.nowNanos()
        let restDone = self.restDone
        // A name that has not resolved by the time every other probe is done (and at least
        // `resolveFloor` in) does not hold the report: QUIC stays "not proven", with the time waited.
        let stop: @Sendable () -> Bool = {
            restDone() && Double(clock.nowNanos() &- started) / 1e9 >= Self.resolveFloor
        }
        let resolved = await blockingUntil(Schedule.resolveDeadline(deadline, clock: clock), clock: clock, stopWaiting: stop) { () -> Result<TransportAddress, EgressProbe.ProbeFailure> in
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
            let waited = (clock.nowNanos() &- started) / 1_000_000
            section.evidence.append("QUIC not proven: dns-failure: \(server) did not resolve within \(waited) ms")
            return section
        }
        section.server = address.description
        progress("Version Negotiation probe to \(address)")
        let probe = QUICVersionNegotiation.makeProbe()
        let result = await Self.exchange(probe, with: address, deadline: deadline, clock: clock)
        section.status = result.status
        section.plainAnswered = result.plainAnswered
        let lines = result.lines
        section.evidence += lines
        progress(lines.first ?? "")
        return section
    }

    /// What the exchange found.
    struct Exchange {
        var status: QUICStatus
        var lines: [String]
        /// Whether a plain STUN probe was answered (nil: none could be sent).
        var plainAnswered: Bool?
    }

    /// The QUIC verdict from counts. Pure. Filtered only when the plain probe was answered by an
    /// egress-mode server that says it answers QUIC too, after at least `minimumQUICSends` QUIC
    /// probes, and when losing every one of them by chance is below `filterConfidence` given how
    /// often the plain probe got through (loss is never called filtering).
    static func judge(quicAnswered: Bool, plainSends: Int, plainAnswers: Int, quicSends: Int,
                      server: EgressMarker.Info?) -> QUICStatus {
        if quicAnswered { return .open }
        guard let server, server.quic, plainAnswers > 0, plainSends > 0, quicSends >= minimumQUICSends else { return .notProven }
        let loss = 1 - min(1, Double(plainAnswers) / Double(plainSends))
        return pow(loss, Double(quicSends)) < filterConfidence ? .filtered : .notProven
    }

    /// Sends `probe` on a connected socket with the error queue on, each time with a plain STUN
    /// Binding request, and waits for a valid Version Negotiation reply. Plain answers but no QUIC
    /// answer from an egress-mode server is QUIC filtering (`judge`).
    static func exchange(_ probe: QUICVersionNegotiation.Probe, with address: TransportAddress, deadline overall: Deadline,
                         clock: any MonotonicClock) async -> Exchange {
        let socket: UDPSocket
        do {
            socket = try UDPSocket(family: AddressFamily(of: address.ip))
            try socket.enableErrorQueue()
            try socket.connect(to: address)
        } catch let e as SocketError {
            return Exchange(status: .notProven, lines: ["QUIC not proven: \(address): \(e)"])
        } catch {
            return Exchange(status: .notProven, lines: ["QUIC not proven: \(error)"])
        }
        defer { socket.close() }
        let start = clock.nowNanos()
        var tally = QUICTally(probe: probe, address: address, clock: clock)
        // A stalled process (a busy machine) sends its overdue probes in a burst: each still gets
        // time for an answer, within the overall deadline, so a stall is never read as silence.
        let exchange = ScheduledExchange(sends: schedule, end: min(overall, .after(seconds: window, clock: clock)), clock: clock,
                                         linger: (answerTime: 0.15, limit: overall))
        let result = await exchange.run(
            send: { tally.send(on: socket) },
            receive: { try await socket.receive(until: $0, clock: clock) },
            handle: { got -> Exchange? in
                switch got {
                case .success(let datagram): return tally.take(datagram)
                case .failure(let e as SocketError): return tally.failure(e, socket: socket)
                case .failure(let e): return Exchange(status: .notProven, lines: ["QUIC not proven: \(e)"])
                }
            })
        if let result { return result }
        if Task.isCancelled { return Exchange(status: .notProven, lines: ["QUIC not proven: \(CancellationError())"]) }
        return tally.silence(ms: Int((Double(clock.nowNanos() &- start) / 1e6).rounded()))
    }
}

/// What `QUICProbe.exchange` sent and what came back.
struct QUICTally {
    typealias Exchange = QUICProbe.Exchange
    let probe: QUICVersionNegotiation.Probe
    let address: TransportAddress
    let clock: any MonotonicClock
    let versionText: String
    /// QUIC probes sent.
    var sends = 0
    var lastSend: UInt64
    var rejected: [String] = []
    var plainIDs: Set<TransactionID> = []
    var plainAnswered: Set<TransactionID> = []
    var egressServer: EgressMarker.Info?
    var plainNote: String?

    init(probe: QUICVersionNegotiation.Probe, address: TransportAddress, clock: any MonotonicClock) {
        self.probe = probe
        self.address = address
        self.clock = clock
        versionText = QUICVersionNegotiation.describe([probe.version])
        lastSend = clock.nowNanos()
    }

    /// Sends the QUIC probe, then a plain STUN Binding request; an exchange result when sending failed.
    mutating func send(on socket: UDPSocket) -> Exchange? {
        do {
            try socket.sendConnected(probe.bytes)
            lastSend = clock.nowNanos()
            sends += 1
            let plain = STUNMessage(type: .bindingRequest)
            try socket.sendConnected(plain.encode())
            plainIDs.insert(plain.transactionID)
            return nil
        } catch let e as SocketError {
            return failure(e, socket: socket)
        } catch {
            return Exchange(status: .notProven, lines: ["QUIC not proven: \(error)"])
        }
    }

    /// Counts a plain answer or judges a QUIC reply; the result once a valid Version Negotiation came.
    mutating func take(_ datagram: Datagram) -> Exchange? {
        if let m = try? STUNMessage.decode(datagram.bytes), plainIDs.contains(m.transactionID) {
            if m.type.messageClass == .successResponse {
                plainAnswered.insert(m.transactionID)
                if let info = EgressMarker.parse(m.software) {
                    egressServer = info
                } else {
                    plainNote = "the STUN server there is not an egress server (p2ptui serve --egress-ports), so it is not known to answer QUIC"
                }
            }
            return nil
        }
        switch QUICVersionNegotiation.parseReply(datagram.bytes) {
        case .failure(let e):
            rejected.append("ignored a \(datagram.bytes.count)-byte reply from \(datagram.source): \(e)")
            return nil
        case .success(let reply):
            if let why = QUICVersionNegotiation.mismatch(reply, for: probe) {
                rejected.append("ignored a Version Negotiation reply from \(datagram.source): \(why)")
                return nil
            }
            let rtt = Double(clock.nowNanos() &- lastSend) / 1e6
            return Exchange(status: .open, lines: ["QUIC open: \(address) answered our version \(versionText) with Version Negotiation in \(EgressClassifier.formatMs(rtt)) ms, echoing both connection IDs; it offers \(QUICVersionNegotiation.describe(reply.versions))"] + rejected,
                            plainAnswered: plainAnswered.isEmpty ? nil : true)
        }
    }

    /// A send or receive failure: what the egress probe would call it.
    func failure(_ e: SocketError, socket: UDPSocket) -> Exchange {
        let o = EgressProbe.sendFailure(e, socket: socket)
        let j = EgressClassifier.judge(.init(target: .init(port: address.port, host: "\(address.ip)", method: .icmpAware),
                                             address: address, outcome: o))
        var text = j.text
        if j.reach == .reached { text += "; no QUIC server there" }
        return Exchange(status: .notProven, lines: ["QUIC not proven: \(text)"] + rejected,
                        plainAnswered: plainIDs.isEmpty ? nil : !plainAnswered.isEmpty)
    }

    /// No Version Negotiation reply in `ms`: filtered or not proven (`QUICProbe.judge`).
    func silence(ms: Int) -> Exchange {
        let status = QUICProbe.judge(quicAnswered: false, plainSends: plainIDs.count, plainAnswers: plainAnswered.count,
                                     quicSends: sends, server: egressServer)
        let plain = "\(plainAnswered.count) of \(plainIDs.count) plain STUN probes from the same socket answered"
        if status == .filtered {
            return Exchange(status: .filtered, lines: [
                "QUIC filtered: the egress server at \(address) answered \(plainAnswered.count) of \(plainIDs.count) plain STUN probes from the same socket but none of \(sends) QUIC-shaped probes (version \(versionText)) in \(ms) ms; it answers both on every port of its range, so something on the path drops QUIC by the shape of its packets"] + rejected,
                plainAnswered: true)
        }
        var lines = ["QUIC not proven: no Version Negotiation reply from \(address) in \(ms) ms after \(sends) packets (version \(versionText)); servers may rate-limit it, so this is not proof of blocking"]
        if !plainIDs.isEmpty { lines.append(plainNote.map { "\(plain); \($0)" } ?? plain) }
        return Exchange(status: .notProven, lines: lines + rejected,
                        plainAnswered: plainIDs.isEmpty ? nil : !plainAnswered.isEmpty)
    }
}
