// Finding IP address literals inside free text (evidence lines, "ip:port" strings); parsing and
// classifying each one is `IPAddress`'s job.
import P2PAddress

/// One address literal found in a string, with where it sits.
struct IPMatch {
    var range: Range<String.Index>
    var address: IPAddress
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
        if run.contains(":"), let v6 = IPAddress(run), !v6.isIPv4 {
            return IPMatch(range: range.lowerBound..<end, address: v6)
        }
        // "a.b.c.d" or "a.b.c.d:port".
        guard case .success(let parts) = HostPort.split(run),
              parts.port.map({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) ?? true,
              let v4 = IPAddress(parts.host), v4.isIPv4 else { return nil }
        return IPMatch(range: parts.host.startIndex..<parts.host.endIndex, address: v4)
    }
}
