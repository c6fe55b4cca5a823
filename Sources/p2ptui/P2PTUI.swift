import ArgumentParser
import Foundation
import P2PReport
import P2PSocket

/// `p2ptui`: the wizard by default; `check`, `serve`, `compare` and `punch` as subcommands.
@main
struct P2PTUI: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "p2ptui",
        abstract: "Find out why two machines cannot talk directly, and what to change.",
        discussion: """
            Runs live probes for each requirement of a direct peer-to-peer (UDP/QUIC) connection \
            between a Client and a Connector: outbound UDP to any port, no QUIC filtering, a NAT \
            with endpoint-independent mapping, no double NAT, hairpin on one LAN, no cloud NAT \
            gateway in the way. Run it on both sides. Without a subcommand it opens the wizard, \
            which needs a terminal of at least 80x24; `p2ptui check` prints the same findings for \
            scripts (--json for machine-readable output), and `p2ptui compare` reads the two sides' \
            reports. The wizard ends when its terminal closes (exit status 129).
            """,
        version: version,
        subcommands: [WizardCommand.self, CheckCommand.self, ServeCommand.self, CompareCommand.self, PunchCommand.self],
        defaultSubcommand: WizardCommand.self)

    /// Parses and runs the command, with one place that turns errors into exit statuses: argument
    /// parser's usage errors (its code 64) become the documented 2; help, version and the commands'
    /// own `ExitCode`s pass through unchanged.
    static func main() async {
        _ = ProcessStart.nanos
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error).rawValue == 64 {
                // The parser quotes the value it refused, which may hold escape codes.
                let message = UntrustedText.cleanLines(fullMessage(for: error), limit: 4000).joined(separator: "\n")
                FileHandle.standardError.write(Data((message + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// When this process started (as soon as `main` runs), on the monotonic clock the engine uses. No
/// probe of this process has asked any host for ICMP errors before it, so a host's budget an
/// earlier run spent gets its next token within a second of it (`CheckOptions.icmpBudgetSince`).
enum ProcessStart {
    static let nanos = SystemClock().nowNanos()
}
