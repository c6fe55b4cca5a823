import ArgumentParser
import P2PExport
import P2PReport

#if canImport(Glibc)
import Glibc
#endif

/// `p2ptui compare A.json B.json`: whether the Client and the Connector can meet directly.
///
/// Exit status: 0 direct connection likely; 1 possible or unlikely; 2 a report could not be read
/// (missing, unreadable, not a report, another schema version); 3 the output could not be saved;
/// 64 command-line usage error.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare a Client report with a Connector report: can they connect directly?",
        discussion: """
            Save a report on each side with `p2ptui check --output side.json`, then compare them. \
            The order does not matter when the reports record their role; otherwise the first is \
            taken as the Client and the second as the Connector.

            Exit status: 0 likely, 1 possible or unlikely, 2 a report could not be read, \
            3 the output could not be saved, 64 usage error.
            """)

    @Argument(help: "The first saved JSON report (the Client's, unless the reports say otherwise).")
    var first: String

    @Argument(help: "The second saved JSON report (the Connector's, unless the reports say otherwise).")
    var second: String

    @Flag(help: "Print the comparison as JSON.")
    var json = false

    @Flag(help: "ASCII only, no UTF-8 symbols.")
    var ascii = false

    @Option(name: .shortAndLong, help: "Also save the comparison to FILE (JSON if FILE ends in .json or with --json).")
    var output: String?

    @Flag(help: "Overwrite FILE if it exists.")
    var force = false

    func run() async throws {
        let a: Report
        let b: Report
        do {
            a = try ReportJSON.load(path: first)
            b = try ReportJSON.load(path: second)
        } catch {
            fail("\(error)")
            throw ExitCode(2)
        }
        // Put the reports in Client, Connector order when they say which is which.
        let swap = a.run.role == .connector && b.run.role != .connector
            || b.run.role == .client && a.run.role != .client
        let (client, connector) = swap ? (b, a) : (a, b)
        let comparison = Compare.compare(client: client, connector: connector)

        let asJSON = json || (output?.hasSuffix(".json") ?? false)
        let text = comparison.renderText(ascii: ascii)
        let jsonBytes = try ReportJSON.encodeValue(comparison)
        print(json ? String(decoding: jsonBytes, as: UTF8.self) : text, terminator: "")

        if let path = output {
            do {
                try AtomicFile.write(asJSON ? jsonBytes : Array(text.utf8), to: path, overwrite: force)
            } catch {
                fail("\(error)")
                throw ExitCode(3)
            }
        }
        if comparison.directConnection != .likely { throw ExitCode(1) }
    }

    private func fail(_ message: String) {
        var err = StandardError()
        print("p2ptui compare: error: \(UntrustedText.clean(message, limit: 4000))", to: &err)
    }
}

/// stderr as a TextOutputStream.
private struct StandardError: TextOutputStream {
    mutating func write(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress!, $0.count) }
    }
}
