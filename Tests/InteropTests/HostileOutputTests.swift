import Foundation
import P2PReport
import P2PTestSupport
import Testing

/// No raw control byte reaches any output: the real binary against a hostile loopback
/// STUN server, a hostile metadata service and hostile DMI strings; `check`, `check -v`, `--json`,
/// the saved summary (text and JSON) and `compare` hold the hostile text only as visible escapes.
/// Two check runs of about 2 s each, plus `compare`.
@Suite(.serialized) struct HostileOutputTests {
    static let bin = InteropTests.binary

    static func expectNoRawControl(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if let found = Hostile.rawControl(in: text) {
            Issue.record("\(what) holds a raw control character: \(found)", sourceLocation: sourceLocation)
        }
    }

    @Test func checkSummaryJSONAndCompareShowHostileTextOnlyEscaped() throws {
        let stun = try HostileSTUNServer()
        let meta = try HostileMetadataServer()
        let dmi = try hostileDMIRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer {
            stun.stop(); meta.stop()
            try? FileManager.default.removeItem(atPath: dmi)
            try? FileManager.default.removeItem(at: dir)
        }
        let common = [Self.bin, "check", "--no-hairpin", "--timeout", "2", "--stun", stun.name,
                      "--metadata-endpoint", meta.endpoint, "--dmi-root", dmi, "--quic", "127.0.0.1:9"]
        let json = dir.appendingPathComponent("hostile.json").path
        let txt = dir.appendingPathComponent("hostile.txt").path

        // check -v (text on stdout, progress on stderr), saving the JSON report.
        let verbose = try Subprocess.run(common + ["-v", "--output", json], timeout: 30)
        #expect([0, 1, 3].contains(verbose.status), "\(verbose.stderr)")
        Self.expectNoRawControl(verbose.stdout, "check -v stdout")
        Self.expectNoRawControl(verbose.stderr, "check -v stderr")
        #expect(verbose.stdout.contains("\\x1b"), "check -v shows the escapes:\n\(verbose.stdout)")

        // check --json, saving the text summary; plain check text is the same run's renderer.
        let asJSON = try Subprocess.run(common + ["--json", "--output", txt], timeout: 30)
        Self.expectNoRawControl(asJSON.stdout, "check --json stdout")
        Self.expectNoRawControl(asJSON.stderr, "check --json stderr")
        let report = try JSONDecoder().decode(Report.self, from: Data(asJSON.stdout.utf8))
        for s in try allStrings(report) {
            #expect(UntrustedText.isClean(s), "the JSON report holds \(s.debugDescription)")
        }
        let servers = report.nat.servers.compactMap(\.detail).joined(separator: " ")
        #expect(servers.contains(Hostile.visible), "\(report.nat.servers)")
        #expect(report.cloud.evidence.contains { $0.contains("Server: EC2ws " + Hostile.visible) }, "\(report.cloud.evidence)")

        let plain = try Subprocess.run(common, timeout: 30)
        Self.expectNoRawControl(plain.stdout + plain.stderr, "check")
        #expect(plain.stdout.contains("\\x1b"), "check shows the escapes:\n\(plain.stdout)")

        let summary = try String(contentsOfFile: txt, encoding: .utf8)
        Self.expectNoRawControl(summary, "saved summary")
        #expect(summary.contains("\\x1b"))
        let saved = try String(contentsOfFile: json, encoding: .utf8)
        Self.expectNoRawControl(saved, "saved JSON")
        for s in try allStrings(JSONDecoder().decode(Report.self, from: Data(saved.utf8))) {
            #expect(UntrustedText.isClean(s), "the saved JSON holds \(s.debugDescription)")
        }

        // compare of the saved report, and of one edited to hold raw escapes (\u001b in JSON):
        // a report someone sent is outside text too.
        let cmp = try Subprocess.run([Self.bin, "compare", json, json], timeout: 20)
        #expect([0, 1].contains(cmp.status), "\(cmp.stderr)")
        Self.expectNoRawControl(cmp.stdout + cmp.stderr, "compare")
        var tampered = report
        tampered.run.hostname = "host\u{1B}]0;PWNED\u{07}"
        tampered.verdict.reasons.insert("reason \u{1B}[2J\u{9B}31m\u{202E}", at: 0)
        tampered.nat.evidence.insert(Hostile.text, at: 0)
        tampered.cloud.evidence.insert(Hostile.text, at: 0)
        let bad = dir.appendingPathComponent("tampered.json").path
        try JSONEncoder().encode(tampered).write(to: URL(fileURLWithPath: bad))
        for args in [[bad, json], [bad, bad, "--json"]] {
            let c = try Subprocess.run([Self.bin, "compare"] + args, timeout: 20)
            #expect([0, 1].contains(c.status), "\(c.stderr)")
            Self.expectNoRawControl(c.stdout + c.stderr, "compare \(args)")
        }
        // A file name with an escape, in an error message.
        let missing = try Subprocess.run([Self.bin, "compare", dir.path + "/no\u{1B}[2Jfile.json", json], timeout: 20)
        #expect(missing.status == 2)
        Self.expectNoRawControl(missing.stderr, "compare error")
        #expect(missing.stderr.contains("no\\x1b[2Jfile.json"), "\(missing.stderr)")
    }
}
