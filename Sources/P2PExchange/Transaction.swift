#if canImport(Glibc)
import Glibc
#endif
import P2PSocket
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

/// Counts shared by the transactions of one probe.
public struct TransactionStats: Sendable, Equatable {
    /// Answers dropped: unknown transaction ID (late or duplicate), malformed, wrong source.
    public var ignored = 0
    public init() {}
}

/// What a transaction exchange sends and receives through: a UDP socket, or a fake one in tests.
public protocol DatagramChannel: Sendable {
    func send(_ bytes: [UInt8], to destination: TransportAddress) throws
    func receive(until deadline: Deadline, clock: any MonotonicClock) async throws -> Datagram?
}

extension UDPSocket: DatagramChannel {}

/// Cleans text a server chose (SOFTWARE, an error's reason phrase) where it enters p2ptui.
public typealias ServerTextCleaner = @Sendable (String) -> String

/// Runs several STUN transactions concurrently on one socket: one receive loop sends each request on
/// its schedule and hands each response to the transaction whose ID it carries. Anything else (other
/// IDs, wrong source, malformed) is counted and ignored, so late or duplicated packets never change
/// an outcome. With `untilFirstAnswer` the first answer ends every other transaction (the other
/// servers only stand in for it); a cancelled task ends the open ones as not run.
public func runTransactions(_ specs: [TransactionSpec], on socket: some DatagramChannel,
                            clock: any MonotonicClock = SystemClock(),
                            stats: inout TransactionStats,
                            untilFirstAnswer: Bool = false,
                            serverText: @escaping ServerTextCleaner) async -> [TransactionOutcome] {
    var set = TransactionSet(specs, start: clock.nowNanos(), serverText: serverText)
    var ignored = 0
    _ = await exchangeLoop(turn: { () -> ExchangeTurn<Void> in
        if untilFirstAnswer, set.anyAnswered { set.endOpen("another server answered first") }
        guard let wake = set.sendDue(now: clock.nowNanos(), on: socket, clock: clock) else { return .finish(()) }
        return .wait(until: wake)
    }, receive: {
        try await socket.receive(until: $0, clock: clock)
    }, handle: { got in
        // A receive error is an ICMP error queued on the socket (e.g. port unreachable): keep
        // waiting, the transactions' own deadlines end the loop.
        if case .success(let datagram) = got, !set.accept(datagram, clock: clock) { ignored += 1 }
        return nil
    })
    stats.ignored += ignored
    return set.outcomes
}

/// The live transactions of one `runTransactions` call.
struct TransactionSet {
    struct Live {
        var spec: TransactionSpec
        var id: TransactionID
        var bytes: [UInt8]
        var cursor: SendCursor
        var lastSend: UInt64 = 0
        var outcome: TransactionOutcome?
        var wrongSource: TransportAddress?
    }

    var live: [Live]
    let serverText: ServerTextCleaner

    init(_ specs: [TransactionSpec], start: UInt64, serverText: @escaping ServerTextCleaner) {
        live = specs.map { spec in
            let id = TransactionID.random()
            let bytes = STUNMessage(type: .bindingRequest, transactionID: id, attributes: spec.attributes).encode()
            return Live(spec: spec, id: id, bytes: bytes, cursor: SendCursor(offsets: spec.sendOffsets, start: start))
        }
        self.serverText = serverText
    }

    var anyAnswered: Bool { live.contains { $0.outcome?.answer != nil } }

    /// Each transaction's outcome; one never decided was cancelled.
    var outcomes: [TransactionOutcome] { live.map { $0.outcome ?? .notRun("cancelled") } }

    /// Ends every open transaction as not run, for `why`.
    mutating func endOpen(_ why: String) {
        for i in live.indices where live[i].outcome == nil { live[i].outcome = .notRun(why) }
    }

    /// Ends the transactions past their deadline, sends the requests due by `now`, and returns when
    /// to wake next (the next send or deadline); nil once every transaction has its outcome.
    mutating func sendDue(now: UInt64, on socket: some DatagramChannel, clock: any MonotonicClock) -> Deadline? {
        var wake = UInt64.max
        for i in live.indices where live[i].outcome == nil {
            if now >= live[i].spec.deadline.nanos {
                let sends = live[i].cursor.taken
                live[i].outcome = live[i].wrongSource.map { .wrongSource($0, sends: sends) } ?? .silent(sends: sends)
                continue
            }
            while live[i].outcome == nil, live[i].cursor.nextDue.map({ $0.nanos <= now }) == true {
                do {
                    try socket.send(live[i].bytes, to: live[i].spec.destination)
                    live[i].lastSend = clock.nowNanos()
                    _ = live[i].cursor.take(dueBy: now)
                } catch let e as SocketError {
                    live[i].outcome = .failed(kind: failureKind(e), detail: e.description)
                } catch {
                    live[i].outcome = .failed(kind: "error", detail: "\(error)")
                }
            }
            guard live[i].outcome == nil else { continue }
            wake = min(wake, live[i].spec.deadline.nanos, live[i].cursor.nextDue?.nanos ?? .max)
        }
        return wake == .max ? nil : Deadline(nanos: wake)
    }

    /// Gives a datagram to the open transaction whose ID it carries; false when it is ignored
    /// (unknown ID, malformed, wrong source, no mapped address, not a response).
    mutating func accept(_ datagram: Datagram, clock: any MonotonicClock) -> Bool {
        guard let message = try? STUNMessage.decode(datagram.bytes),
              let i = live.firstIndex(where: { $0.id == message.transactionID && $0.outcome == nil }) else { return false }
        guard datagram.source == live[i].spec.expectFrom else {
            live[i].wrongSource = datagram.source
            return false
        }
        switch message.type.messageClass {
        case .errorResponse:
            let e = message.errorCode ?? (0, "")
            // The reason phrase and SOFTWARE are the server's own text: cleaned here, where they enter.
            live[i].outcome = .errorResponse(code: e.code, reason: serverText(e.reason))
        case .successResponse:
            guard let mapped = message.reflexiveAddress else { return false }
            let rewritten = message.xorMappedAddress != nil && message.mappedAddress != nil
                && message.xorMappedAddress != message.mappedAddress
            let rtt = Double(clock.nowNanos() &- live[i].lastSend) / 1e6
            live[i].outcome = .answered(.init(mapped: mapped, source: datagram.source, other: message.otherAddress,
                                              payloadRewritten: rewritten, rttMs: rtt, sends: live[i].cursor.taken,
                                              software: message.software.map(serverText), size: datagram.bytes.count))
        default:
            return false
        }
        return true
    }
}
/// Names a local send failure the way the report does.
public func failureKind(_ e: SocketError) -> String {
    switch e.code {
    case ENETUNREACH, EHOSTUNREACH: return "no-route"
    case ECONNREFUSED: return "unreachable"
    case EPERM, EACCES: return "blocked-locally"
    default: return "error"
    }
}
