// The ncurses adapter: draws a TextGrid and decodes keys. Confined to the main actor, so curses is
// only ever touched by one thread.
import CNcurses
import Glibc
import P2PWizard

/// What the terminal produced.
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize(cols: Int, rows: Int)
    /// The terminal is gone: it hung up (window closed, SSH session dropped), reading it hit end of
    /// file or an error, or its descriptor was closed. Nothing more can be read or drawn.
    case closed
}

@MainActor
public final class Terminal {
    /// Whether the locale is UTF-8 (else the wizard falls back to ASCII).
    public let utf8: Bool
    /// Whether styles map to colour pairs.
    public private(set) var color = false
    private var active = false
    /// Set once the terminal is known to be gone: nothing is written to it any more.
    public private(set) var closed = false
    private var readTimeoutMs: Int32 = 30
    /// Reads in a row that found the terminal readable but produced no key: a hung-up terminal
    /// reads end of file at once, every time, and must never be polled again in a tight loop.
    private var emptyReads = 0
    /// The screen window from `initscr` (not the `stdscr` global, which Swift 6 rightly flags).
    private var win: UnsafeMutablePointer<WINDOW>?

    /// Locale detection only; `start()` takes over the screen.
    public init() {
        setlocale(LC_ALL, "")
        utf8 = cncurses_utf8_locale() != 0
    }

    /// Enters curses mode. `readTimeoutMs` bounds how long `readInput` waits for a key.
    public func start(colors wantColor: Bool, readTimeoutMs: Int32 = 30) {
        TerminalSignals.saveTermios()
        // Esc must respond at once, not after curses' default 1 s wait for an escape sequence.
        set_escdelay(25)
        win = initscr()
        cbreak()
        noecho()
        nonl()
        intrflush(win, false)
        keypad(win, true)
        curs_set(0)
        // `readInput` waits in poll(2) itself (so it can tell a hang-up from a quiet terminal);
        // curses only decodes what is already there.
        self.readTimeoutMs = readTimeoutMs
        wtimeout(win, 0)
        if wantColor && has_colors() {
            start_color()
            use_default_colors()
            init_pair(1, Int16(COLOR_GREEN), -1)
            init_pair(2, Int16(COLOR_YELLOW), -1)
            init_pair(3, Int16(COLOR_RED), -1)
            color = true
        }
        TerminalSignals.install()
        active = true
    }

    /// Leaves curses mode (idempotent). Every exit path calls it. A terminal whose output is gone
    /// (hung up, closed) gets nothing: no reset sequence, no termios call; there is nobody to
    /// restore it for. (When only the input ended, the screen is still there and is restored.)
    public func stop() {
        guard active else { return }
        active = false
        if TTY.outputGone() {
            closed = true
            return
        }
        endwin()
        TerminalSignals.restoreTermios()
    }

    public var size: (cols: Int, rows: Int) { (Int(cncurses_cols()), Int(cncurses_lines())) }

    /// The stop signal received since start (SIGINT, SIGTERM, SIGHUP), or 0.
    public var pendingSignal: Int32 { TerminalSignals.pending() }

    private func attributes(_ style: CellStyle) -> (attr_t, Int16) {
        switch style {
        case .normal: return (cncurses_a_normal(), 0)
        case .bold: return (cncurses_a_bold(), 0)
        case .dim: return (cncurses_a_dim(), 0)
        case .pass: return (cncurses_a_bold(), color ? 1 : 0)
        case .warn: return (cncurses_a_bold(), color ? 2 : 0)
        case .fail: return (cncurses_a_bold(), color ? 3 : 0)
        case .highlight: return (cncurses_a_reverse(), 0)
        }
    }

    /// Copies the grid to the screen; curses sends only what changed.
    public func draw(_ grid: TextGrid) {
        guard active, !closed else { return }
        werase(win)
        for (y, row) in grid.cells.enumerated() {
            var x = 0
            while x < row.count {
                let style = row[x].style
                var end = x
                var wide: [wchar_t] = []
                while end < row.count && row[end].style == style {
                    for scalar in row[end].char.unicodeScalars { wide.append(wchar_t(bitPattern: scalar.value)) }
                    end += 1
                }
                wide.append(0)
                let (attr, pair) = attributes(style)
                attr_set(attr, pair, nil)
                _ = wide.withUnsafeBufferPointer { mvaddwstr(Int32(y), Int32(x), $0.baseAddress) }
                x = end
            }
        }
        attr_set(cncurses_a_normal(), 0, nil)
        wrefresh(win)
    }

    /// Waits up to the read timeout for one key; nil when none came; `.closed` once the terminal is
    /// gone (then at once on every later call).
    public func readInput() -> TerminalInput? {
        guard active, !closed else { return closed ? .closed : nil }
        switch TTY.waitReadable(timeoutMs: readTimeoutMs) {
        case .hungUp:
            closed = true
            return .closed
        case .interrupted, .idle:
            // A signal (SIGWINCH: curses turns it into KEY_RESIZE) or the timeout; curses may also
            // hold keys it read ahead. Neither counts as an empty read.
            emptyReads = 0
            if case .input(let input) = decodeNext() { return input }
            return nil
        case .readable:
            switch decodeNext() {
            case .input(let input):
                emptyReads = 0
                return input
            case .ignored:
                emptyReads = 0
                return nil
            case .nothing:
                // Readable yet nothing read: end of file or a read error (or, rarely, half a
                // sequence). A hung-up terminal does this on every call, at once.
                emptyReads += 1
                if emptyReads >= 3 {
                    closed = true
                    return .closed
                }
                return nil
            }
        }
    }

    private enum Decoded { case nothing, ignored, input(TerminalInput) }

    /// What curses has ready now (it never waits: its timeout is 0).
    private func decodeNext() -> Decoded {
        var ch: wint_t = 0
        let rc = wget_wch(win, &ch)
        if rc == ERR { return .nothing }
        if rc == cncurses_key_code_yes() {
            switch Int32(ch) {
            case KEY_RESIZE: return .input(.resize(cols: size.cols, rows: size.rows))
            case KEY_UP: return .input(.key(.up))
            case KEY_DOWN: return .input(.key(.down))
            case KEY_LEFT: return .input(.key(.left))
            case KEY_RIGHT: return .input(.key(.right))
            case KEY_PPAGE: return .input(.key(.pageUp))
            case KEY_NPAGE: return .input(.key(.pageDown))
            case KEY_HOME: return .input(.key(.home))
            case KEY_END: return .input(.key(.end))
            case KEY_BACKSPACE: return .input(.key(.backspace))
            case KEY_DC: return .input(.key(.delete))
            case KEY_ENTER: return .input(.key(.enter))
            default: return .ignored
            }
        }
        return Self.decode(UInt32(ch)).map { .input(.key($0)) } ?? .ignored
    }

    /// Plain character codes to keys.
    nonisolated static func decode(_ code: UInt32) -> Key? {
        switch code {
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 9: return .tab
        case 1...26: return .ctrl(Character(Unicode.Scalar(code + 96)!))
        default:
            guard let scalar = Unicode.Scalar(code), code >= 32 else { return nil }
            return .char(Character(scalar))
        }
    }
}
