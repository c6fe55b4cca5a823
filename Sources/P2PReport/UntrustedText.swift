// Strings from outside (STUN servers, UPnP gateways, metadata services, DMI, tool output, host and
// file names a person typed) are data, never terminal commands. They pass through `UntrustedText`
// once, where they enter the report, so that every renderer (check, the wizard, the summary, JSON,
// compare) shows the same harmless text.

/// The one cleaner for text that did not come from p2ptui itself.
public enum UntrustedText {
    /// Default bound for one field (a server's SOFTWARE, a header value, a DMI string).
    public static let defaultLimit = 200

    /// What marks a shortened string. ASCII, so that it survives ASCII-only output unchanged.
    public static let ellipsis = "..."

    /// `text` with every character that could steer a terminal or reorder what a person reads
    /// replaced by a visible escape, and at most `limit` Unicode scalars long (escapes included),
    /// a shortened string ending in `ellipsis`.
    ///
    /// Replaced: C0 controls and DEL (`\x1b`), C1 controls (`\x9b`: a lone U+009B is CSI on many
    /// terminals), and invisible format characters: bidi embeddings, overrides and isolates
    /// (U+202A-U+202E, U+2066-U+2069, Trojan Source, CVE-2021-42574), marks (U+200E, U+200F,
    /// U+061C), zero-width characters, BOM (`\u202e` style); line and paragraph separators too.
    ///
    /// Idempotent: cleaning cleaned text changes nothing (escapes are plain printable ASCII, and a
    /// backslash is left as it is), so a report read back from JSON can be cleaned again safely.
    public static func clean(_ text: String, limit: Int = defaultLimit) -> String {
        let limit = max(limit, ellipsis.count + 1)
        var out: [Unicode.Scalar] = []
        var ends: [Int] = []   // where each escaped piece ends in `out`, to cut between pieces
        for s in text.unicodeScalars {
            let piece = escape(s)
            guard out.count + piece.count <= limit else {
                while let last = ends.last, last > limit - ellipsis.count {
                    ends.removeLast()
                    out.removeSubrange((ends.last ?? 0)...)
                }
                return String(String.UnicodeScalarView(out)) + ellipsis
            }
            out += piece
            ends.append(out.count)
        }
        return String(String.UnicodeScalarView(out))
    }

    /// Cleans each line of multi-line text (tool output) on its own, keeping the line breaks.
    public static func cleanLines(_ text: String, limit: Int = defaultLimit) -> [String] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { clean(String($0), limit: limit) }
    }

    /// True when `text` holds nothing `clean` would escape (its length is not judged).
    public static func isClean(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { !needsEscape($0) }
    }

    /// Whether a scalar is replaced by an escape.
    public static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0..<0x20, 0x7F, 0x80..<0xA0: return true
        case 0x2028, 0x2029: return true
        default:
            // Cf: bidi controls, zero-width characters, BOM, invisible operators, tags.
            return s.properties.generalCategory == .format
        }
    }

    private static func escape(_ s: Unicode.Scalar) -> [Unicode.Scalar] {
        guard needsEscape(s) else { return [s] }
        let hex = String(s.value, radix: 16)
        let text: String
        if s.value < 0x100 {
            text = "\\x" + (hex.count < 2 ? "0" : "") + hex
        } else if s.value <= 0xFFFF {
            text = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
            text = "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
        return Array(text.unicodeScalars)
    }
}
