import ArgumentParser

/// `p2ptui`: the wizard by default; `check`, `serve` and `compare` as subcommands.
@main
struct P2PTUI: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "p2ptui",
        abstract: "Find out why two machines cannot talk directly, and what to change.",
        version: version,
        subcommands: [WizardCommand.self, CheckCommand.self, ServeCommand.self, CompareCommand.self],
        defaultSubcommand: WizardCommand.self)
}
