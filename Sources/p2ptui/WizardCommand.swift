import ArgumentParser
import Glibc
import P2PProbes
import P2PReport
import P2PTerminal
import P2PWizard

/// `p2ptui` (the default): the full-screen guided troubleshooter.
struct WizardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wizard",
        abstract: "Guided troubleshooter: runs every probe live and explains each result (the default).")

    @Option(name: .customLong("stun"), help: "STUN server host[:port] (repeatable; default: public servers).")
    var stun: [String] = []

    @Option(help: "Overall deadline for the probes, in seconds.")
    var timeout: Double = 3.0

    @Flag(name: .customLong("no-hairpin"), help: "Never run the hairpin probe (it sends a packet to this network's own public address).")
    var noHairpin = false

    @Option(help: "Which machine this is: client, connector or unknown.")
    var role: String = "unknown"

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    /// Test hook: crash this many milliseconds after start, to prove the terminal is restored.
    @Option(name: .customLong("test-crash-after-ms"), help: .hidden)
    var crashAfterMs: Int?

    func validate() throws {
        guard Role(rawValue: role) != nil else {
            throw ValidationError("--role must be client, connector or unknown")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            let text = "p2ptui needs an interactive terminal; for scripts use `p2ptui check` (add --json for machine-readable output).\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
            throw ExitCode(2)
        }
        let chosenRole = Role(rawValue: role) ?? .unknown
        let options = CheckOptions(stunServers: stun.isEmpty ? CheckOptions.defaultServers : stun,
                                   timeout: timeout, hairpin: !noHairpin, role: chosenRole)
        let colorOK = !noColor && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
        let hairpinAllowed = !noHairpin
        let path = defaultSummaryPath()
        let crashAfter = crashAfterMs
        let code: Int32 = await MainActor.run {
            let terminal = Terminal()
            let config = WizardConfig(role: chosenRole, hairpinAllowed: hairpinAllowed, ascii: !terminal.utf8,
                                      defaultSummaryPath: path)
            terminal.start(colors: colorOK)
            defer { terminal.stop() }
            if let crashAfter {
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(crashAfter))
                    fatalError("test crash requested with --test-crash-after-ms")
                }
            }
            let inbox = Inbox()
            let saver = FileSummarySaver()
            var tasks: [Task<Void, Never>] = []
            let code = runWizardLoop(terminal: terminal, model: WizardModel(config: config), inbox: inbox) { effect in
                switch effect {
                case .startProbes(let probes):
                    var opts = options
                    opts.hairpin = probes.contains(.hairpin)
                    tasks.append(Task.detached {
                        let report = await Engine(options: opts).run(probes, events: { inbox.post(.probe($0)) })
                        inbox.post(.runFinished(probes: probes, report: report))
                    })
                    return nil
                case .save(let path, let text, let overwrite):
                    return .saveResult(saver.save(text, to: path, overwrite: overwrite))
                case .quit:
                    return nil
                }
            }
            for t in tasks { t.cancel() }
            return code
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// `./p2ptui-summary-<host>-<yyyymmdd-HHMM>.txt` in the current directory.
    private func defaultSummaryPath() -> String {
        var host = [CChar](repeating: 0, count: 256)
        let name = gethostname(&host, host.count) == 0 ? cString(host) : "host"
        var now = time(nil)
        var tm = tm()
        localtime_r(&now, &tm)
        var buf = [CChar](repeating: 0, count: 32)
        strftime(&buf, buf.count, "%Y%m%d-%H%M", &tm)
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        return "./p2ptui-summary-\(safe)-\(cString(buf)).txt"
    }
}

/// Writes the summary atomically: a temporary file in the same directory, then rename (overwrite) or
/// link (no overwrite, so an existing file is never clobbered). On any failure the old file stays.
/// (P2PExport's `AtomicFile` replaces this once merged.)
struct FileSummarySaver: SummarySaver {
    func save(_ text: String, to path: String, overwrite: Bool) -> SaveOutcome {
        let full = expandTilde(path)
        if !overwrite && access(full, F_OK) == 0 { return .exists(path: path) }
        let tmp = full + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failed(path: path, reason: errorText()) }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errorText()
                close(fd); unlink(tmp)
                return .failed(path: path, reason: reason)
            }
            off += n
        }
        if fsync(fd) != 0 || close(fd) != 0 {
            let reason = errorText()
            unlink(tmp)
            return .failed(path: path, reason: reason)
        }
        if overwrite {
            guard rename(tmp, full) == 0 else {
                let reason = errorText(); unlink(tmp)
                return .failed(path: path, reason: reason)
            }
        } else {
            let rc = link(tmp, full)
            let err = errno
            unlink(tmp)
            if rc != 0 {
                if err == EEXIST { return .exists(path: path) }
                return .failed(path: path, reason: String(cString: strerror(err)))
            }
        }
        return .saved(path: path)
    }

    private func expandTilde(_ p: String) -> String {
        guard p == "~" || p.hasPrefix("~/"), let home = getenv("HOME") else { return p }
        return String(cString: home) + p.dropFirst()
    }

    private func errorText() -> String { String(cString: strerror(errno)) }
}

/// A NUL-terminated C buffer as a String.
private func cString(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
