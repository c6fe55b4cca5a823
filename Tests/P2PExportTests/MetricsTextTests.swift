import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

/// The path of `promtool` (Debian package prometheus, installed by scripts/deps), or nil.
let promtoolPath: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

@Suite struct MetricsTextTests {
    static func render(_ r: Report) -> String {
        MetricsText.render(r, findings: FindingLabel.of(r))
    }

    @Test(arguments: ReportFixtures.all.map(\.name))
    func matchesGolden(name: String) {
        let r = ReportFixtures.all.first { $0.name == name }!.report
        golden.expect(Self.render(r), matches: "\(name).prom")
    }

    @Test func verdictIsAnEnumWithOneSeriesSet() {
        let text = Self.render(ReportFixtures.cloudAllFail)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("p2ptui_direct_connection{") }
        #expect(lines.count == DirectConnection.allCases.count)
        #expect(lines.filter { $0.hasSuffix(" 1") }.count == 1)
        #expect(lines.contains { $0.contains("verdict=\"unlikely\"") && $0.hasSuffix(" 1") })
    }

    @Test func symmetricNATNamesTheEndpointDependentMappingFinding() {
        let labels = FindingLabel.of(ReportFixtures.cloudAllFail)
        #expect(labels.contains(FindingLabel(code: "mapping-endpoint-dependent", step: "nat-type", status: "fail")))
        // A network where everything passes has only passing findings.
        #expect(FindingLabel.of(ReportFixtures.homeAllPass).allSatisfy { $0.status == "pass" })
        #expect(FindingLabel.of(ReportFixtures.homeAllPass).contains { $0.code == "mapping-endpoint-independent" })
    }

    @Test func udpBlockedIsAFindingOfTheFirewallStep() {
        let labels = FindingLabel.of(ReportFixtures.udpBlocked)
        #expect(labels.contains { $0.code == "udp-blocked" && $0.step == "firewall" })
    }

    @Test func unprovenPortsAreLeftOutNotCountedAsBlocked() {
        let text = Self.render(ReportFixtures.noDNS)
        #expect(!text.contains("p2ptui_udp_port_reachable{"))
    }

    @Test func hostileHostNameCannotBreakTheExposition() {
        var r = ReportFixtures.homeAllPass
        r.run.hostname = "evil\"} 1\nfake_metric 1\\"
        let text = Self.render(r)
        #expect(!text.contains("\nfake_metric"))
        #expect(text.contains("host=\"evil\\\"} 1\\\\x0afake_metric 1\\\\\""))
    }

    @Test func noTimestampWhenTheStartTimeIsUnknown() {
        var r = ReportFixtures.homeAllPass
        r.run.startedAt = ""
        #expect(!Self.render(r).contains("p2ptui_check_timestamp_seconds"))
        #expect(Self.render(ReportFixtures.homeAllPass).contains("p2ptui_check_timestamp_seconds{host=\"laptop-anna\",role=\"client\"} 1796018400\n"))
    }

    @Test(.enabled(if: promtoolPath != nil, "needs promtool (Debian package prometheus; scripts/deps)"),
          arguments: ReportFixtures.all.map(\.name))
    func promtoolFindsNothing(name: String) throws {
        let r = ReportFixtures.all.first { $0.name == name }!.report
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtoolPath!)
        p.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(Self.render(r).utf8))
        try input.fileHandleForWriting.close()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && said.isEmpty, "promtool check metrics: \(said)")
    }
}
