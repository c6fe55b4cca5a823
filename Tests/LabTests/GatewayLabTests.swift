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
        guard let r = try await GatewayLab.check("double") else { return }
        #expect(r.doubleNat.detected == true, "\(r.doubleNat.evidence)")
        #expect(r.doubleNat.hops.contains { $0.description.hasPrefix("2 100.64.") }, "\(r.doubleNat.hops)")
        #expect(r.gateway.address == "192.168.1.1")
    }

    @Test func singleNATIsNotDoubleNAT() async throws {
        guard let r = try await GatewayLab.check("eim", extra: ["--hairpin"]) else { return }
        #expect(r.doubleNat.detected != true, "\(r.doubleNat.evidence)")
        #expect(!r.doubleNat.evidence.isEmpty)
        #expect(r.doubleNat.hops.first?.description == "1 192.168.1.1")
        // No hairpin rules on the eim router.
        #expect(r.hairpin.supported == false, "\(r.hairpin.evidence)")
        #expect(r.cloud.provider == CloudProvider.none)
    }

    @Test func hairpinScenarioLoopsBackWithThePublicSource() async throws {
        guard let r = try await GatewayLab.check("hairpin", extra: ["--hairpin"]) else { return }
        #expect(r.hairpin.supported == true, "\(r.hairpin.evidence)")
        #expect(r.hairpin.observedSource?.hasPrefix("198.51.100.2:") == true)
    }

    @Test func noHairpinFlagSkipsIt() async throws {
        guard let r = try await GatewayLab.check("hairpin", extra: ["--no-hairpin"]) else { return }
        #expect(r.hairpin.status == .notChecked && r.hairpin.supported == nil)
    }

    @Test func checkRunsHairpinOnlyWhenAskedTo() async throws {
        guard let r = try await GatewayLab.check("hairpin") else { return }
        #expect(r.hairpin.status == .notChecked && r.hairpin.supported == nil, "\(r.hairpin.evidence)")
    }

    @Test func miniupnpdReportsTheRouterWANAddress() async throws {
        guard let r = try await GatewayLab.check("upnp") else { return }
        #expect(Set(r.gateway.protocols) == [.upnp, .natPMP, .pcp], "\(r.gateway.evidence)")
        #expect(r.gateway.externalAddress == "198.51.100.2")
        #expect(r.doubleNat.detected == false, "\(r.doubleNat.evidence)")
        // miniupnpd's own description ("Debian router") names no catalogue device: unknown, with its words.
        #expect(r.natDevice?.how == .unknown && r.natDevice?.name == nil, "\(String(describing: r.natDevice))")
        #expect(r.natDevice?.evidence.first?.contains("gateway's UPnP description") == true)
    }

    /// A gateway whose UPnP description names Fortinet FortiGate-60F: the report names the device,
    /// identified, with the description's words as evidence; a choice overrides it.
    @Test(.needsTools("miniupnpd")) func theGatewaysUPnPDescriptionIdentifiesTheDevice() async throws {
        guard let r = try await GatewayLab.check("upnp-vendor") else { return }
        #expect(r.gateway.device == UPnPDeviceInfo(manufacturer: "Fortinet", modelName: "FortiGate-60F",
                                                   modelDescription: "FortiGate next-generation firewall"))
        #expect(r.natDevice?.name == .fortigate && r.natDevice?.how == .identified, "\(String(describing: r.natDevice))")
        #expect(r.natDevice?.evidence == ["gateway's UPnP description: manufacturer \"Fortinet\", model \"FortiGate-60F\", "
                                          + "description \"FortiGate next-generation firewall\""])
        guard let chosen = try await GatewayLab.check("upnp-vendor", extra: ["--nat-device", "paloalto"]) else { return }
        #expect(chosen.natDevice == NATDeviceInfo(name: .paloalto, how: .chosen))
    }

    /// Behind a symmetric NAT, `--nat-device NAME` names the device, chosen, for each catalogue
    /// device; the catalogue has that device's own fix for the endpoint-dependent mapping.
    /// The JSON's finding carries that fix with its source, and `check`'s text and the saved
    /// summary say its setting and source.
    @Test(arguments: NATDevice.allCases) func natDeviceFlagNamesTheChosenDevice(_ device: NATDevice) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-fix-\(device.rawValue)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let args = ["--dmi-root", GatewayLab.notCloud] + GatewayLab.stun + ["--nat-device", device.rawValue]
        let quoted = { (a: [String]) in a.map { "'\($0)'" }.joined(separator: " ") }
        let script = quoted([Lab.p2ptui, "check", "--json", "-o", dir.appendingPathComponent("summary.txt").path] + args)
            + "; " + quoted([Lab.p2ptui, "check"] + args) + " > '\(dir.appendingPathComponent("check.txt").path)'"
        guard let r = try await GatewayLab.check("symmetric", command: ["bash", "-c", script]) else { return }
        #expect(r.nat.mappingVariesByDestination == true, "\(r.nat.evidence)")
        #expect(r.natDevice == NATDeviceInfo(name: device, how: .chosen))
        let own = FixCatalogue.fixes(for: .mappingEndpointDependent, device: device)
        #expect(!own.isEmpty && own.allSatisfy { $0.device == device })
        let finding = r.findings.first { $0.code == .mappingEndpointDependent }
        #expect(finding?.fixes == own, "\(String(describing: finding))")
        // The words a person reads: the setting's first words and the source, wherever the lines wrap.
        let flat = { (s: String) in s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let setting = own[0].setting.split(separator: " ").prefix(6).joined(separator: " ")
        for name in ["summary.txt", "check.txt"] {
            let text = flat((try? String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)) ?? "")
            #expect(text.contains(setting) && text.contains(own[0].source), "\(name) lacks \(device.rawValue)'s fix: \(text.suffix(600))")
        }
    }

    /// Symmetric NAT (fully random ports) plus a fake metadata service of `provider` that reports no
    /// public IPv4: what an instance behind the provider's NAT gateway sees.
    static func cloudBehindSymmetricNAT(_ provider: String, port: Int) async throws -> Report? {
        let fake = Lab.repoRoot.appendingPathComponent("Tests/Fixtures/cloud/fake_metadata.py").path
        let dmi = Lab.repoRoot.appendingPathComponent("Tests/Fixtures/dmi/\(provider)").path
        let cmd = "python3 \(fake) \(provider) \(port) & for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/\(port)) 2>/dev/null && break; sleep 0.05; done; "
            + "\(Lab.p2ptui) check --json --metadata-endpoint http://127.0.0.1:\(port) --dmi-root \(dmi) "
            + GatewayLab.stun.joined(separator: " ") + "; s=$?; kill %1; exit $s"
        return try await GatewayLab.check("symmetric", command: ["bash", "-c", cmd])
    }

    @Test func awsInstanceBehindEndpointDependentNATIsFlagged() async throws {
        guard let r = try await Self.cloudBehindSymmetricNAT("aws", port: 18169) else { return }
        #expect(r.cloud.provider == .aws, "\(r.cloud.evidence)")
        #expect(r.cloud.publicAddress == nil)
        #expect(r.cloud.natGatewaySuspected == true, "\(r.cloud.evidence)")
        #expect(r.verdict.codes.contains(.cloudNatGateway), "\(r.verdict.codes)")
        #expect(FindingRules.findings(for: .cloudNat, in: r).first?.parameters["provider"] == "aws")
        #expect(r.natDevice?.name == .awsNATGateway && r.natDevice?.how == .identified, "\(String(describing: r.natDevice))")
    }

    /// GCP and Azure: the provider's managed NAT gateway is the identified device, whose fix the
    /// catalogue has without --nat-device.
    @Test(arguments: [("gcp", NATDevice.gcpCloudNAT, 18170), ("azure", .azureNATGateway, 18171)])
    func cloudNATGatewayIsTheIdentifiedDevice(_ provider: String, _ device: NATDevice, _ port: Int) async throws {
        guard let r = try await Self.cloudBehindSymmetricNAT(provider, port: port) else { return }
        #expect(r.cloud.provider.rawValue == provider && r.cloud.natGatewaySuspected == true, "\(r.cloud.evidence)")
        #expect(r.natDevice?.name == device && r.natDevice?.how == .identified, "\(String(describing: r.natDevice))")
        #expect(FixCatalogue.fixes(for: .cloudNatGateway, device: r.natDevice?.name).allSatisfy { $0.device == device })
    }
}
}
