import Foundation
import P2PTestSupport
import Testing

/// The wizard's live test end to end: the wizard behind NAT A (tmux), `p2ptui punch` behind NAT B
/// (scripts/natlab pair eim:eim); the codes go from the screen to the CLI's stdin and from its
/// stdout into the dialog's field; the result shows in the dialog and in the saved summary.
@Suite(.serialized, .enabled(if: isolatedNetwork, "needs tmux and a network namespace with only lo (scripts/test)"))
struct PunchTUITests {
    /// The code shown in the dialog: the "p2p1-" line and its wrapped continuation lines.
    static func code(on screen: String) -> String? {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.contains("p2p1-") }) else { return nil }
        var code = ""
        for line in lines[start...] {
            if line.contains("2. Run") { break }
            let tokens = line.split(whereSeparator: { $0 == " " || $0 == "│" || $0 == "|" })
            guard let t = tokens.first(where: { $0.hasPrefix("p2p1-") || (code.count > 0 && $0.allSatisfy { $0.isLowercase || ("2"..."7").contains($0) }) })
            else { continue }
            code += t
        }
        return code.isEmpty ? nil : code
    }

    @Test(.needsLab) func wizardAndCLIProveAPathThroughTwoNATs() throws {
        guard let (prefix, _, down) = try LabTUITests.lab("p2pq", ["pair", "up", "eim:eim"])
        else { return }
        defer { down() }
        let dir = try tempDir()

        // The connector side: the CLI, its stdin a pipe this test writes the wizard's code into.
        let cli = Process()
        cli.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        cli.arguments = ["netns", "exec", "\(prefix)-connector", binary, "punch", "--role", "connector",
                         "--stun", "203.0.113.10:3478", "--stun", "203.0.113.20:3478"]
        let input = Pipe(), output = Pipe()
        cli.standardInput = input
        cli.standardOutput = output
        cli.standardError = FileHandle.nullDevice
        try cli.run()
        defer { if cli.isRunning { cli.terminate() } }
        var cliOut = Data()
        while !cliOut.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            cliOut += chunk
        }
        let cliCode = String(decoding: cliOut.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        #expect(cliCode.hasPrefix("p2p1-"))

        // The client side: the wizard, on to the Summary step, p.
        let t = try Tmux(cwd: dir)
        try t.shell("export LANG=C.UTF-8 PATH=/usr/sbin:/sbin:$PATH; ip netns exec \(prefix)-client \(binary) "
                    + "--stun 203.0.113.10:3478 --stun 203.0.113.20:3478 --no-hairpin --role client; echo EXIT=$?")
        #expect(t.waitFor(timeout: 8) { $0.contains("Step 1/8") } != nil, "\(t.capture())")
        for _ in 0..<7 { try t.keys("n") }
        // Every probe done first, so a late result cannot make the saved summary stale.
        #expect(t.waitFor(timeout: 10) { $0.contains("Step 8/8: Summary") && !$0.contains("still running") } != nil, "\(t.capture())")
        try t.keys("p")
        let shown = t.waitFor(timeout: 8) { $0.contains("2. Run `p2ptui punch`") }
        #expect(shown != nil, "the dialog shows this side's code:\n\(t.capture())")
        let wizardCode = try #require(Self.code(on: t.capture()), "\(t.capture())")

        input.fileHandleForWriting.write(Data((wizardCode + "\n").utf8))
        try t.literal(cliCode)
        try t.keys("Enter")
        let proven = t.waitFor(timeout: 20) { $0.contains("DIRECT path proven") }
        #expect(proven != nil, "the dialog shows the result:\n\(t.capture())")
        cli.waitUntilExit()
        #expect(cli.terminationStatus == 0, "the CLI side proved it too")
        let rest = String(decoding: cliOut + output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(rest.contains("DIRECT path proven: local 198.51.100.130:"), "\(rest)")

        // Enter closes; s saves: the summary has the live test's section.
        try t.keys("Enter")
        try t.keys("s")
        #expect(t.waitFor(timeout: 5) { $0.contains("Save summary") } != nil)
        try t.keys("C-u")
        try t.literal("punch-summary.txt")
        try t.keys("Enter")
        #expect(t.waitFor(timeout: 5) { $0.contains("Summary saved") } != nil, "\(t.capture())")
        let saved = try String(contentsOf: dir.appendingPathComponent("punch-summary.txt"), encoding: .utf8)
        #expect(saved.contains("Live test with the other side (p2ptui punch)"))
        #expect(saved.contains("DIRECT path proven: local 198.51.100.2:"))
        try t.keys("q")
        // Either it quits at once, or a late result made the summary stale and it asks first.
        _ = t.waitFor(timeout: 5) { $0.contains("EXIT=0") || $0.contains("The summary has not been saved.") }
        if t.capture().contains("The summary has not been saved.") { try t.keys("y") }
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=0") } != nil, "\(t.capture())")
        try expectRestored(t)
    }
}
