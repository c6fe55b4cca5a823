import ArgumentParser
import Foundation

/// `p2ptui`: the wizard by default; `check`, `serve`, `compare` and `punch` as subcommands.
@main
struct P2PTUI: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "p2ptui",
        abstract: "Find out why two machines cannot talk directly, and what to change.",
        version: version,
        subcommands: [WizardCommand.self, CheckCommand.self, ServeCommand.self, CompareCommand.self, PunchCommand.self],
        defaultSubcommand: WizardCommand.self)

    /// Parses and runs the command, with one place that turns errors into exit statuses: argument
    /// parser's usage errors (its code 64) become the documented 2; help, version and the commands'
    /// own `ExitCode`s pass through unchanged.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error).rawValue == 64 {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}
