// Double NAT, hairpin, gateway protocols and cloud NAT gateway in the NAT lab: the real binary
// runs `check --json` in a scenario's client namespace (scripts/natlab run) and the JSON is asserted.
// Without root or the lab's tools the tests print why and return (CI=true makes that a failure).
import Foundation
import P2PReport
import Testing

/// Scenario runs for these tests, on the shared lab harness (`Lab`).
enum GatewayLab {
    static let stun = ["--stun", Lab.p2ptuiServer, "--stun", Lab.coturnServer]
    /// DMI fixture that is not a cloud, so the host's own DMI never matters.
    static let notCloud = Lab.repoRoot.appendingPathComponent("Tests/Fixtures/dmi/laptop").path

    static func available() -> Bool { Lab.available() }

    /// `natlab run SCENARIO CMD...`; the decoded report, or nil after recording why.
    static func check(_ scenario: String, command: [String]? = nil, extra: [String] = []) async throws -> Report? {
        let cmd = command ?? ([Lab.p2ptui, "check", "--json", "--dmi-root", notCloud] + stun + extra)
        let out = try await Lab.inScenarioAsync(scenario, cmd)
        guard let report = try? JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8)) else {
            Issue.record("\(scenario): no report (exit \(out.status)): \(out.stderr.suffix(800))")
            return nil
        }
        return report
    }
}

extension NATLab {
@Suite("Gateway, double NAT, hairpin, cloud")
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
        #expect(Set(r.gateway.protocols) == [.upnp, .natPMP, .pcp], "\(r.gateway.evidence)")
        #expect(r.gateway.externalAddress == "198.51.100.2")
        #expect(r.doubleNat.detected == false, "\(r.doubleNat.evidence)")
    }

    /// Symmetric NAT (fully random ports) plus a fake AWS metadata service that reports no public
    /// IPv4: what an instance behind an AWS NAT Gateway sees.
    @Test func awsInstanceBehindEndpointDependentNATIsFlagged() async throws {
        guard GatewayLab.available() else { return }
        let fake = Lab.repoRoot.appendingPathComponent("Tests/Fixtures/cloud/fake_metadata.py").path
        let aws = Lab.repoRoot.appendingPathComponent("Tests/Fixtures/dmi/aws").path
        let cmd = "python3 \(fake) aws 18169 & for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/18169) 2>/dev/null && break; sleep 0.05; done; "
            + "\(Lab.p2ptui) check --json --metadata-endpoint http://127.0.0.1:18169 --dmi-root \(aws) "
            + GatewayLab.stun.joined(separator: " ") + "; s=$?; kill %1; exit $s"
        guard let r = try await GatewayLab.check("symmetric", command: ["bash", "-c", cmd]) else { return }
        #expect(r.cloud.provider == .aws, "\(r.cloud.evidence)")
        #expect(r.cloud.publicAddress == nil)
        #expect(r.cloud.natGatewaySuspected == true, "\(r.cloud.evidence)")
        #expect(r.verdict.codes.contains(.cloudNatGateway), "\(r.verdict.codes)")
        #expect(FindingRules.findings(for: .cloudNat, in: r).first?.parameters["provider"] == "aws")
    }
}
}
