import Foundation
import P2PTestSupport
import Testing

extension NATLab {
/// The fleet features with the real thing: `check --every` while the lab's NAT changes, and the
/// metrics files, `serve --metrics`, Debian's node_exporter and Prometheus with the example alerts.
@Suite("Monitoring")
struct MonitoringLabTests {
    /// Runs `arguments` through `Lab.run` on a thread of its own (the wait takes seconds).
    static func runAsync(_ arguments: [String], timeout: Double, environment: [String: String] = [:]) async throws -> Lab.Outcome {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try Lab.run(arguments, timeout: timeout, environment: environment) }) }.start()
        }
    }

    /// `check --every 5s` behind an endpoint-independent NAT that `natlab nat symmetric` switches
    /// mid-run: the first check's line, then exactly one change line naming the new finding; a
    /// SIGTERM ends it with status 0 and the .prom file holds the last check.
    @Test func everyPrintsOneLineWhenTheNATTurnsSymmetric() async throws {
        guard Lab.available() else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-every-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // In the client namespace: wait for the first line, switch the NAT, wait for a change line
        // and one more check (which must print nothing), then stop it.
        let script = """
            set -u
            "$P2PTUI_BIN" check --stun \(Lab.p2ptuiServer) --timeout 2 --every 5s -o "$1/every.prom" >"$1/out" 2>"$1/err" &
            pid=$!
            for _ in $(seq 1 120); do [ -s "$1/out" ] && break; sleep 0.5; done
            "$2" nat symmetric
            for _ in $(seq 1 120); do [ "$(wc -l <"$1/out")" -ge 2 ] && break; sleep 0.5; done
            sleep 12
            kill -TERM "$pid"; wait "$pid"; echo "status $?" >"$1/status"
            """
        let out = try await Self.runAsync([Lab.natlab, "run", "eim", "bash", "-c", script, "bash", dir, Lab.natlab], timeout: 150)
        let lines = ((try? String(contentsOfFile: "\(dir)/out", encoding: .utf8)) ?? "").split(separator: "\n")
        let diag = "lines: \(lines)\nstderr: \((try? String(contentsOfFile: "\(dir)/err", encoding: .utf8)) ?? "")\n\(out.stderr.suffix(1500))"
        #expect(lines.count == 2, "\(diag)")
        #expect(lines.first?.contains("first check:") == true, "\(diag)")
        if lines.count == 2 {
            #expect(lines[1].contains("appeared: mapping-endpoint-dependent (nat-type)"), "\(diag)")
            #expect(lines[1].contains("-> unlikely"), "\(diag)")
        }
        #expect((try? String(contentsOfFile: "\(dir)/status", encoding: .utf8)) == "status 0\n", "\(diag)")
        let prom = (try? String(contentsOfFile: "\(dir)/every.prom", encoding: .utf8)) ?? ""
        #expect(prom.contains(#"code="mapping-endpoint-dependent""#), "the file holds the last check: \(prom.prefix(600))")
        #expect(try Lab.leftoverNamespaces().isEmpty)
    }
}
}
