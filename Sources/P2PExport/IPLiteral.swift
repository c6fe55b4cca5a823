// Finding and classifying IP address literals inside free text (evidence lines, "ip:port" strings).
// P2PExport depends only on P2PReport, so this is a small self-contained parser, not STUNCodec's.

/// An IPv4 or IPv6 address parsed from text, kept as raw bytes so that different spellings of one
/// IPv6 address ("2001:db8::1", "2001:0db8:0:0::1") compare equal.
public struct IPLiteral: Hashable, Sendable {
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    public let bytes: [UInt8]

    public var isIPv4: Bool { bytes.count == 4 }

    /// Parses a dotted-quad IPv4 address (exactly four decimal octets, no leading "+").
    public static func parseIPv4(_ text: Substring) -> IPLiteral? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let v = Int(p), v <= 255 else { return nil }
            out.append(UInt8(v))
        }
        return IPLiteral(bytes: out)
    }

    /// Parses an IPv6 address (RFC 4291 section 2.2 text forms, including "::" and a trailing
    /// dotted IPv4 part). A zone ("%eth0") is not part of the literal.
    public static func parseIPv6(_ text: Substring) -> IPLiteral? {
        guard text.contains(":"), text.count >= 2 else { return nil }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false).map(String.init)
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let items = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, item) in items.enumerated() {
                if i == items.count - 1, item.contains(".") {
                    guard let v4 = parseIPv4(item) else { return nil }
                    out += v4.bytes
                    continue
                }
                guard !item.isEmpty, item.count <= 4, item.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                      let v = UInt16(item, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xff)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 {
            return head.count == 16 ? IPLiteral(bytes: head) : nil
        }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return IPLiteral(bytes: head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail)
    }

    /// Whether the address can identify a site on the internet. Private (RFC 1918), shared CGNAT
    /// space (RFC 6598, 100.64/10), loopback, link-local, unspecified, multicast and reserved IPv4,
    /// and IPv6 loopback, unspecified, ULA (fc00::/7), link-local (fe80::/10) and multicast are not.
    /// The documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32) ARE
    /// public here: they stand in for public addresses in the lab and in examples.
    public var isPublic: Bool {
        if isIPv4 { return Self.isPublicV4(bytes) }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return false }                        // ::
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return false }  // ::1
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff {
            return Self.isPublicV4(Array(b[12..<16]))                       // ::ffff:a.b.c.d
        }
        if b[0] & 0xfe == 0xfc { return false }                               // fc00::/7
        if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return false }               // fe80::/10
        if b[0] == 0xff { return false }                                      // multicast
        return true
    }

    private static func isPublicV4(_ b: [UInt8]) -> Bool {
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return false
        case (100, 64...127): return false
        case (169, 254): return false
        case (172, 16...31): return false
        case (192, 168): return false
        case (224...255, _): return false
        default: return true
        }
    }
}

/// One address literal found in a string, with where it sits.
struct IPMatch {
    var range: Range<String.Index>
    var address: IPLiteral
}

enum IPScanner {
    /// Characters an address literal (plus an IPv4 ":port") is made of.
    private static func isLiteralChar(_ c: Character) -> Bool {
        (c.isASCII && c.isHexDigit) || c == ":" || c == "."
    }

    private static func isWordChar(_ c: Character) -> Bool {
        (c.isASCII && (c.isLetter || c.isNumber)) || c == "_" || c == "-"
    }

    /// Every IPv4 or IPv6 literal in `text`. A run of hex digits, dots and colons counts only when it
    /// is not glued to a word ("stun1.example" is not scanned as an address); trailing sentence
    /// punctuation is ignored; "a.b.c.d:port" yields the IPv4 part.
    static func matches(in text: String) -> [IPMatch] {
        var result: [IPMatch] = []
        var i = text.startIndex
        while i < text.endIndex {
            guard isLiteralChar(text[i]) else { i = text.index(after: i); continue }
            var j = i
            while j < text.endIndex, isLiteralChar(text[j]) { j = text.index(after: j) }
            let gluedBefore = i > text.startIndex && isWordChar(text[text.index(before: i)])
            let gluedAfter = j < text.endIndex && isWordChar(text[j])
            if !gluedBefore && !gluedAfter, let m = literal(in: text, i..<j) {
                result.append(m)
            }
            i = j
        }
        return result
    }

    private static func literal(in text: String, _ range: Range<String.Index>) -> IPMatch? {
        var end = range.upperBound
        // Drop trailing "." and ":" (end of sentence, "address:" labels), but keep "::".
        while end > range.lowerBound {
            let last = text[text.index(before: end)]
            if last == "." { end = text.index(before: end); continue }
            if last == ":" {
                let before = text.index(before: end)
                if before > range.lowerBound, text[text.index(before: before)] == ":" { break }
                end = before
                continue
            }
            break
        }
        guard end > range.lowerBound else { return nil }
        let run = text[range.lowerBound..<end]
        if let v6 = IPLiteral.parseIPv6(run) {
            return IPMatch(range: range.lowerBound..<end, address: v6)
        }
        // "a.b.c.d" or "a.b.c.d:port".
        let hostPart: Substring
        if let colon = run.firstIndex(of: ":") {
            let port = run[run.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            hostPart = run[..<colon]
        } else {
            hostPart = run
        }
        guard let v4 = IPLiteral.parseIPv4(hostPart) else { return nil }
        return IPMatch(range: hostPart.startIndex..<hostPart.endIndex, address: v4)
    }
}
