// Double NAT, hairpin, gateway protocols and cloud NAT gateway in the NAT lab: the real binary
// runs `check --json` in a scenario's client namespace (scripts/natlab run) and the JSON is asserted.
// Without root or the lab's tools the tests print why and return (CI=true makes that a failure).
import Foundation
import P2PReport
import Testing

/// A self-contained runner (names prefixed so they never clash with the lab engineer's harness).
enum GatewayLab {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let natlab = repo.appendingPathComponent("scripts/natlab").path
    static let binary = ProcessInfo.processInfo.environment["P2PTUI_BIN"] ?? repo.appendingPathComponent(".build/debug/p2ptui").path
    static let stun = ["--stun", "203.0.113.10:3478", "--stun", "203.0.113.20:3478"]
    /// DMI fixture that is not a cloud, so the host's own DMI never matters.
    static let notCloud = repo.appendingPathComponent("Tests/Fixtures/dmi/laptop").path

    static func skipReason() -> String? {
        if getuid() != 0 { return "needs root" }
        let dirs = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"]
        for tool in ["nft", "ip", "turnserver"] where !dirs.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }) {
            return "missing \(tool)"
        }
        if !FileManager.default.isExecutableFile(atPath: natlab) { return "no scripts/natlab" }
        if !FileManager.default.isExecutableFile(atPath: binary) { return "no binary at \(binary)" }
        return nil
    }

    static func available() -> Bool {
        guard let why = skipReason() else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" { Issue.record("lab prerequisite missing: \(why)") }
        else { print("GatewayLabTests: skipped: \(why)") }
        return false
    }

    /// `natlab run SCENARIO CMD...` with a fresh prefix; returns the parsed report (nil + issue on failure).
    static func check(_ scenario: String, command: [String]? = nil, extra: [String] = []) async throws -> Report? {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gwlab-\(UUID().uuidString).json")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("gwlab-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: natlab)
        p.arguments = ["run", scenario] + (command ?? ([binary, "check", "--json", "--dmi-root", notCloud] + stun + extra))
        var env = ProcessInfo.processInfo.environment
        env["NATLAB_PREFIX"] = "gwl\(getpid() % 100_000)\(scenario.prefix(4))"
        env["NATLAB_QUIET"] = "1"
        env["P2PTUI_BIN"] = binary
        env["PATH"] = (env["PATH"] ?? "") + ":/usr/sbin:/sbin"
        p.environment = env
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        // Wait through terminationHandler, never waitUntilExit: a blocked cooperative thread (two on
        // a 2-core machine) would stall every other test running in parallel.
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            p.terminationHandler = { _ in done.resume() }
            do { try p.run() } catch { p.terminationHandler = nil; done.resume() }
        }
        let data = try Data(contentsOf: out)
        guard let report = try? JSONDecoder().decode(Report.self, from: data) else {
            Issue.record("\(scenario): no report (exit \(p.terminationStatus)): \(String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self).suffix(800))")
            return nil
        }
        return report
    }
}

@Suite("Gateway, double NAT, hairpin, cloud in the NAT lab", .serialized)
struct GatewayLabTests {
    @Test func doubleNATIsDetectedFromTheCGNATHop() async throws {
        guard GatewayLab.available(), let r = try await GatewayLab.check("double") else { return }
        #expect(r.doubleNat.detected == true, "\(r.doubleNat.evidence)")
        #expect(r.doubleNat.hops.contains { $0.hasPrefix("2 100.64.") }, "\(r.doubleNat.hops)")
        #expect(r.gateway.address == "192.168.1.1")
    }

    @Test func singleNATIsNotDoubleNAT() async throws {
        guard GatewayLab.available(), let r = try await GatewayLab.check("eim") else { return }
        #expect(r.doubleNat.detected != true, "\(r.doubleNat.evidence)")
        #expect(!r.doubleNat.evidence.isEmpty)
        #expect(r.doubleNat.hops.first == "1 192.168.1.1")
        // No hairpin rules on the eim router.
        #expect(r.hairpin.supported == false, "\(r.hairpin.evidence)")
        #expect(r.cloud.provider == CloudProvider.none)
    }

    @Test func hairpinScenarioLoopsBackWithThePublicSource() async throws {
        guard GatewayLab.available(), let r = try await GatewayLab.check("hairpin") else { return }
        #expect(r.hairpin.supported == true, "\(r.hairpin.evidence)")
        #expect(r.hairpin.observedSource?.hasPrefix("198.51.100.2:") == true)
    }

    @Test func noHairpinFlagSkipsIt() async throws {
        guard GatewayLab.available(), let r = try await GatewayLab.check("hairpin", extra: ["--no-hairpin"]) else { return }
        #expect(r.hairpin.status == .notChecked && r.hairpin.supported == nil)
    }

    @Test func miniupnpdReportsTheRouterWANAddress() async throws {
        guard GatewayLab.available(), let r = try await GatewayLab.check("upnp") else { return }
        #expect(Set(r.gateway.protocols) == ["upnp", "nat-pmp", "pcp"], "\(r.gateway.evidence)")
        #expect(r.gateway.externalAddress == "198.51.100.2")
        #expect(r.doubleNat.detected == false, "\(r.doubleNat.evidence)")
    }

    /// Symmetric NAT (fully random ports) plus a fake AWS metadata service that reports no public
    /// IPv4: what an instance behind an AWS NAT Gateway sees.
    @Test func awsInstanceBehindEndpointDependentNATIsFlagged() async throws {
        guard GatewayLab.available() else { return }
        let fake = GatewayLab.repo.appendingPathComponent("Tests/Fixtures/cloud/fake_metadata.py").path
        let aws = GatewayLab.repo.appendingPathComponent("Tests/Fixtures/dmi/aws").path
        let cmd = "python3 \(fake) aws 18169 & for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/18169) 2>/dev/null && break; sleep 0.05; done; "
            + "\(GatewayLab.binary) check --json --metadata-endpoint http://127.0.0.1:18169 --dmi-root \(aws) "
            + GatewayLab.stun.joined(separator: " ") + "; s=$?; kill %1; exit $s"
        guard let r = try await GatewayLab.check("symmetric", command: ["bash", "-c", cmd]) else { return }
        #expect(r.cloud.provider == .aws, "\(r.cloud.evidence)")
        #expect(r.cloud.publicAddress == nil)
        #expect(r.cloud.natGatewaySuspected == true, "\(r.cloud.evidence)")
        #expect(r.cloud.evidence.contains { $0.contains("Internet Gateway") })
    }
}
