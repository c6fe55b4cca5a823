import Foundation
import P2PTestSupport
import Testing

extension NATLab {
/// The fleet features with the real thing: `check --every` while the lab's NAT changes, and the
/// metrics files, `serve --metrics`, Debian's node_exporter and Prometheus with the example alerts.
@Suite("Monitoring")
struct MonitoringLabTests {
    /// `check --every 5s` behind an endpoint-independent NAT that `natlab nat symmetric` switches
    /// mid-run: the first check's line, then exactly one change line naming the new finding; a
    /// SIGTERM ends it with status 0 and the .prom file holds the last check.
    @Test func everyPrintsOneLineWhenTheNATTurnsSymmetric() async throws {
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
        let out = try await Lab.runAsync([Lab.natlab, "run", "eim", "bash", "-c", script, "bash", dir, Lab.natlab], timeout: 150)
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

    /// scripts/monitoring-lab in a pair eim:symmetric: what Prometheus read from the two sides'
    /// node_exporters (their .prom files) and from `serve --metrics`, and what its alert rules made of it.
    @Test(.needsTools("prometheus", "prometheus-node-exporter", "promtool", "curl")) func prometheusSeesTheSymmetricSideAlertAndServesCounter() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-monitoring-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try await Lab.runAsync([Lab.natlab, "pair", "run", "eim:symmetric",
                                           Lab.repoRoot.appendingPathComponent("scripts/monitoring-lab").path, dir],
                                          timeout: 150, environment: ["NATLAB_SERVE_METRICS": "127.0.0.1:9469"])
        func file(_ name: String) -> String { (try? String(contentsOfFile: "\(dir)/\(name)", encoding: .utf8)) ?? "" }
        let diag = "exit \(out.status)\n\(out.stderr.suffix(1500))\nprometheus: \(file("prometheus.log").suffix(800))"
        #expect(out.status == 0 && file("ready") == "1\n", "\(diag)")

        let verdicts = Self.samples(file("query-verdict.json"))
        #expect(verdicts.first { $0["host"] == "lab-symmetric" }?["verdict"] == "unlikely", "\(verdicts)")
        #expect(verdicts.first { $0["host"] == "lab-eim" }?["verdict"] != "unlikely", "\(verdicts)")
        #expect(verdicts.first { $0["host"] == "lab-symmetric" }?["role"] == "connector")
        let findings = Self.samples(file("query-findings.json"))
        #expect(findings.contains { $0["host"] == "lab-symmetric" && $0["code"] == "mapping-endpoint-dependent" && $0["step"] == "nat-type" },
                "\(findings)")
        #expect(!findings.contains { $0["host"] == "lab-eim" && $0["code"] == "mapping-endpoint-dependent" }, "\(findings)")
        let alerts = Self.samples(file("query-alerts.json"))
        #expect(alerts.map { $0["host"] } == ["lab-symmetric"], "the alert fires for the symmetric side only: \(alerts)")

        // serve's request counter, as Prometheus scraped it, against what the kernel counted arriving.
        let sent = Int(file("stun-requests-sent").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let counted = Self.samples(file("query-requests.json")).first?["value"].flatMap(Double.init).map(Int.init) ?? -2
        #expect(sent > 0 && counted == sent, "serve counted \(counted), nftables saw \(sent)")
        #expect(Self.samples(file("query-up.json")).filter { $0["value"] == "1" }.count == 3, "both exporters and serve up")
        // promtool on what was exposed and on the rules: nothing to say.
        #expect(file("promtool-lab-eim.prom.txt").isEmpty && file("promtool-lab-symmetric.prom.txt").isEmpty)
        #expect(file("promtool-serve.txt").isEmpty, "\(file("promtool-serve.txt"))")
        #expect(file("promtool-rules.txt").contains("SUCCESS"), "\(file("promtool-rules.txt"))")

        // Nothing left running: the exporter, Prometheus, the lab's servers and namespaces are gone.
        let pids = file("pids").split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 3 && pids.allSatisfy { !Lab.isAlive($0) }, "\(pids)")
        #expect(try Lab.leftoverNamespaces().isEmpty)
    }

    /// The labels and the value of each sample of a Prometheus instant-query answer.
    static func samples(_ json: String) -> [[String: String]] {
        struct Answer: Decodable {
            struct DataPart: Decodable { var result: [Sample] }
            struct Sample: Decodable { var metric: [String: String]; var value: [ValuePart] }
            enum ValuePart: Decodable {
                case time(Double), text(String)
                init(from d: any Decoder) throws {
                    let c = try d.singleValueContainer()
                    if let t = try? c.decode(Double.self) { self = .time(t) } else { self = .text(try c.decode(String.self)) }
                }
            }
            var data: DataPart
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(json.utf8)) else { return [] }
        return answer.data.result.map { s in
            var m = s.metric
            if case .text(let v)? = s.value.last { m["value"] = v }
            return m
        }
    }
}
}
