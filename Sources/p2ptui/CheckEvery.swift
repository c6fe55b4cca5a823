import ArgumentParser
import Dispatch
import Foundation
import P2PExport
import P2PProbes
import P2PReport
import Synchronization

/// `check --every DURATION`: the check again and again; a line on stdout only when the verdict or
/// the findings changed (`CheckChanges`), the --output file rewritten after every check, and a
/// clean stop on SIGINT, SIGTERM or SIGHUP (never in the middle of writing the file).
struct CheckEvery {
    let command: CheckCommand
    let options: CheckOptions
    let interval: Double

    /// "30", "30s", "5m", "1h", "1.5m": seconds; nil when it is none of these or not positive.
    static func parseInterval(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let last = number.last, let u = units[last] {
            scale = u
            number = number.dropLast()
        }
        guard let n = Double(number), n.isFinite, n > 0, n * scale <= 7 * 86_400 else { return nil }
        return n * scale
    }

    /// Runs until a stop signal; then exits 0.
    func run() async -> Never {
        let control = EveryControl()
        signal(SIGPIPE, SIG_IGN)
        let stop = StopSignals { sig in
            // Wait for a file being written, then leave: nothing is ever half-done.
            control.writing.withLock { _ in
                let name = [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"][sig] ?? "signal \(sig)"
                FileHandle.standardError.write(Data("p2ptui check: stopped (\(name))\n".utf8))
                exit(0)
            }
        }
        var last: CheckState?
        var wrote = false
        while true {
            let started = DispatchTime.now()
            let report = await Engine(options: options).run(events: command.progressPrinter())
            let state = CheckState(verdict: report.verdict.directConnection, findings: FindingLabel.of(report))
            control.writing.withLock { _ in
                if let line = CheckChanges.line(from: last, to: state, at: report.run.startedAt) { emit(line) }
                if let output = command.output {
                    do { try command.save(report, to: output, overwrite: command.force || wrote) } catch { fail(error) }
                    wrote = true
                }
            }
            last = state
            let spent = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
            try? await Task.sleep(nanoseconds: UInt64(max(0, interval - spent) * 1e9))
            withExtendedLifetime(stop) {}
        }
    }
}

/// Held while the --output file is written, so a stop signal waits for it.
private final class EveryControl: Sendable {
    let writing = Mutex<Void>(())
}
