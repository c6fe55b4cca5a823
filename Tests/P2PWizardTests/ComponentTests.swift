// The wizard's small components, alone: the text field of the save dialog and the body's viewport.
import Testing
@testable import P2PWizard

@Suite struct TextFieldTests {
    func typed(_ f: inout TextField, _ s: String) { for c in s { do { let ok = f.handle(.char(c)); #expect(ok) } } }

    @Test func startsWithTheCursorAtTheEnd() {
        let f = TextField(text: "abc")
        #expect(f.cursor == 3)
        #expect(TextField(text: "abc", cursor: 99).cursor == 3)
        #expect(TextField(text: "abc", cursor: -4).cursor == 0)
    }

    @Test func editsAtTheCursor() {
        var f = TextField(text: "ac")
        do { let ok = f.handle(.left); #expect(ok) }
        typed(&f, "b")
        #expect((f.text, f.cursor) == ("abc", 2))
        do { let ok = f.handle(.backspace); #expect(ok) }
        #expect((f.text, f.cursor) == ("ac", 1))
        do { let ok = f.handle(.delete); #expect(ok) }
        #expect((f.text, f.cursor) == ("a", 1))
        do { let ok = f.handle(.ctrl("a")); #expect(ok) }
        #expect(f.cursor == 0)
        do { let ok = f.handle(.backspace); #expect(ok) }  // at the start: nothing to delete
        #expect((f.text, f.cursor) == ("a", 0))
        do { let ok = f.handle(.end); #expect(ok) }
        do { let ok = f.handle(.right); #expect(ok) }  // at the end: stays
        #expect(f.cursor == 1)
        do { let ok = f.handle(.ctrl("u")); #expect(ok) }
        #expect((f.text, f.cursor) == ("", 0))
    }

    @Test func leavesOtherKeysToTheCaller() {
        var f = TextField(text: "x")
        for key in [Key.enter, .escape, .up, .down, .pageUp, .tab, .ctrl("c")] {
            let ok = f.handle(key)
            #expect(!ok, "\(key)")
        }
        #expect((f.text, f.cursor) == ("x", 1))
    }

    @Test func windowKeepsTheCursorVisible() {
        var f = TextField(text: "0123456789")
        var w = f.window(width: 4)
        #expect(String(w.text) == "789 ")
        #expect(w.cursorColumn == 3)
        _ = f.handle(.home)
        w = f.window(width: 4)
        #expect(String(w.text) == "0123")
        #expect(w.cursorColumn == 0)
        let short = TextField(text: "ab").window(width: 5)
        #expect(String(short.text) == "ab   ")
        #expect(short.cursorColumn == 2)
        #expect(TextField(text: "é").window(width: 3, fold: { _ in "e" }).text == ["e", " ", " "])
    }
}

@Suite struct ViewportTests {
    @Test func staysInsideTheContent() {
        var v = Viewport()
        v.scroll(by: -5, content: 30, height: 10)
        #expect(v.offset == 0)
        v.scroll(by: 7, content: 30, height: 10)
        #expect(v.offset == 7)
        v.scroll(by: Int.max, content: 30, height: 10)
        #expect(v.offset == 20)
        v.scroll(by: -1, content: 30, height: 10)  // one press up moves at once after "End"
        #expect(v.offset == 19)
        v.scroll(by: Int.min, content: 30, height: 10)
        #expect(v.offset == 0)
    }

    @Test func contentThatFitsDoesNotScroll() {
        var v = Viewport()
        v.scroll(by: 3, content: 5, height: 10)
        #expect(v.offset == 0)
        v.bottom(content: 5, height: 10)
        #expect(v.offset == 0)
    }

    @Test func clampFollowsAShrinkingBodyOrAGrowingView() {
        var v = Viewport()
        v.bottom(content: 50, height: 10)
        #expect(v.offset == 40)
        v.clamp(content: 50, height: 30)
        #expect(v.offset == 20)
        v.clamp(content: 12, height: 30)
        #expect(v.offset == 0)
    }

    @Test func pagesKeepOneLineOfContext() {
        #expect(Viewport.page(height: 20) == 19)
        #expect(Viewport.page(height: 1) == 1)
    }

    @Test func windowIsTheVisibleSlice() {
        let lines = Array(0..<25)
        var v = Viewport(offset: 8)
        #expect(Array(v.window(lines, height: 10)) == Array(8..<18))
        v.bottom(content: lines.count, height: 10)
        #expect(Array(v.window(lines, height: 10)) == Array(15..<25))
        #expect(Array(Viewport(offset: 99).window(lines, height: 10)).isEmpty)
    }
}
