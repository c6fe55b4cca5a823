// IP addresses as plain values, shared by the codec, the socket layer, the probes, the report's
// readers and `compare`. No I/O and no Foundation: text in, bytes and words out.

/// An IPv4 or IPv6 address in network byte order.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt8, UInt8, UInt8, UInt8)
    case v6([UInt8])  // exactly 16 bytes

    /// The address bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case let .v4(a, b, c, d): return [a, b, c, d]
        case let .v6(b): return b
        }
    }

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:0:0/96, RFC 4291 section
    /// 2.5.5.2); any other address as it is.
    public var unmapped: IPAddress {
        guard case let .v6(b) = self, b.count == 16, b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff
        else { return self }
        return .v4(b[12], b[13], b[14], b[15])
    }

    /// Where the address belongs: loopback, private, CGNAT, link-local, documentation, ... or public.
    public var scope: AddressScope { AddressScope(self) }

    /// Builds an address from 4 or 16 network-order bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 section 2.2 textual IPv6 ("::" and an embedded IPv4
    /// tail included, so "::ffff:192.0.2.1" is the IPv4-mapped address). An IPv6 zone ("%eth0",
    /// RFC 4007 section 11) is dropped. Anything else, host names included, is nil.
    public init?(_ text: String) { self.init(Substring(text)) }

    public init?(_ text: Substring) {
        if let v4 = IPAddress.parseV4(text) { self = .v4(v4[0], v4[1], v4[2], v4[3]); return }
        if let v6 = IPAddress.parseV6(text) { self = .v6(v6); return }
        return nil
    }

    private static func parseV4(_ text: Substring) -> [UInt8]? {
        guard text.utf8.count <= 15 else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            // No leading zero (inet_pton rules: "010" could mean octal elsewhere).
            guard let n = canonicalDecimal(p, maxDigits: 3), let v = UInt8(exactly: n) else { return nil }
            out.append(v)
        }
        return out
    }

    private static func parseV6(_ whole: Substring) -> [UInt8]? {
        var text = whole
        if let pct = text.firstIndex(of: "%") { text = text[..<pct] }  // drop a zone id
        guard text.contains(":"), text.utf8.count <= 45 else { return nil }
        let halves = splitAtDoubleColon(text)
        guard halves.count <= 2 else { return nil }
        // An embedded IPv4 tail (RFC 4291 section 2.2, form 3) may only end the whole address.
        guard let head = groups(halves[0], mayEndInIPv4: halves.count == 1) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        // "::" stands for one or more zero groups, so at most seven groups may be written.
        guard let tail = groups(halves[1], mayEndInIPv4: true), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    /// The text before and after each "::" (one element when there is none).
    private static func splitAtDoubleColon(_ text: Substring) -> [Substring] {
        var out: [Substring] = []
        var start = text.startIndex, i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == ":", next < text.endIndex, text[next] == ":" {
                out.append(text[start..<i])
                start = text.index(after: next)
                i = start
            } else {
                i = next
            }
        }
        out.append(text[start...])
        return out
    }

    /// The bytes of colon-separated hex groups (1 to 4 digits each), optionally ending in dotted IPv4.
    private static func groups(_ s: Substring, mayEndInIPv4: Bool) -> [UInt8]? {
        if s.isEmpty { return [] }
        var out: [UInt8] = []
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        for (i, p) in parts.enumerated() {
            if mayEndInIPv4, i == parts.count - 1, p.contains(".") {
                guard let v4 = parseV4(p) else { return nil }
                out += v4
                continue
            }
            // Hex digits only: UInt16(_:radix:) alone would also accept a sign ("+1").
            guard (1...4).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                  let v = UInt16(p, radix: 16) else { return nil }
            out += [UInt8(v >> 8), UInt8(v & 0xff)]
        }
        return out.count <= 16 ? out : nil
    }

    /// RFC 5952 canonical text for IPv6 (section 4: lower case, no leading zeros, the longest run
    /// of two or more zero groups as "::", leftmost on ties; section 5: IPv4-mapped with a dotted
    /// tail); dotted quad for IPv4.
    public var description: String {
        switch self {
        case let .v4(a, b, c, d): return "\(a).\(b).\(c).\(d)"
        case let .v6(b):
            // `.v6` is public, so a caller can build one with the wrong length: print it, never trap.
            guard b.count == 16 else { return "invalid-ipv6(" + b.map { hex2($0) }.joined() + ")" }
            if case let .v4(p, q, r, s) = unmapped { return "::ffff:\(p).\(q).\(r).\(s)" }
            var words: [UInt16] = []
            for i in stride(from: 0, to: 16, by: 2) { words.append(UInt16(b[i]) << 8 | UInt16(b[i + 1])) }
            var best = (start: -1, len: 0), cur = (start: -1, len: 0)
            for (i, w) in words.enumerated() {
                if w == 0 {
                    if cur.start < 0 { cur = (i, 1) } else { cur.len += 1 }
                    if cur.len > best.len { best = cur }
                } else { cur = (-1, 0) }
            }
            let hex = words.map { String($0, radix: 16) }
            if best.len < 2 { return hex.joined(separator: ":") }
            let left = hex[..<best.start].joined(separator: ":")
            let right = hex[(best.start + best.len)...].joined(separator: ":")
            return left + "::" + right
        }
    }
}

func isDecimalDigit(_ c: Character) -> Bool { c.asciiValue.map { (0x30...0x39).contains($0) } ?? false }

/// A number written the one way addresses and reports write it: ASCII decimal digits only (no
/// sign, no space), at most `maxDigits`, no leading zero but in "0" itself, so text that parses
/// writes back unchanged. Nil for anything else.
public func canonicalDecimal(_ text: some StringProtocol, maxDigits: Int) -> Int? {
    guard !text.isEmpty, text.count <= maxDigits, text.allSatisfy(isDecimalDigit),
          text.count == 1 || text.first != "0" else { return nil }
    return Int(text)
}

/// Two lower-case hex digits.
func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xf)]])
}
