import ArgumentParser

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "TODO")

    func run() async throws {
        throw ExitCode(3)
    }
}
