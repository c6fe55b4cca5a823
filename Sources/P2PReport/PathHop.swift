// Addresses as a report holds them: real ones, or the placeholders redaction left in their place
// ("public-1", P2PExport's `Redactor`), and the path hops written as "2 10.0.0.1" or "3 *".
import P2PAddress

/// An address in a report: an IP address, or the placeholder a redacted report has instead.
public enum ReportedAddress: Hashable, Sendable, CustomStringConvertible {
    case ip(IPAddress)
    /// "public-N": the N-th public address redaction replaced (the same address, the same N).
    case redacted(Int)

    /// What every placeholder starts with.
    public static let placeholderPrefix = "public-"

    /// Parses an IP literal or "public-N" (N from 1, no leading zero); nil for anything else.
    public init?(_ text: some StringProtocol) {
        let text = Substring(text)
        if let ip = IPAddress(text) {
            self = .ip(ip)
        } else if text.hasPrefix(Self.placeholderPrefix) {
            guard let n = canonicalDecimal(text.dropFirst(Self.placeholderPrefix.count), maxDigits: 9), n >= 1 else { return nil }
            self = .redacted(n)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .ip(let ip): return ip.description
        case .redacted(let n): return Self.placeholderPrefix + String(n)
        }
    }
}

/// One hop on the traced path: its TTL and who answered. Written as "1 192.168.1.1", "2 *" (nothing
/// answered), "3 203.0.113.10 (destination)", and after redaction "3 public-2 (destination)".
public struct PathHop: Hashable, Sendable, Codable, CustomStringConvertible {
    public var ttl: Int
    /// Who answered; nil when nothing did.
    public var address: ReportedAddress?
    /// The destination itself answered (STUN response or port unreachable).
    public var isDestination: Bool

    /// A silent hop is never the destination: nothing answered to say so.
    public init(ttl: Int, address: ReportedAddress?, isDestination: Bool = false) {
        self.ttl = ttl
        self.address = address
        self.isDestination = isDestination && address != nil
    }

    private static let destinationMark = " (destination)"

    public var description: String {
        guard let address else { return "\(ttl) *" }
        return "\(ttl) \(address)" + (isDestination ? Self.destinationMark : "")
    }

    /// Parses what `description` writes; nil for anything else.
    public init?(_ text: String) {
        var rest = Substring(text)
        let destination = rest.hasSuffix(Self.destinationMark)
        if destination { rest = rest.dropLast(Self.destinationMark.count) }
        let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let ttl = canonicalDecimal(parts[0], maxDigits: 3), (1...255).contains(ttl) else { return nil }
        if parts[1] == "*" {
            guard !destination else { return nil }
            self.init(ttl: ttl, address: nil)
        } else {
            guard let address = ReportedAddress(parts[1]) else { return nil }
            self.init(ttl: ttl, address: address, isDestination: destination)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let hop = PathHop(text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "hop \"\(text)\" is not \"TTL address\", \"TTL *\" or \"TTL address (destination)\"")
        }
        self = hop
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
