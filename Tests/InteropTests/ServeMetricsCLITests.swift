import Foundation
import P2PTestSupport
import Testing

/// `p2ptui serve --metrics` as a binary on loopback (the lo-only namespace): the endpoint counts a
/// real client's requests, and a port it cannot bind stops the command before it serves.
@Suite(.serialized) struct ServeMetricsCLITests {
    static let bin = InteropTests.binary

    /// The metrics text from `url`, polled until `done` holds (a hang guard, not a speed test).
    static func scrape(_ url: String, until done: (String) -> Bool) throws -> String {
        var text = ""
        for _ in 0..<100 {
            text = try Subprocess.run(["curl", "-fsS", "--max-time", "5", url], timeout: 10).stdout
            if done(text) { break }
            usleep(100_000)
        }
        return text
    }

    @Test(.needsTools("curl")) func countsAClientsRequestsAndStopsCleanly() throws {
        let server = try InteropTests.start([Self.bin, "serve", "--primary", "127.0.0.9", "--alternate", "127.0.0.10",
                                             "--port", "25478", "--metrics", "127.0.0.1:25469"])
        defer { InteropTests.stop(server) }
        let out = try Subprocess.run([Self.bin, "check", "--json", "--no-hairpin", "--timeout", "3",
                                      "--stun", "127.0.0.9:25478"], timeout: 30)
        #expect(out.stdout.contains("\"mapping\""), "\(out.stderr)")
        let text = try Self.scrape("http://127.0.0.1:25469/metrics") { $0.contains("p2ptui_serve_requests_total") }
        let requests = text.split(separator: "\n").first { $0.hasPrefix(#"p2ptui_serve_requests_total{server="stun"} "#) }
        #expect((requests?.split(separator: " ").last).flatMap { Int($0) } ?? 0 > 0, "\(text.prefix(600))")
        #expect(text.contains("# HELP p2ptui_serve_response_seconds"))
        #expect(try Subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:25469/other"],
                                   timeout: 10).stdout == "404")
    }

    @Test func aMetricsPortInUseIsAnErrorBeforeServing() throws {
        let first = try InteropTests.start([Self.bin, "serve", "--primary", "127.0.0.11", "--port", "26478",
                                            "--metrics", "127.0.0.1:26469"])
        defer { InteropTests.stop(first) }
        let second = try Subprocess.run([Self.bin, "serve", "--primary", "127.0.0.12", "--port", "26478",
                                         "--metrics", "127.0.0.1:26469"], timeout: 30)
        #expect(second.status == 3, "\(second.stderr)")
        #expect(second.stderr.contains("--metrics 127.0.0.1:26469: cannot serve metrics there"), "\(second.stderr)")
        #expect(!second.stdout.contains("plain binding server"), "it stops before the STUN sockets")
    }
}
