import ArgumentParser

struct WizardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wizard", abstract: "TODO")

    func run() async throws {
        throw ExitCode(3)
    }
}
