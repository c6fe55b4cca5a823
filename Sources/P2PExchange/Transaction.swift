#if canImport(Glibc)
import Glibc
#endif
import P2PSocket
import P2PReport
import STUNCodec

/// One STUN request to run: where to, what must answer, and when to (re)send.
public struct TransactionSpec: Sendable {
    public var destination: TransportAddress
    /// The only source a valid answer may come from (RFC 5780: CHANGE-REQUEST answers must come from
    /// the alternate address; accepting any source is how one-address servers look like Full Cone).
    public var expectFrom: TransportAddress
    public var attributes: [STUNAttribute]
    /// Send times in seconds after the start (RFC 8489 section 6.2.1 retransmission, compressed to fit
    /// a diagnostic's deadline).
    public var sendOffsets: [Double]
    /// Give up at this time.
    public var deadline: Deadline

    public init(destination: TransportAddress, expectFrom: TransportAddress? = nil, attributes: [STUNAttribute] = [],
                sendOffsets: [Double], deadline: Deadline) {
        self.destination = destination
        self.expectFrom = expectFrom ?? destination
        self.attributes = attributes
        self.sendOffsets = sendOffsets
        self.deadline = deadline
    }
}

/// Retransmission schedules.
public enum Schedule {
    /// First contact with a server (RTT unknown): `NATClassifier.blockedMinSends` (14) sends 50 ms
    /// apart, the last at 0.65 s, so silence over the `silenceWindow` can be called blocked (at 30 %
    /// loss each way all 14 round trips fail less than 1 time in 10,000) and every request still
    /// had at least 0.35 s to be answered. An answered server stops at its first answer, so the
    /// dense start costs nothing without loss (RFC 8489 section 6.2.1 lets a client choose its
    /// retransmission timer; the count, not the spacing, is what tells loss from blocking).
    public static let firstContact: [Double] = (0..<NATClassifier.blockedMinSends).map { Double($0) * 0.05 }

    /// How long any probe waits for a first answer before calling it silence: every probe's silent
    /// case ends by then, so a blocked network is diagnosed in about a second.
    public static let silenceWindow = 1.0

    /// Deadline for a name lookup started now: a resolver that does not answer within the silence
    /// window (no reachable DNS server) is a DNS failure, not a reason to hold the check up.
    public static func resolveDeadline(_ deadline: Deadline, clock: any MonotonicClock) -> Deadline {
        min(deadline, Deadline.after(seconds: silenceWindow, clock: clock))
    }

    /// Requests a test whose expected outcome may be silence (filtering) sends: silence is judged by
    /// how many requests went unanswered against the loss seen on answered ones
    /// (`NATClassifier.confident`), so the count, not the time, is what makes silence mean
    /// filtering: at 30 % loss each way (about half of all round trips lost) 14 silent requests are
    /// all lost 1 time in 10,000.
    public static let silentTestSends = 14

    /// Send times and window for a test whose expected outcome may be silence, from the measured
    /// RTT in seconds. RFC 8489 section 6.2.1 bases the retransmission timer on the RTT when it is
    /// known; a possibly filtered answer is not awaited per request, so the requests are spread
    /// evenly (at least 10 ms apart, at most two RTTs) over the window, which ends a grace of two
    /// RTTs (at least 30 ms) after the last one: the window is eight RTTs, at least 0.2 s (spread
    /// against bursts of loss), at most 1 s.
    public static func silentTest(rtt: Double) -> (offsets: [Double], window: Double) {
        let window = min(1.0, max(0.2, rtt * 8))
        let grace = min(window / 2, max(0.03, rtt * 2))
        let interval = min(rtt * 2, (window - grace) / Double(silentTestSends - 1))
        let step = max(0.01, interval)
        return ((0..<silentTestSends).map { Double($0) * step }.filter { $0 <= window - grace }, window)
    }

    /// Retransmissions for a test expected to be answered, once the RTT is known: eight sends, so
    /// even at 30 % loss each way (about half of all round trips lost) one gets through in 99.5 %
    /// of tests; an answered test stops at its first answer, so this costs nothing without loss.
    public static func known(rtt: Double) -> [Double] {
        let rto = min(0.15, max(0.05, rtt * 3))
        return [0, 1, 2.5, 4.5, 7, 10, 14, 19].map { $0 * rto }
    }
}

/// Counts shared by the transactions of one probe.
public struct TransactionStats: Sendable, Equatable {
    /// Answers dropped: unknown transaction ID (late or duplicate), malformed, wrong source.
    public var ignored = 0
    public init() {}
}

/// Runs several STUN transactions concurrently on one socket: one receive loop sends each request on
/// its schedule and hands each response to the transaction whose ID it carries. Anything else (other
/// IDs, wrong source, malformed) is counted and ignored, so late or duplicated packets never change
/// an outcome.
public func runTransactions(_ specs: [TransactionSpec], on socket: UDPSocket,
                            clock: any MonotonicClock = SystemClock(),
                            stats: inout TransactionStats,
                            untilFirstAnswer: Bool = false) async -> [TransactionOutcome] {
    struct Live {
        var spec: TransactionSpec
        var id: TransactionID
        var bytes: [UInt8]
        var next = 0
        var lastSend: UInt64 = 0
        var outcome: TransactionOutcome?
        var wrongSource: TransportAddress?
    }
    let start = clock.nowNanos()
    var live = specs.map { spec -> Live in
        let id = TransactionID.random()
        let bytes = STUNMessage(type: .bindingRequest, transactionID: id, attributes: spec.attributes).encode()
        return Live(spec: spec, id: id, bytes: bytes)
    }
    while live.contains(where: { $0.outcome == nil }) {
        // Asked for any one answer (the other servers only stand in for it): stop at the first.
        if untilFirstAnswer, live.contains(where: { $0.outcome?.answer != nil }) {
            for i in live.indices where live[i].outcome == nil { live[i].outcome = .notRun("another server answered first") }
            break
        }
        let now = clock.nowNanos()
        var wake = UInt64.max
        for i in live.indices where live[i].outcome == nil {
            if now >= live[i].spec.deadline.nanos {
                let sends = live[i].next
                live[i].outcome = live[i].wrongSource.map { .wrongSource($0, sends: sends) } ?? .silent(sends: sends)
                continue
            }
            while live[i].next < live[i].spec.sendOffsets.count,
                  start + UInt64(live[i].spec.sendOffsets[live[i].next] * 1e9) <= now {
                do {
                    try socket.send(live[i].bytes, to: live[i].spec.destination)
                    live[i].lastSend = clock.nowNanos()
                    live[i].next += 1
                } catch let e as SocketError {
                    live[i].outcome = .failed(kind: failureKind(e), detail: e.description)
                    break
                } catch {
                    live[i].outcome = .failed(kind: "error", detail: "\(error)")
                    break
                }
            }
            guard live[i].outcome == nil else { continue }
            wake = min(wake, live[i].spec.deadline.nanos)
            if live[i].next < live[i].spec.sendOffsets.count {
                wake = min(wake, start + UInt64(live[i].spec.sendOffsets[live[i].next] * 1e9))
            }
        }
        guard wake != .max else { break }
        let datagram: Datagram?
        do {
            datagram = try await socket.receive(until: Deadline(nanos: wake), clock: clock)
        } catch is CancellationError {
            // Cancelled: stop now (going round again would only throw again, spinning until the deadlines).
            for i in live.indices where live[i].outcome == nil { live[i].outcome = .notRun("cancelled") }
            break
        } catch {
            // An ICMP error queued on the socket (e.g. port unreachable): keep waiting, the
            // transactions' own deadlines end the loop.
            continue
        }
        if Task.isCancelled {
            for i in live.indices where live[i].outcome == nil { live[i].outcome = .notRun("cancelled") }
            break
        }
        guard let datagram else { continue }
        guard let message = try? STUNMessage.decode(datagram.bytes),
              let i = live.firstIndex(where: { $0.id == message.transactionID && $0.outcome == nil }) else {
            stats.ignored += 1
            continue
        }
        guard datagram.source == live[i].spec.expectFrom else {
            live[i].wrongSource = datagram.source
            stats.ignored += 1
            continue
        }
        switch message.type.messageClass {
        case .errorResponse:
            let e = message.errorCode ?? (0, "")
            // The reason phrase and SOFTWARE are the server's own text: cleaned here, where they enter.
            live[i].outcome = .errorResponse(code: e.code, reason: UntrustedText.clean(e.reason, limit: 128))
        case .successResponse:
            guard let mapped = message.reflexiveAddress else {
                stats.ignored += 1
                continue
            }
            let rewritten = message.xorMappedAddress != nil && message.mappedAddress != nil
                && message.xorMappedAddress != message.mappedAddress
            let rtt = Double(clock.nowNanos() &- live[i].lastSend) / 1e6
            live[i].outcome = .answered(.init(mapped: mapped, source: datagram.source, other: message.otherAddress,
                                              payloadRewritten: rewritten, rttMs: rtt, sends: live[i].next,
                                              software: message.software.map { UntrustedText.clean($0, limit: 128) },
                                              size: datagram.bytes.count))
        default:
            stats.ignored += 1
        }
    }
    return live.map { $0.outcome ?? .notRun("cancelled") }
}

/// Names a local send failure the way the report does.
func failureKind(_ e: SocketError) -> String {
    switch e.code {
    case ENETUNREACH, EHOSTUNREACH: return "no-route"
    case ECONNREFUSED: return "unreachable"
    case EPERM, EACCES: return "blocked-locally"
    default: return "error"
    }
}
