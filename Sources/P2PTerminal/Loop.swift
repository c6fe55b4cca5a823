// The wizard's event loop: one thread (the main actor) reads keys, drains probe messages, updates the
// model and redraws only when the picture changed.
import P2PWizard
import Synchronization

/// Messages posted from probe tasks (any thread), drained by the loop.
public final class Inbox: Sendable {
    private let queue = Mutex<[WizardMsg]>([])
    public init() {}
    public func post(_ msg: WizardMsg) { queue.withLock { $0.append(msg) } }
    public func drain() -> [WizardMsg] { queue.withLock { q in defer { q.removeAll() }; return q } }
}

/// Performs effects other than quit; may answer with a message (e.g. a save result).
public typealias EffectHandler = @MainActor (WizardEffect) -> WizardMsg?

/// Runs the wizard until it quits, a stop signal arrives or the terminal goes away; returns the
/// exit code. (SIGINT 130, SIGTERM 143, SIGHUP 129: 128 + signal, like a shell. A terminal that
/// hung up or reads end of file ends it with 129 too: that is what a hang-up is.) A stop is checked
/// before any effect runs, so nothing is saved or asked after it; a save already under way finishes
/// (it is atomic), and the caller cancels the probes.
@MainActor
public func runWizardLoop(terminal: Terminal, model initial: WizardModel, inbox: Inbox,
                          perform: EffectHandler) -> Int32 {
    var model = initial
    let clock = ContinuousClock()
    let t0 = clock.now
    func nowMs() -> Int {
        let d = clock.now - t0
        return Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }
    let size = terminal.size
    _ = update(&model, .resize(cols: size.cols, rows: size.rows))
    var lastGrid = view(model)
    terminal.draw(lastGrid)
    // Probes start after the first screen is up, so launch is never slowed by them.
    var pending = start(&model)
    var lastTickFrame = -1
    while true {
        let sig = terminal.pendingSignal
        if sig != 0 { return 128 + sig }
        if terminal.closed { return hangupStatus }
        var msgs: [WizardMsg] = []
        for effect in pending {
            if case .quit(let code) = effect { return code }
            if let m = perform(effect) { msgs.append(m) }
        }
        pending = []
        // Waits here (up to the read timeout) when nothing else is to be done: the loop's only
        // pause, so a terminal that cannot be read ends the loop rather than spinning it.
        if msgs.isEmpty, let input = terminal.readInput() {
            switch input {
            case .key(let k): msgs.append(.key(k))
            case .resize(let c, let r): msgs.append(.resize(cols: c, rows: r))
            case .closed: return hangupStatus
            }
        }
        msgs += inbox.drain()
        let now = nowMs()
        if now / 100 != lastTickFrame {
            lastTickFrame = now / 100
            msgs.append(.tick(nowMs: now))
        }
        for m in msgs { pending += update(&model, m) }
        let grid = view(model)
        if grid != lastGrid {
            terminal.draw(grid)
            lastGrid = grid
        }
    }
}

/// 128 + SIGHUP: the exit status when the terminal goes away.
public let hangupStatus: Int32 = 129
