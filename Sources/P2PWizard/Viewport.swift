// Vertical scrolling over a body of lines: an offset kept within the content, moved by lines or
// pages. It is told the content's height and its own; it never measures anything itself.

public struct Viewport: Sendable, Equatable {
    /// First visible line.
    public private(set) var offset: Int

    public init(offset: Int = 0) {
        self.offset = max(0, offset)
    }

    /// The largest offset that still fills the view (0 when everything fits).
    public static func maxOffset(content: Int, height: Int) -> Int {
        max(0, content - max(1, height))
    }

    /// Moves by `delta` lines (negative: up), staying within the content.
    public mutating func scroll(by delta: Int, content: Int, height: Int) {
        let (sum, overflow) = offset.addingReportingOverflow(delta)  // only upward overflow: offset >= 0
        offset = min(max(0, overflow ? Int.max : sum), Self.maxOffset(content: content, height: height))
    }

    /// One page: the view's height less one line, so a line of context stays.
    public static func page(height: Int) -> Int { max(1, height - 1) }

    public mutating func top() { offset = 0 }

    public mutating func bottom(content: Int, height: Int) {
        offset = Self.maxOffset(content: content, height: height)
    }

    /// Keeps the offset valid after the content or the view changed size.
    public mutating func clamp(content: Int, height: Int) {
        offset = min(offset, Self.maxOffset(content: content, height: height))
    }

    /// The visible slice of `lines`.
    public func window<T>(_ lines: [T], height: Int) -> ArraySlice<T> {
        let start = min(offset, lines.count)
        return lines[start...].prefix(max(0, height))
    }
}
