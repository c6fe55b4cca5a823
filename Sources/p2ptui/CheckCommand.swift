import ArgumentParser
import Foundation
import P2PExport
import P2PProbes
import P2PReport
import P2PSocket
import Synchronization

/// `p2ptui check`: the engine, headless.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run every probe without the wizard and print the findings (text, JSON or Prometheus metrics).",
        discussion: """
            Exit status: 0 nothing stands in the way of a direct connection; 1 a finding does; \
            2 usage error (a bad --output FILE included: checked before any probe runs); 3 the \
            checks could not run or could not decide; 4 the checks ran and the report was printed, \
            but saving it to --output FILE failed.

            For Prometheus: --format openmetrics prints the report as Prometheus text exposition, \
            and --output FILE.prom writes it atomically for node_exporter's textfile collector \
            (p2ptui_direct_connection, p2ptui_finding, p2ptui_udp_port_reachable, \
            p2ptui_nat_mapping, p2ptui_check_duration_seconds, p2ptui_check_timestamp_seconds, with \
            host and role labels). The package's p2ptui-check.timer runs p2ptui-check.service every \
            15 minutes, which writes /var/lib/prometheus/node-exporter/p2ptui.prom (options in \
            /etc/p2ptui/check.conf, STUN servers in /etc/p2ptui/stun-servers).

            --every DURATION checks again and again: it prints the first result, then a line only \
            when the verdict or the findings change, rewrites --output after every check, and \
            stops on SIGINT, SIGTERM or SIGHUP (exit status 0).
            """)

    @OptionGroup var engine: EngineOptions

    @Flag(help: "Write the report as JSON (schema: docs/report-schema.md).")
    var json = false

    @Option(help: ArgumentHelp(
        "Output format: text, json, or openmetrics (Prometheus text exposition for node_exporter's textfile collector).",
        valueName: "FORMAT"))
    var format: CheckFormat?

    @Flag(name: .shortAndLong, help: "Show every piece of evidence and probe progress (to stderr).")
    var verbose = false

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Also save the summary to FILE: plain text, JSON when FILE ends in .json, metrics when it ends in .prom. Written atomically.",
        valueName: "FILE"))
    var output: String?

    @Flag(help: "Overwrite --output FILE if it exists.")
    var force = false

    @Flag(help: "Replace public addresses by stable placeholders (public-1, ...) in the output, to share it.")
    var redact = false

    @Flag(help: "ASCII only: no UTF-8 symbols.")
    var ascii = false

    @Option(help: ArgumentHelp(
        "Check again every DURATION (30s, 5m, 1h) until SIGINT/SIGTERM/SIGHUP; print a line only when the verdict or the findings change, and rewrite --output after every check.",
        valueName: "DURATION"))
    var every: String?

    @Flag(help: ArgumentHelp(
        "Also measure how long the NAT keeps an idle UDP mapping (takes up to --lifetime-max seconds).",
        discussion: "Needs a STUN server that answers toward another port (RESPONSE-PORT), such as `p2ptui serve`: the first --stun server is used."))
    var lifetime = false

    @Option(name: .customLong("lifetime-max"), help: ArgumentHelp(
        "Longest idle time --lifetime tests, in seconds (10 to 3600).", valueName: "SECONDS"))
    var lifetimeMax: Int = 300

    func validate() throws {
        guard (10...3600).contains(lifetimeMax) else {
            throw ValidationError("--lifetime-max \(lifetimeMax): give seconds from 10 to 3600 (default 300)")
        }
        if lifetime, every != nil {
            throw ValidationError("--lifetime takes minutes per check: run it on its own, not with --every")
        }
        if let every {
            guard CheckEvery.parseInterval(every) != nil else {
                throw ValidationError("--every must be a duration such as 30s, 5m or 1h (more than 0, at most 7 days), got \(FlagCheck.quote(every))")
            }
            if json || (format ?? .text) != .text {
                throw ValidationError("--every prints only change lines: save the report with --output FILE (.json or .prom) instead of --json or --format")
            }
        }
        if let format, json, format != .json {
            throw ValidationError("--json and --format \(format.rawValue) contradict each other: give one")
        }
    }

    func run() async throws {
        let options: CheckOptions
        do { options = try engine.checkOptions() } catch { fail(error) }
        if let output {
            // A path that cannot be saved to is a usage error, found before any probe runs.
            do { try AtomicFile.checkTarget(output, overwrite: force) } catch { fail(UserError("\(error)")) }
        }
        if let every, let interval = CheckEvery.parseInterval(every) {
            await CheckEvery(command: self, options: options, interval: interval).run()
        }
        var first = options
        first.icmpBudgetSince = ProcessStart.nanos
        let timeline = TimelineRecorder(clock: SystemClock())
        var report = await Engine(options: first, clock: timeline.clock).run(events: progressPrinter(timeline))
        if verbose { FileHandle.standardError.write(Data(timeline.render().utf8)) }
        if lifetime { report = await measureLifetime(report, servers: options.stunServers, verbose: verbose) }
        let shown = redact ? Redactor.redact(report) : report
        switch resolvedFormat {
        case .json: FileHandle.standardOutput.write(Data(try ReportJSON.encode(shown)))
        case .openmetrics: FileHandle.standardOutput.write(Data(Self.metrics(shown).utf8))
        case .text: print(CheckText.render(shown, verbose: verbose, symbols: !ascii && localeIsUTF8()), terminator: "")
        }
        if let output {
            do {
                try save(report, to: output, overwrite: force)
            } catch {
                fail(UserError("\(error)", status: ExitStatus.saveFailed))
            }
            FileHandle.standardError.write(Data("p2ptui: summary saved to \(UntrustedText.clean(output, limit: 4000))\n".utf8))
        }
        throw ExitCode(Self.exitStatus(report))
    }

    /// With --verbose, each probe event as a line on stderr.
    /// With `timeline`, each event is also recorded there on `clock` (for the run's timeline).
    func progressPrinter(_ timeline: TimelineRecorder? = nil) -> @Sendable (ProbeEvent) -> Void {
        let verbose = self.verbose
        return { event in
            guard verbose else { return }
            timeline?.record(event)
            let line: String
            switch event {
            case let .started(p, ms): line = "[\(ms) ms] \(p.label): started"
            case let .progress(p, text): line = "        \(p.label): \(text)"
            case let .finished(r, ms): line = "[\(ms) ms] \(r.probe.label): done"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// `--format`, or `--json`, or text.
    var resolvedFormat: CheckFormat { format ?? (json ? .json : .text) }

    /// The metrics text of `report` (findings from the typed findings rules).
    static func metrics(_ report: Report) -> String {
        MetricsText.render(report, findings: FindingLabel.of(report))
    }

    /// Writes `report` to `path` atomically, in the form its extension names.
    func save(_ report: Report, to path: String, overwrite: Bool) throws {
        let lower = path.lowercased()
        let bytes: [UInt8]
        if lower.hasSuffix(".json") {
            bytes = try ReportJSON.encodeExport(report, redact: redact)
        } else if lower.hasSuffix(".prom") {
            bytes = Array(Self.metrics(redact ? Redactor.redact(report) : report).utf8)
        } else {
            bytes = Array(SummaryText.render(report, options: SummaryOptions(ascii: ascii, redact: redact)).utf8)
        }
        try AtomicFile.write(bytes, to: path, overwrite: overwrite)
    }

    /// Adds the mapping lifetime to `report` (progress on stderr with -v) and re-derives the verdict.
    func measureLifetime(_ report: Report, servers: [String], verbose: Bool) async -> Report {
        var report = report
        FileHandle.standardError.write(Data("p2ptui: measuring the idle mapping lifetime (up to \(lifetimeMax) s)\n".utf8))
        report.mappingLifetime = await MappingLifetimeProbe(limit: lifetimeMax).measure(servers: servers) { p in
            guard verbose else { return }
            FileHandle.standardError.write(Data("[\(p.elapsedSeconds) s] mapping lifetime: \(p.text)\n".utf8))
        }
        report.verdict = Verdict.derive(from: report)
        return report
    }

    /// 1 when a finding blocks; 3 when the mapping behaviour (what decides peer-to-peer) could not
    /// be found; else 0. Filtering left inconclusive (say, by servers without OTHER-ADDRESS) does
    /// not make it 3: with a known endpoint-independent mapping the verdict stands.
    static func exitStatus(_ report: Report) -> Int32 {
        if report.verdict.blocking { return ExitStatus.finding }
        if report.nat.mapping == .unknown { return ExitStatus.couldNotRun }
        return ExitStatus.ok
    }
}

/// What `check` prints.
enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, openmetrics
}

/// Whether the terminal's locale takes UTF-8 symbols (LC_ALL, then LC_CTYPE, then LANG).
func localeIsUTF8() -> Bool {
    let env = ProcessInfo.processInfo.environment
    let locale = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
    return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
}

/// The run's timeline for `check -v`: probe events recorded as they come, on the engine's clock.
final class TimelineRecorder: Sendable {
    let clock: SystemClock
    private let start: UInt64
    private let timeline = Mutex(RunTimeline())

    init(clock: SystemClock) {
        self.clock = clock
        start = clock.nowNanos()
    }

    func record(_ event: ProbeEvent) {
        let now = Int((clock.nowNanos() &- start) / 1_000_000)
        timeline.withLock { $0.record(event, nowMs: now) }
    }

    func render() -> String { timeline.withLock { $0.render() } }
}
