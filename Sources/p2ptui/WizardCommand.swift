import ArgumentParser
import Glibc
import P2PExport
import P2PProbes
import P2PReport
import P2PTerminal
import P2PWizard

/// `p2ptui` (the default): the full-screen guided troubleshooter.
struct WizardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wizard",
        abstract: "Guided troubleshooter: runs every probe live and explains each result (the default).")

    @OptionGroup var engine: EngineOptions

    @Flag(name: .customLong("no-color"), help: "No colour (also when NO_COLOR is set).")
    var noColor = false

    /// Test hook: crash this many milliseconds after start, to prove the terminal is restored.
    @Option(name: .customLong("test-crash-after-ms"), help: .hidden)
    var crashAfterMs: Int?

    /// Test hook: this many milliseconds after start, the terminal input descriptor (fd 0) is
    /// replaced by one at end of file (a pipe whose writer is closed), with no signal: the wizard
    /// must notice, end with 129 and restore the terminal through its output.
    @Option(name: .customLong("test-stdin-eof-after-ms"), help: .hidden)
    var stdinEOFAfterMs: Int?

    func run() async throws {
        guard isatty(0) == 1, isatty(1) == 1 else {
            let text = "p2ptui needs an interactive terminal; for scripts use `p2ptui check` (add --json for machine-readable output).\n"
            _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
            throw ExitCode(2)
        }
        let options: CheckOptions
        do { options = try engine.checkOptions() } catch { fail(error) }
        let chosenRole = options.role
        let colorOK = !noColor && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
        // The wizard asks before the hairpin probe; only --no-hairpin takes the question away.
        let hairpinAllowed = !engine.noHairpin
        let natDevice = options.natDevice
        let path = defaultSummaryPath()
        let crashAfter = crashAfterMs
        let eofAfter = stdinEOFAfterMs
        let code: Int32 = await MainActor.run {
            let terminal = Terminal()
            let config = WizardConfig(role: chosenRole, hairpinAllowed: hairpinAllowed, ascii: !terminal.utf8,
                                      defaultSummaryPath: path, natDevice: natDevice)
            terminal.start(colors: colorOK)
            defer { terminal.stop() }
            if let crashAfter {
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(crashAfter))
                    fatalError("test crash requested with --test-crash-after-ms")
                }
            }
            if let eofAfter {
                Task.detached {
                    try? await Task.sleep(for: .milliseconds(eofAfter))
                    var fds: [Int32] = [-1, -1]
                    guard pipe(&fds) == 0 else { return }
                    close(fds[1])
                    dup2(fds[0], 0)
                    close(fds[0])
                }
            }
            let inbox = Inbox()
            let saver = FileSummarySaver()
            let punch = WizardPunch(servers: options.stunServers, role: chosenRole, inbox: inbox)
            defer { punch.perform(.punchCancel) }
            let keepalive = WizardKeepalive(servers: options.stunServers, inbox: inbox)
            defer { keepalive.perform(.keepaliveCancel) }
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
                case .punchPrepare, .punchStart, .punchCancel:
                    punch.perform(effect)
                    return nil
                case .keepaliveStart, .keepaliveCancel:
                    keepalive.perform(effect)
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

/// Saves through P2PExport's `AtomicFile` (temporary file, then rename or link: a failed save
/// never leaves a half-written file and keeps the old one), expanding a leading `~`.
struct FileSummarySaver: SummarySaver {
    func save(_ text: String, to path: String, overwrite: Bool) -> SaveOutcome {
        do {
            try AtomicFile.write(Array(text.utf8), to: expandTilde(path), overwrite: overwrite)
            return .saved(path: path)
        } catch .fileExists {
            return .exists(path: path)
        } catch {
            return .failed(path: path, reason: error.description)
        }
    }

    private func expandTilde(_ p: String) -> String {
        guard p == "~" || p.hasPrefix("~/"), let home = getenv("HOME") else { return p }
        return String(cString: home) + p.dropFirst()
    }
}

/// A NUL-terminated C buffer as a String.
private func cString(_ buf: [CChar]) -> String {
    String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
