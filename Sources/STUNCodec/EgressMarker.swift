/// The SOFTWARE value `p2ptui serve --egress-ports` puts in its binding responses, so a client can
/// tell an egress-mode server (which answers on every port of its range, STUN and QUIC Version
/// Negotiation alike) from any other STUN server. Only then does silence on one of its ports mean
/// the packet was dropped on the way, and a STUN answer without a QUIC answer mean QUIC filtering.
///
/// Form: "p2ptui egress ports=LOW-HIGH quic-vn". SOFTWARE is informational (RFC 8489 section
/// 14.14), so other clients ignore it.
public enum EgressMarker {
    public static let prefix = "p2ptui egress"

    /// The SOFTWARE text for a server answering `range` (and QUIC Version Negotiation when `quic`).
    public static func software(range: ClosedRange<UInt16>, quic: Bool = true) -> String {
        "\(prefix) ports=\(range.lowerBound)-\(range.upperBound)\(quic ? " quic-vn" : "")"
    }

    /// What an egress-mode server said about itself; nil when `software` is not its marker.
    public struct Info: Sendable, Hashable {
        /// The ports it answers on.
        public var range: ClosedRange<UInt16>
        /// Whether it answers QUIC Version Negotiation on them too.
        public var quic: Bool

        public init(range: ClosedRange<UInt16>, quic: Bool) {
            self.range = range
            self.quic = quic
        }
    }

    /// Parses the marker; never traps (the text comes from the network).
    public static func parse(_ software: String?) -> Info? {
        guard let software, software.count <= 128, software.hasPrefix(prefix + " ") else { return nil }
        var range: ClosedRange<UInt16>?
        var quic = false
        for word in software.dropFirst(prefix.count + 1).split(separator: " ") {
            if word == "quic-vn" { quic = true }
            if word.hasPrefix("ports=") {
                let parts = word.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
                guard parts.count == 2, let lo = UInt16(parts[0]), let hi = UInt16(parts[1]), lo >= 1, lo <= hi else { return nil }
                range = lo...hi
            }
        }
        return range.map { Info(range: $0, quic: quic) }
    }
}
