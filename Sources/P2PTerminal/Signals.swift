// Every use of the C shim's signal state lives in this one file: the shim's helpers are static inline
// with static storage, so each Swift object file that called them would get its own copy.
import CNcurses

enum TerminalSignals {
    /// Records the cooked terminal settings (before curses changes them) for the crash path.
    static func saveTermios() { cncurses_save_termios() }

    /// SIGINT/SIGTERM/SIGHUP only set a flag the loop polls (endwin is not async-signal-safe), and
    /// are unblocked (a mask inherited from the parent would hide them);
    /// SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGABRT/SIGTRAP restore the terminal raw, then re-raise.
    static func install() { cncurses_install_handlers() }

    /// The stop signal received, or 0.
    static func pending() -> Int32 { cncurses_pending_signal() }

    static func restoreTermios() { cncurses_restore_termios() }
}
