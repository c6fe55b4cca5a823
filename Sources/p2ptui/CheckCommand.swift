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
        abstract: "Run every probe without the wizard and print the findings (text or JSON).",
        discussion: """
            Exit status: 0 nothing stands in the way of a direct connection; 1 a finding does; \
            2 usage error (a bad --output FILE included: checked before any probe runs); 3 the \
            checks could not run or could not decide; 4 the checks ran and the report was printed, \
            but saving it to --output FILE failed.
            """)

    @OptionGroup var engine: EngineOptions

    @Flag(help: "Write the report as JSON (schema: docs/report-schema.md).")
    var json = false

    @Flag(name: .shortAndLong, help: "Show every piece of evidence and probe progress (to stderr).")
    var verbose = false

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Also save the summary to FILE: plain text, or JSON when FILE ends in .json. Written atomically.",
        valueName: "FILE"))
    var output: String?

    @Flag(help: "Overwrite --output FILE if it exists.")
    var force = false

    @Flag(help: "Replace public addresses by stable placeholders (public-1, ...) in the output, to share it.")
    var redact = false

    @Flag(help: "ASCII only: no UTF-8 symbols.")
    var ascii = false

    func run() async throws {
        let options: CheckOptions
        do { options = try engine.checkOptions() } catch { fail(error) }
        if let output {
            // A path that cannot be saved to is a usage error, found before any probe runs.
            do { try AtomicFile.checkTarget(output, overwrite: force) } catch { fail(UserError("\(error)")) }
        }
        let verbose = self.verbose
        let timeline = Mutex(RunTimeline())
        let clock = SystemClock()
        let start = clock.nowNanos()
        let report = await Engine(options: options, clock: clock).run { event in
            guard verbose else { return }
            let now = Int((clock.nowNanos() &- start) / 1_000_000)
            timeline.withLock { $0.record(event, nowMs: now) }
            let line: String
            switch event {
            case let .started(p, ms): line = "[\(ms) ms] \(p.label): started"
            case let .progress(p, text): line = "        \(p.label): \(text)"
            case let .finished(r, ms): line = "[\(ms) ms] \(r.probe.label): done"
            }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if verbose { FileHandle.standardError.write(Data(timeline.withLock { $0.render() }.utf8)) }
        let shown = redact ? Redactor.redact(report) : report
        if json {
            FileHandle.standardOutput.write(Data(try ReportJSON.encode(shown)))
        } else {
            print(CheckText.render(shown, verbose: verbose, symbols: !ascii && localeIsUTF8()), terminator: "")
        }
        if let output {
            do {
                let bytes = output.lowercased().hasSuffix(".json")
                    ? try ReportJSON.encodeExport(report, redact: redact)
                    : Array(SummaryText.render(report, options: SummaryOptions(ascii: ascii, redact: redact)).utf8)
                try AtomicFile.write(bytes, to: output, overwrite: force)
            } catch {
                fail(UserError("\(error)", status: ExitStatus.saveFailed))
            }
            FileHandle.standardError.write(Data("p2ptui: summary saved to \(UntrustedText.clean(output, limit: 4000))\n".utf8))
        }
        throw ExitCode(Self.exitStatus(report))
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

/// Whether the terminal's locale takes UTF-8 symbols (LC_ALL, then LC_CTYPE, then LANG).
func localeIsUTF8() -> Bool {
    let env = ProcessInfo.processInfo.environment
    let locale = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
    return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
}
