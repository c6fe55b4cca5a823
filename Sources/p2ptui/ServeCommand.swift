import ArgumentParser

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "TODO")

    func run() async throws {
        throw ExitCode(3)
    }
}
