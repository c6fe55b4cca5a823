// A one-line text field: its text, its cursor, the editing keys, and the window of it that fits a
// given width. The save dialog holds one; nothing else knows how editing works.

public struct TextField: Sendable, Equatable {
    public private(set) var text: String
    /// Cursor position in characters, 0...text.count.
    public private(set) var cursor: Int

    /// A field holding `text`, cursor at the end unless given.
    public init(text: String = "", cursor: Int? = nil) {
        self.text = text
        self.cursor = min(max(0, cursor ?? text.count), text.count)
    }

    /// Applies an editing key; false when the key is not an editing key (the caller handles it).
    public mutating func handle(_ key: Key) -> Bool {
        var chars = Array(text)
        switch key {
        case .char(let c):
            chars.insert(c, at: cursor)
            cursor += 1
        case .backspace:
            if cursor > 0 { chars.remove(at: cursor - 1); cursor -= 1 }
        case .delete, .ctrl("d"):
            if cursor < chars.count { chars.remove(at: cursor) }
        case .left, .ctrl("b"): cursor = max(0, cursor - 1)
        case .right, .ctrl("f"): cursor = min(chars.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = chars.count
        case .ctrl("u"): chars.removeAll(); cursor = 0
        default: return false
        }
        text = String(chars)
        return true
    }

    /// What a box `width` columns wide shows: `width` characters (padded with spaces) scrolled so the
    /// cursor stays visible with room after it, and the cursor's column in that window.
    public func window(width: Int, fold: (String) -> String = { $0 }) -> (text: [Character], cursorColumn: Int) {
        let width = max(1, width)
        let chars = Array(fold(text))
        let cur = min(cursor, chars.count)
        let start = max(0, cur - (width - 1))
        var visible = Array(chars[start...].prefix(width))
        if visible.count < width { visible += Array(repeating: " ", count: width - visible.count) }
        return (visible, cur - start)
    }
}
