import P2PReport
import STUNCodec

/// The measurement probe's attribute (comprehension-optional, so any STUN agent may ignore it):
/// the sender's sequence number and probe kind, and what the sender has received from the other
/// side so far. 16 bytes: seq (4) | kind (1: 0 small, 1 sized) | sizes received, bit i for
/// `PathQuality.sizes[i]` (1) | reserved (2) | small probes received (4) | their span: highest
/// sequence number seen + 1 (4).
struct MeasureReport: Equatable, Sendable {
    static let type: UInt16 = 0xC0A7
    var seq: UInt32
    var sized: Bool
    var sizesReceived: UInt8
    var received: UInt32
    var span: UInt32

    var bytes: [UInt8] { be32(seq) + [sized ? 1 : 0, sizesReceived, 0, 0] + be32(received) + be32(span) }

    init(seq: UInt32, sized: Bool, sizesReceived: UInt8, received: UInt32, span: UInt32) {
        (self.seq, self.sized, self.sizesReceived, self.received, self.span) = (seq, sized, sizesReceived, received, span)
    }

    init?(_ message: STUNMessage) {
        for case let .raw(t, v) in message.attributes where t == Self.type && v.count == 16 {
            self.init(seq: be32(v, 0), sized: v[4] == 1, sizesReceived: v[5], received: be32(v, 8), span: be32(v, 12))
            return
        }
        return nil
    }
}

/// Measures a proven path as a pure state machine (time and packets in and out as values): a small
/// probe every `interval` for round trips and loss, and during the first 60% of the time each of
/// `PathQuality.sizes` a few times, padded (RFC 5780 PADDING) to exactly that many bytes of UDP
/// payload. Every probe and answer tells the other side what arrived from it, so each side knows
/// both directions. After `seconds` it only answers for `drain` seconds, so a peer that started a
/// little later still gets its counts back.
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
    private var nextSmallAt: UInt64
    private var pending: [TransactionID: UInt64] = [:]
    private(set) var rtts: [Double] = []
    /// The peer's small probes seen here (by sequence number) and the sizes that arrived.
    private var seenSeqs: Set<UInt32> = []
    private var inSpan: UInt32 = 0
    private var inSizes: UInt8 = 0
    /// The peer's latest count of this side's probes (the one covering the most sequence numbers).
    private var report: MeasureReport?
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

    var endNanos: UInt64 { start &+ UInt64(seconds * 1e9) }
    var sizedGap: UInt64 { UInt64(seconds * 0.6 / Double(PathQuality.sizes.count * sizeRepeats) * 1e9) }
    var nextSizedAt: UInt64? {
        sizedSent < PathQuality.sizes.count * sizeRepeats ? start &+ UInt64(sizedSent) &* sizedGap : nil
    }

    public func isDone(now: UInt64) -> Bool { now >= endNanos &+ UInt64(drain * 1e9) }

    /// When `poll` next has something to send (the end of the drain once sending is over).
    public var nextWake: UInt64 {
        let drainEnd = endNanos &+ UInt64(drain * 1e9)
        let sends = [nextSmallAt, nextSizedAt].compactMap { $0 }.filter { $0 < endNanos }
        return sends.min() ?? drainEnd
    }

    /// The probes due at `now`.
    public mutating func poll(now: UInt64) -> [Outgoing] {
        guard now < endNanos else { return [] }
        var out: [Outgoing] = []
        if now >= nextSmallAt {
            nextSmallAt = max(nextSmallAt &+ UInt64(interval * 1e9), now)
            let id = newID()
            pending[id] = now
            out.append(Outgoing(bytes: probe(id: id, seq: nextSeq, size: nil), to: remote))
            nextSeq += 1
        }
        // Every sized probe that is due (several at once when this side fell behind), so each size
        // goes out before the end however late the wake-ups come.
        while let due = nextSizedAt, now >= due {
            let size = PathQuality.sizes[sizedSent % PathQuality.sizes.count]
            sizedSent += 1
            out.append(Outgoing(bytes: probe(id: newID(), seq: 0, size: size), to: remote))
        }
        return out
    }

    private var ownReport: (received: UInt32, span: UInt32) { (UInt32(seenSeqs.count), inSpan) }

    func probe(id: TransactionID, seq: UInt32, size: Int?) -> [UInt8] {
        let r = MeasureReport(seq: seq, sized: size != nil, sizesReceived: inSizes, received: ownReport.received, span: ownReport.span)
        var attrs: [STUNAttribute] = [.username(credentials.outgoingUsername), .raw(type: MeasureReport.type, value: r.bytes)]
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
        switch m.type {
        case .bindingRequest:
            var username: String?
            for case .username(let u) in m.attributes { username = u; break }
            guard username == credentials.incomingUsername else { return [] }
            if let r { count(r, size: bytes.count) }
            let mine = MeasureReport(seq: 0, sized: false, sizesReceived: inSizes, received: ownReport.received, span: ownReport.span)
            let answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID,
                                     attributes: [.xorMappedAddress(source), .raw(type: MeasureReport.type, value: mine.bytes)])
            return [Outgoing(bytes: answer.encode(integrityKey: credentials.key, fingerprint: true), to: source)]
        case .bindingSuccess:
            if let sent = pending.removeValue(forKey: m.transactionID) { rtts.append(Double(now &- sent) / 1e6) }
            if let r { take(r) }
            return []
        default:
            return []
        }
    }

    private mutating func count(_ r: MeasureReport, size: Int) {
        take(r)
        if r.sized {
            if let i = PathQuality.sizes.firstIndex(of: size) { inSizes |= 1 << UInt8(i) }
        } else if seenSeqs.count < 100_000 {
            seenSeqs.insert(r.seq)
            inSpan = max(inSpan, r.seq &+ 1)
        }
    }

    /// Keeps the peer's count that covers the most of this side's sequence numbers.
    private mutating func take(_ r: MeasureReport) {
        if r.span > 0, r.span >= (report?.span ?? 0) { report = r }
    }

    /// What was measured.
    public var quality: PathQuality { Self.quality(seconds: seconds, rtts: rtts, inbound: (ownReport.received, ownReport.span, inSizes), outbound: report) }

    static func quality(seconds: Double, rtts: [Double], inbound: (received: UInt32, span: UInt32, sizes: UInt8),
                        outbound: MeasureReport?) -> PathQuality {
        func loss(_ received: UInt32, _ span: UInt32) -> Double? {
            span == 0 ? nil : (Double(span - min(received, span)) / Double(span) * 1000).rounded() / 10
        }
        func largest(_ mask: UInt8) -> Int? {
            PathQuality.sizes.indices.reversed().first { mask & (1 << UInt8($0)) != 0 }.map { PathQuality.sizes[$0] }
        }
        var q = PathQuality(seconds: seconds, rttSamples: rtts.count)
        q.rttMedianMs = Percentile.nearestRank(50, rtts).map { ($0 * 10).rounded() / 10 }
        q.rttP99Ms = Percentile.nearestRank(99, rtts).map { ($0 * 10).rounded() / 10 }
        q.inboundLossPercent = loss(inbound.received, inbound.span)
        q.outboundLossPercent = outbound.flatMap { loss($0.received, $0.span) }
        q.inboundMaxBytes = q.inboundLossPercent == nil ? nil : largest(inbound.sizes)
        q.outboundMaxBytes = q.outboundLossPercent == nil ? nil : largest(outbound?.sizesReceived ?? 0)
        let outKnown = q.outboundLossPercent != nil, inKnown = q.inboundLossPercent != nil
        if (outKnown && q.outboundMaxBytes == nil) || (inKnown && q.inboundMaxBytes == nil) {
            q.datagramStatus = "too-small"
        } else if outKnown && inKnown {
            q.datagramStatus = "fits-quic"
        } else {
            q.datagramStatus = outKnown || inKnown ? "partial" : "not-measured"
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
