// The wizard's whole state as one value. `update` changes it; `view` draws it. Nothing here does I/O,
// so every screen and every key can be tested without a terminal.
import P2PReport

/// The screens: the welcome, one per article step (from `Step`), the logs and the summary.
public enum Screen: Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case welcome
    case step(Step)
    case logs
    case summary

    public static var allCases: [Screen] { [.welcome] + Step.allCases.map { .step($0) } + [.logs, .summary] }

    /// 1-based position, as the header shows it.
    public var number: Int { Screen.allCases.firstIndex(of: self)! + 1 }
    public var next: Screen? { number < Screen.allCases.count ? Screen.allCases[number] : nil }
    public var previous: Screen? { number > 1 ? Screen.allCases[number - 2] : nil }

    public var title: String {
        switch self {
        case .welcome: return "Welcome"
        case .step(let s): return s.content.title
        case .logs: return Pages.logsTitle
        case .summary: return "Summary"
        }
    }

    /// Name in the step bar.
    public var shortName: String {
        switch self {
        case .welcome: return "Welcome"
        case .step(let s): return s.content.shortName
        case .logs: return "Logs"
        case .summary: return "Summary"
        }
    }

    /// The article step this screen checks, if any.
    public var step: Step? {
        if case .step(let s) = self { return s }
        return nil
    }

    /// Probes whose results this screen shows (and `r` re-runs).
    public var probes: [ProbeID] { step?.content.probes ?? [] }

    /// "welcome", "natType", ...: the name golden files use.
    public var description: String {
        switch self {
        case .welcome: return "welcome"
        case .step(let s): return "\(s)"
        case .logs: return "logs"
        case .summary: return "summary"
        }
    }
}

/// Where one probe is.
public enum ProbeState: Sendable, Equatable {
    case idle
    /// Started at `startedAtMs` on the wizard's clock; `detail` is the last progress line.
    case running(startedAtMs: Int, detail: String?)
    case done(elapsedMs: Int)
    /// Not run on purpose (declined or `--no-hairpin`).
    case skipped
}

/// Whether the person agreed to the hairpin probe (it sends a packet to our own public address,
/// which some enterprise firewalls read as a LAND attack).
public enum HairpinConsent: Sendable, Equatable {
    case notAsked, granted, declined, disabledByFlag
}

/// What `save` reported back.
public enum SaveOutcome: Sendable, Equatable {
    case saved(path: String)
    /// The file exists and overwrite was not asked for.
    case exists(path: String)
    case failed(path: String, reason: String)
}

/// A modal box over the screen.
public enum Dialog: Sendable, Equatable {
    case help
    case quitConfirm
    /// Path entry; `error` is shown under the field after a failed save (the dialog stays open).
    case savePrompt(TextField, error: String?)
    case overwriteConfirm(path: String)
    /// The live hole-punch test (`p` on the Summary step): this side's code, a field for the other's.
    case punch(PunchStage, TextField, error: String?)
    /// "Which device does NAT for this network?" (`d` on a failed NAT type or Cloud NAT step):
    /// the index of the selected choice in `deviceChoices`.
    case natDevice(selected: Int)
}

/// Fixed facts the wizard starts with.
public struct WizardConfig: Sendable, Equatable {
    public var role: Role
    public var hairpinAllowed: Bool
    /// Characters: UTF-8 symbols or ASCII only.
    public var ascii: Bool
    public var defaultSummaryPath: String
    public var minCols: Int
    public var minRows: Int
    /// The NAT device named with `--nat-device`; the wizard's question can change it.
    public var natDevice: NATDevice?

    public init(role: Role = .unknown, hairpinAllowed: Bool = true, ascii: Bool = false,
                defaultSummaryPath: String = "./p2ptui-summary.txt", minCols: Int = 80, minRows: Int = 24,
                natDevice: NATDevice? = nil) {
        self.natDevice = natDevice
        self.role = role
        self.hairpinAllowed = hairpinAllowed
        self.ascii = ascii
        self.defaultSummaryPath = defaultSummaryPath
        self.minCols = minCols
        self.minRows = minRows
    }
}

public struct WizardModel: Sendable, Equatable {
    public var config: WizardConfig
    public var screen: Screen = .welcome
    public var role: Role
    /// Everything found so far (sections of unfinished probes stay not-checked).
    public var report: Report
    public var probes: [ProbeID: ProbeState] = [:]
    /// When each running probe started on its engine run's clock (its started event): the duration
    /// shown once it is done is measured on that clock, not on the wizard's, which only advances
    /// with ticks and may lag the engine's events.
    public var engineStartMs: [ProbeID: Int] = [:]
    /// Body scrolling per screen.
    public var viewports: [Screen: Viewport] = [:]
    public var hairpinConsent: HairpinConsent
    public var dialog: Dialog?
    /// One line under the body (save result, hints); cleared on the next key.
    public var message: String?
    public var messageStyle: CellStyle = .normal
    /// Path of the last successful save; nil while the summary is unsaved.
    public var savedPath: String?
    /// The report as it was when saved, to tell whether newer results make the saved file stale.
    public var savedReport: Report?
    public var cols: Int
    public var rows: Int
    /// Wizard clock in milliseconds since launch (from ticks).
    public var nowMs: Int = 0
    /// The NAT device the person named (flag or question); nil: what the probes identify.
    public var chosenDevice: NATDevice?
    /// The opt-in idle mapping lifetime measurement (Summary step, `l`).
    public var keepalive: KeepaliveState = .idle

    public init(config: WizardConfig, cols: Int = 80, rows: Int = 24, report: Report = Report()) {
        self.config = config
        self.role = config.role
        self.report = report
        self.report.run.role = config.role
        self.hairpinConsent = config.hairpinAllowed ? .notAsked : .disabledByFlag
        self.cols = cols
        self.rows = rows
        for p in ProbeID.allCases { probes[p] = .idle }
        if !config.hairpinAllowed { probes[.hairpin] = .skipped }
        self.chosenDevice = config.natDevice
        if config.natDevice != nil { self.report.natDevice = NATDeviceIdentity.resolve(self.report, chosen: config.natDevice) }
    }

    public var tooSmall: Bool { cols < config.minCols || rows < config.minRows }

    /// True when the current results have not been written to a file.
    public var summaryUnsaved: Bool { savedPath == nil || savedReport != report }

    public func isRunning(_ p: ProbeID) -> Bool {
        if case .running = probes[p] { return true }
        return false
    }

    public var anyRunning: Bool { ProbeID.allCases.contains { isRunning($0) } }
}

/// A key, already decoded by the terminal adapter.
public enum Key: Sendable, Equatable {
    case char(Character)
    /// Control-letter, e.g. `.ctrl("u")`.
    case ctrl(Character)
    case enter, escape, backspace, delete, tab
    case up, down, left, right, pageUp, pageDown, home, end
}

public enum WizardMsg: Sendable, Equatable {
    case key(Key)
    /// Clock tick for spinners and elapsed times.
    case tick(nowMs: Int)
    case probe(ProbeEvent)
    /// An engine run for `probes` returned `report`: anything not yet reported by events is taken from it.
    case runFinished(probes: [ProbeID], report: Report)
    case resize(cols: Int, rows: Int)
    case saveResult(SaveOutcome)
    /// Punch: this side's code is ready, or gathering failed (the text says why).
    case punchCode(String)
    case punchUnavailable(String)
    /// Punch: the other side's code was refused (the text says why); the field stays for a retry.
    case punchRejected(String)
    /// Punch: finished; `headline` is the one-line result.
    case punchFinished(PunchSection, headline: String)
    /// Keepalive: what the measurement is doing now.
    case keepaliveProgress(String)
    /// Keepalive: the measurement's result.
    case keepaliveFinished(MappingLifetimeSection)
}

/// What the outside world must do for the wizard. The command performs these.
public enum WizardEffect: Sendable, Equatable {
    case startProbes([ProbeID])
    case save(path: String, text: String, overwrite: Bool)
    case quit(code: Int32)
    /// Punch: gather candidates on one socket and make this side's code (naming this side's role).
    case punchPrepare(role: Role)
    /// Punch: check against the other side's code (as pasted).
    case punchStart(peerCode: String)
    /// Punch: stop and close the socket.
    case punchCancel
    /// Keepalive: measure the idle mapping lifetime up to `limitSeconds`.
    case keepaliveStart(limitSeconds: Int)
    /// Keepalive: stop the measurement and close its sockets.
    case keepaliveCancel
}

/// Writes the summary file. Injected by the command so the state machine stays pure; the writer must
/// replace the file atomically so a failed save keeps the old file.
public protocol SummarySaver: Sendable {
    func save(_ text: String, to path: String, overwrite: Bool) -> SaveOutcome
}
