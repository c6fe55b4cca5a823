import P2PReport
import STUNCodec

/// The measurement probe's attribute (comprehension-optional, so any STUN agent may ignore it):
/// the sender's sequence number and probe kind, and what the sender has received from the other
/// side so far. 16 bytes: seq (4) | kind (1: 0 small, 1 sized) | sizes received, bit i for
/// `PathQuality.sizes[i]` (1) | sized probes sent so far (1) | reserved (1) | small probes received
/// (4) | their span: highest sequence number seen - lowest + 1 (4).
struct MeasureReport: Equatable, Sendable {
    static let type: UInt16 = 0xC0A7
    var seq: UInt32
    var sized: Bool
    var sizesReceived: UInt8
    var sizedSent: UInt8
    var received: UInt32
    var span: UInt32

    var bytes: [UInt8] { be32(seq) + [sized ? 1 : 0, sizesReceived, sizedSent, 0] + be32(received) + be32(span) }

    init(seq: UInt32, sized: Bool, sizesReceived: UInt8, sizedSent: UInt8, received: UInt32, span: UInt32) {
        (self.seq, self.sized, self.sizesReceived, self.sizedSent) = (seq, sized, sizesReceived, sizedSent)
        (self.received, self.span) = (received, span)
    }

    init?(_ message: STUNMessage) {
        for case let .raw(t, v) in message.attributes where t == Self.type && v.count == 16 {
            self.init(seq: be32(v, 0), sized: v[4] == 1, sizesReceived: v[5], sizedSent: v[6], received: be32(v, 8), span: be32(v, 12))
            return
        }
        return nil
    }
}

/// Measures a proven path as a pure state machine (time and packets in and out as values): a small
/// probe every `interval` for round trips and loss, and each of `PathQuality.sizes` a few times,
/// padded (RFC 5780 PADDING) to exactly that many bytes of UDP payload. Every probe and answer
/// tells the other side what arrived from it, so each side knows both directions.
///
/// The two sides start at slightly different times (one may still be finishing its checks, and
/// answers probes as checks, counting nothing). So loss counts from the first sequence number the
/// peer saw; sized probes wait until a count from the peer shows its meter runs; a way's sizes are
/// known only once every sized probe went out and a count sent after them came back (outbound), or
/// the peer's count says it sent them all (inbound). After `seconds` it only answers for `drain`
/// seconds, so a peer that started a little later still gets its counts back.
public struct PathMeter: Sendable {
    public let credentials: CheckCredentials
    public let remote: TransportAddress
    public let seconds: Double
    public let start: UInt64
    public var interval = 0.05
    public var drain = 0.5
    public var sizeRepeats = 3

    private var nextSeq: UInt32 = 0
    private var sizedSent = 0
    private var lastSizedAt: UInt64?
    private var nextSmallAt: UInt64
    /// When the first count from the peer's meter arrived: the sized probes start then.
    private var peerMeasuringSince: UInt64?
    private var pending: [TransactionID: UInt64] = [:]
    private(set) var rtts: [Double] = []
    /// The peer's small probes seen here (by sequence number), the sizes that arrived, and how many
    /// sized probes the peer says it sent.
    private var seenSeqs: Set<UInt32> = []
    private var seqRange: ClosedRange<UInt32>?
    private var inSizes: UInt8 = 0
    private var peerSizedSent: UInt8 = 0
    /// The peer's count covering the most of this side's sequence numbers, and its count in an
    /// answer to a probe sent after every sized probe.
    private var report: MeasureReport?
    private var sizeReport: MeasureReport?
    private var newID: @Sendable () -> TransactionID

    public init(credentials: CheckCredentials, remote: TransportAddress, seconds: Double, start: UInt64,
                newID: @escaping @Sendable () -> TransactionID = { .random() }) {
        self.credentials = credentials
        self.remote = remote
        self.seconds = seconds
        self.start = start
        self.nextSmallAt = start
        self.newID = newID
    }

    var totalSized: Int { PathQuality.sizes.count * sizeRepeats }
    var endNanos: UInt64 { start &+ UInt64(seconds * 1e9) }
    var sizedGap: UInt64 { UInt64(seconds * 0.5 / Double(totalSized) * 1e9) }
    var nextSizedAt: UInt64? {
        guard sizedSent < totalSized, let since = peerMeasuringSince else { return nil }
        return since &+ UInt64(sizedSent) &* sizedGap
    }

    public func isDone(now: UInt64) -> Bool { now >= endNanos &+ UInt64(drain * 1e9) }

    /// When `poll` next has something to send (the end of the drain once sending is over).
    public var nextWake: UInt64 {
        let sends = [nextSmallAt, nextSizedAt].compactMap { $0 }.filter { $0 < endNanos }
        return sends.min() ?? endNanos &+ UInt64(drain * 1e9)
    }

    /// The probes due at `now`.
    public mutating func poll(now: UInt64) -> [Outgoing] {
        guard now < endNanos else { return [] }
        var out: [Outgoing] = []
        // Every sized probe that is due (several at once when this side fell behind).
        while let due = nextSizedAt, now >= due {
            let size = PathQuality.sizes[sizedSent % PathQuality.sizes.count]
            sizedSent += 1
            lastSizedAt = now
            out.append(Outgoing(bytes: probe(id: newID(), seq: 0, size: size), to: remote))
        }
        if now >= nextSmallAt {
            nextSmallAt = max(nextSmallAt &+ UInt64(interval * 1e9), now)
            let id = newID()
            pending[id] = now
            out.append(Outgoing(bytes: probe(id: id, seq: nextSeq, size: nil), to: remote))
            nextSeq += 1
        }
        return out
    }

    private func ownReport(seq: UInt32, sized: Bool) -> MeasureReport {
        MeasureReport(seq: seq, sized: sized, sizesReceived: inSizes, sizedSent: UInt8(sizedSent),
                      received: UInt32(seenSeqs.count), span: seqRange.map { $0.upperBound - $0.lowerBound + 1 } ?? 0)
    }

    func probe(id: TransactionID, seq: UInt32, size: Int?) -> [UInt8] {
        var attrs: [STUNAttribute] = [.username(credentials.outgoingUsername),
                                      .raw(type: MeasureReport.type, value: ownReport(seq: seq, sized: size != nil).bytes)]
        let plain = STUNMessage(type: .bindingRequest, transactionID: id, attributes: attrs).encode(integrityKey: credentials.key, fingerprint: true)
        guard let size, size >= plain.count + 4 else { return plain }
        attrs.append(.padding(length: size - plain.count - 4))
        return STUNMessage(type: .bindingRequest, transactionID: id, attributes: attrs).encode(integrityKey: credentials.key, fingerprint: true)
    }

    /// Handles one datagram from the socket; returns the answer to send, if any. Authentic checks
    /// without a measurement attribute (the peer still finishing its checks) are answered too.
    public mutating func receive(_ bytes: [UInt8], from source: TransportAddress, now: UInt64) -> [Outgoing] {
        guard source == remote, let m = try? STUNMessage.decode(bytes), !m.isLegacy, credentials.authentic(bytes) else { return [] }
        let r = MeasureReport(m)
        if r != nil, peerMeasuringSince == nil { peerMeasuringSince = now }
        switch m.type {
        case .bindingRequest:
            var username: String?
            for case .username(let u) in m.attributes { username = u; break }
            guard username == credentials.incomingUsername else { return [] }
            if let r { count(r, size: bytes.count) }
            let answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID,
                                     attributes: [.xorMappedAddress(source), .raw(type: MeasureReport.type, value: ownReport(seq: 0, sized: false).bytes)])
            return [Outgoing(bytes: answer.encode(integrityKey: credentials.key, fingerprint: true), to: source)]
        case .bindingSuccess:
            let sent = pending.removeValue(forKey: m.transactionID)
            if let sent { rtts.append(Double(now &- sent) / 1e6) }
            if let r {
                take(r)
                // Answered after every sized probe had gone out: its count covers them all.
                if let sent, sizedSent == totalSized, let last = lastSizedAt, sent > last { sizeReport = r }
            }
            return []
        default:
            return []
        }
    }

    private mutating func count(_ r: MeasureReport, size: Int) {
        take(r)
        peerSizedSent = max(peerSizedSent, r.sizedSent)
        if r.sized {
            if let i = PathQuality.sizes.firstIndex(of: size) { inSizes |= 1 << UInt8(i) }
        } else if seenSeqs.count < 100_000 {
            seenSeqs.insert(r.seq)
            seqRange = seqRange.map { min($0.lowerBound, r.seq)...max($0.upperBound, r.seq) } ?? r.seq...r.seq
        }
    }

    /// Keeps the peer's count that covers the most of this side's sequence numbers.
    private mutating func take(_ r: MeasureReport) {
        if r.span > 0, r.span >= (report?.span ?? 0) { report = r }
    }

    /// What was measured.
    public var quality: PathQuality {
        let own = ownReport(seq: 0, sized: false)
        return Self.quality(seconds: seconds, rtts: rtts, inbound: (own.received, own.span),
                            inboundSizes: peerSizedSent >= UInt8(totalSized) ? inSizes : nil,
                            outbound: report, outboundSizes: sizeReport?.sizesReceived)
    }

    /// `inboundSizes`, `outboundSizes`: the sizes that crossed each way, nil when that way's sizes
    /// were not all tried.
    static func quality(seconds: Double, rtts: [Double], inbound: (received: UInt32, span: UInt32), inboundSizes: UInt8?,
                        outbound: MeasureReport?, outboundSizes: UInt8?) -> PathQuality {
        func loss(_ received: UInt32, _ span: UInt32) -> Double? {
            span == 0 ? nil : (Double(span - min(received, span)) / Double(span) * 1000).rounded() / 10
        }
        func largest(_ mask: UInt8?) -> Int? {
            guard let mask else { return nil }
            return PathQuality.sizes.indices.reversed().first { mask & (1 << UInt8($0)) != 0 }.map { PathQuality.sizes[$0] }
        }
        var q = PathQuality(seconds: seconds, rttSamples: rtts.count)
        q.rttMedianMs = Percentile.nearestRank(50, rtts).map { ($0 * 10).rounded() / 10 }
        q.rttP99Ms = Percentile.nearestRank(99, rtts).map { ($0 * 10).rounded() / 10 }
        q.inboundLossPercent = loss(inbound.received, inbound.span)
        q.outboundLossPercent = outbound.flatMap { loss($0.received, $0.span) }
        q.outboundSizesTried = outboundSizes != nil
        q.inboundSizesTried = inboundSizes != nil
        q.outboundMaxBytes = largest(outboundSizes)
        q.inboundMaxBytes = largest(inboundSizes)
        if (q.outboundSizesTried && q.outboundMaxBytes == nil) || (q.inboundSizesTried && q.inboundMaxBytes == nil) {
            q.datagramStatus = "too-small"
        } else if q.outboundSizesTried && q.inboundSizesTried {
            q.datagramStatus = "fits-quic"
        } else {
            q.datagramStatus = q.outboundSizesTried || q.inboundSizesTried ? "partial" : "not-measured"
        }
        return q
    }
}

/// Percentiles of measured values.
public enum Percentile {
    /// The nearest-rank percentile: the smallest value with at least `p` percent of the values at or
    /// below it; nil for no values.
    public static func nearestRank(_ p: Double, _ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
