import ArgumentParser

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "TODO")

    func run() async throws {
        throw ExitCode(3)
    }
}
