import Dispatch
import Glibc
import Synchronization

/// SIGINT, SIGTERM and SIGHUP for the long-running headless commands (`serve`, `punch`,
/// `check --every`): each
/// runs `onStop` once, on a background queue, so the command can cancel its work, finish what
/// must not be cut (a report already being written) and exit. The wizard has its own handling
/// (P2PTerminal: a flag its loop polls, because curses must be left on the main thread); a single
/// `check` keeps the default actions, which end it at once (it writes its file atomically).
///
/// SIGHUP means the terminal is gone (window closed, SSH dropped): a command that should outlive
/// it must be asked to (`ignoringHangup`), or be started with SIGHUP ignored (`nohup`), which is
/// then kept.
final class StopSignals: @unchecked Sendable {  // immutable after init
    private let sources: [DispatchSourceSignal]
    /// The signal that arrived first, or 0.
    private let first: FirstSignal

    /// Whether SIGHUP was already ignored when this process started (nohup, some service managers).
    static var hangupIgnoredAtStart: Bool {
        var old = sigaction()
        return sigaction(SIGHUP, nil, &old) == 0 && unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1
    }

    /// Installs the handlers. With `ignoringHangup` (or SIGHUP ignored at start), SIGHUP is ignored.
    init(ignoringHangup: Bool = false, onStop: @escaping @Sendable (Int32) -> Void) {
        let keepHUPIgnored = ignoringHangup || Self.hangupIgnoredAtStart
        var signals = [SIGINT, SIGTERM]
        if keepHUPIgnored { signal(SIGHUP, SIG_IGN) } else { signals.append(SIGHUP) }
        let queue = DispatchQueue(label: "p2ptui-stop-signals")
        let first = FirstSignal()
        self.first = first
        sources = signals.map { sig in
            // Dispatch delivers the signal to the source; the default action must not run first.
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            s.setEventHandler {
                let isFirst = first.m.withLock { f in
                    if f == 0 { f = sig; return true }
                    return false
                }
                if isFirst { onStop(sig) }
            }
            s.resume()
            return s
        }
    }

    /// The first stop signal received, or 0.
    var received: Int32 { first.m.withLock { $0 } }

    /// 128 + the signal, like a shell, or nil when none came.
    var exitStatus: Int32? { received == 0 ? nil : 128 + received }

    deinit { sources.forEach { $0.cancel() } }
}


/// The first stop signal, set once from the signal queue.
private final class FirstSignal: Sendable {
    let m = Mutex<Int32>(0)
}
