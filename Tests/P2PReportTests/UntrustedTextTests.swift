import P2PReport
import Testing

/// The one cleaner for outside text: what it escapes, how it bounds length, and that it is idempotent.
@Suite struct UntrustedTextTests {
    @Test func terminalControlSequencesBecomeVisibleEscapes() {
        let hostile = "evil\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31mred\u{9B}31m\u{7F}"
        let clean = UntrustedText.clean(hostile)
        #expect(clean == "evil\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred\\x9b31m\\x7f")
        #expect(UntrustedText.isClean(clean))
        #expect(!UntrustedText.isClean(hostile))
    }

    @Test func bidiOverridesIsolatesAndInvisiblesAreEscaped() {
        let s = "a\u{202E}b\u{2066}c\u{2069}d\u{200E}e\u{200F}f\u{061C}g\u{200B}h\u{FEFF}i\u{2028}j\u{E0041}"
        #expect(UntrustedText.clean(s) == "a\\u202eb\\u2066c\\u2069d\\u200ee\\u200ff\\u061cg\\u200bh\\ufeffi\\u2028j\\U000e0041")
    }

    @Test func tabsNewlinesAndNULAreEscapedOrdinaryTextIsKept() {
        #expect(UntrustedText.clean("a\tb\nc\r\0") == "a\\x09b\\x0ac\\x0d\\x00")
        let ordinary = "Café stun.example.net:3478 [2001:db8::1] \\ “quoted” 😀 — ok"
        #expect(UntrustedText.clean(ordinary) == ordinary)
    }

    @Test func lengthIsBoundedWithAVisibleEllipsisNeverInsideAnEscape() {
        let long = String(repeating: "x", count: 1000)
        let c = UntrustedText.clean(long, limit: 50)
        #expect(c.unicodeScalars.count == 50)
        #expect(c.hasSuffix("..."))
        #expect(UntrustedText.clean(String(repeating: "x", count: 50), limit: 50) == String(repeating: "x", count: 50))
        // 10 escapes of 4 scalars: cut on an escape boundary, then "...".
        let esc = UntrustedText.clean(String(repeating: "\u{1B}", count: 10), limit: 18)
        #expect(esc == "\\x1b\\x1b\\x1b...")
        // One base character with thousands of combining marks is bounded too (scalars, not Characters).
        let zalgo = "a" + String(repeating: "\u{0301}", count: 5000)
        #expect(UntrustedText.clean(zalgo, limit: 100).unicodeScalars.count <= 100)
    }

    @Test(arguments: ["plain", "\u{1B}[31m" + String(repeating: "y", count: 300), "\u{202E}abc\u{9B}", String(repeating: "\u{7}", count: 80)])
    func cleaningTwiceChangesNothing(_ s: String) {
        let once = UntrustedText.clean(s, limit: 64)
        #expect(UntrustedText.clean(once, limit: 64) == once)
        #expect(once.unicodeScalars.count <= 64)
    }

    @Test func multiLineToolOutputIsCleanedPerLine() {
        #expect(UntrustedText.cleanLines("a\u{1B}\nb\r\nc", limit: 10) == ["a\\x1b", "b", "c"])
    }
}
