/// Datagram-size tests with PADDING (RFC 5780 section 7.6): a Binding request padded to an exact
/// size crosses the path or not; a server that knows the convention below answers with a response
/// padded to the request's size, so the answer tests the other direction.
extension STUNMessage {
    /// This message with one PADDING attribute appended so that `encode(fingerprint:)` is exactly
    /// `size` bytes; nil when that is impossible (a STUN message is a multiple of 4 bytes, and the
    /// PADDING attribute needs its own 4-byte header).
    public func padded(toSize size: Int, fingerprint: Bool = false) -> STUNMessage? {
        let base = encode(fingerprint: fingerprint).count
        let length = size - base - 4
        guard size % 4 == 0, length >= 0, length <= 65_535 else { return nil }
        var m = self
        // PADDING goes before FINGERPRINT, which `encode` always appends last.
        m.attributes.append(.padding(length: length))
        return m
    }

    /// The total length of the PADDING attributes' values (0 when there is none).
    public var paddingLength: Int {
        attributes.reduce(0) { n, a in if case .padding(let l) = a { return n + l } else { return n } }
    }
}

/// How a client asks `p2ptui serve` to pad its Binding response: the request carries PADDING and
/// this SOFTWARE text (SOFTWARE is informational, RFC 8489 section 14.14, so every other server
/// ignores it and answers unpadded: the inbound direction then stays "not proven"). The response is
/// padded to exactly the request's size, never larger, so the server cannot amplify.
public enum PaddedResponseMarker {
    public static let software = "p2ptui pad-response"

    /// Whether `request` asks for a padded response.
    public static func isRequested(by request: STUNMessage) -> Bool {
        request.software == software && request.paddingLength > 0
    }
}
