/// How a proven direct path behaved while `punch` measured it for a few seconds after proving it:
/// round trips, loss each way and the largest datagram that crossed each way with fragmentation
/// forbidden. Flat; a value that could not be measured is null.
public struct PathQuality: Codable, Sendable, Equatable {
    /// The datagram sizes tried each way, bytes of UDP payload: QUIC's minimum (RFC 9000 section
    /// 14), 1280 (IPv6's minimum MTU, RFC 8200), 1400 (common under tunnels), and 1472 (1500 less
    /// the IPv4 and UDP headers).
    public static let sizes = [1200, 1280, 1400, 1472]

    /// Seconds this side measured.
    public var seconds: Double
    /// Answered round trips measured.
    public var rttSamples: Int
    /// Median and 99th percentile (nearest rank) of the round trips, ms.
    @Nullable public var rttMedianMs: Double?
    @Nullable public var rttP99Ms: Double?
    /// Percent of this side's probes the peer did not receive (the peer's own count, echoed back);
    /// null when no count came back.
    @Nullable public var outboundLossPercent: Double?
    /// Percent of the peer's probes that did not arrive here (from their sequence numbers); null
    /// when none arrived.
    @Nullable public var inboundLossPercent: Double?
    /// Every size was tried that way and the count came back: to the peer (the peer's count, sent
    /// after the last one), and from it (the peer says it sent them all).
    public var outboundSizesTried: Bool
    public var inboundSizesTried: Bool
    /// The largest tried size that reached the peer, and the largest that arrived here; null when
    /// none of the sizes crossed or that way's sizes were not all tried.
    @Nullable public var outboundMaxBytes: Int?
    @Nullable public var inboundMaxBytes: Int?
    /// fits-quic: both ways carry 1200 bytes or more; too-small: every size was tried a way and
    /// none crossed (QUIC cannot start on this path); partial: one way carries 1200+, the other's
    /// sizes were not all tried; not-measured: neither way's were.
    public var datagramStatus: String

    public init(seconds: Double, rttSamples: Int = 0, rttMedianMs: Double? = nil, rttP99Ms: Double? = nil,
                outboundLossPercent: Double? = nil, inboundLossPercent: Double? = nil,
                outboundSizesTried: Bool = false, inboundSizesTried: Bool = false,
                outboundMaxBytes: Int? = nil, inboundMaxBytes: Int? = nil, datagramStatus: String = "not-measured") {
        self.outboundSizesTried = outboundSizesTried
        self.inboundSizesTried = inboundSizesTried
        self.seconds = seconds
        self.rttSamples = rttSamples
        self.rttMedianMs = rttMedianMs
        self.rttP99Ms = rttP99Ms
        self.outboundLossPercent = outboundLossPercent
        self.inboundLossPercent = inboundLossPercent
        self.outboundMaxBytes = outboundMaxBytes
        self.inboundMaxBytes = inboundMaxBytes
        self.datagramStatus = datagramStatus
    }

    /// QUIC cannot start on the path: a way carried small probes but no 1200-byte datagram.
    public var quicWouldFail: Bool { datagramStatus == "too-small" }

    /// One line: "RTT median 1.2 ms, p99 3.4 ms; loss out 0%, in 0%; largest datagram out 1472, in 1472 bytes".
    public var line: String {
        func ms(_ v: Double?) -> String { v.map { "\(($0 * 10).rounded() / 10) ms" } ?? "not measured" }
        func pct(_ v: Double?) -> String { v.map { "\(($0 * 10).rounded() / 10)%" } ?? "not measured" }
        func size(_ v: Int?, known: Bool) -> String { v.map(String.init) ?? (known ? "under 1200" : "not measured") }
        return "RTT median \(ms(rttMedianMs)), p99 \(ms(rttP99Ms)) (\(rttSamples) samples); "
            + "loss out \(pct(outboundLossPercent)), in \(pct(inboundLossPercent)); "
            + "largest datagram out \(size(outboundMaxBytes, known: outboundSizesTried)), "
            + "in \(size(inboundMaxBytes, known: inboundSizesTried)) bytes"
    }
}
