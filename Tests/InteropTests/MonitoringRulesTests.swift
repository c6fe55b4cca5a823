import Foundation
import P2PTestSupport
import Testing

/// The example alerting rules (docs/monitoring) and the metrics golden files, through the real
/// `promtool` (Debian package prometheus).
@Suite struct MonitoringRulesTests {
    static let monitoring = InteropTests.root.appendingPathComponent("docs/monitoring")

    @Test(.needsTools("promtool")) func rulesFileIsValid() throws {
        let out = try InteropTests.run(["promtool", "check", "rules", Self.monitoring.appendingPathComponent("p2ptui-alerts.yml").path])
        #expect(out.status == 0, "\(out.stdout)")
        #expect(out.stdout.contains("SUCCESS: 3 rules found"))
    }

    /// The alerts fire for the machine whose verdict went to unlikely, not for the other, and the
    /// flip alert ends an hour after the flip (p2ptui-alerts.test.yml).
    @Test(.needsTools("promtool")) func rulesUnitTestPasses() throws {
        // promtool reads rule_files relative to the working directory: cd there first.
        let out = try InteropTests.run(["sh", "-c", "cd \"$1\" && promtool test rules p2ptui-alerts.test.yml", "sh",
                                        Self.monitoring.path], timeout: 60)
        #expect(out.status == 0, "\(out.stdout)")
        #expect(out.stdout.contains("SUCCESS"))
    }

    @Test(.needsTools("promtool")) func metricsGoldenFilesPassPromtool() throws {
        let golden = InteropTests.root.appendingPathComponent("Tests/P2PExportTests/Golden")
        let files = try FileManager.default.contentsOfDirectory(atPath: golden.path).filter { $0.hasSuffix(".prom") }
        #expect(files.count >= 7)
        for f in files.sorted() {
            let out = try InteropTests.run(["sh", "-c", "promtool check metrics < \"$1\"", "sh", golden.appendingPathComponent(f).path])
            #expect(out.status == 0 && out.stdout.isEmpty, "\(f): \(out.stdout)")
        }
    }
}
