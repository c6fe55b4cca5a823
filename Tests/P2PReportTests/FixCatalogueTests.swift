import P2PReport
import Testing

/// The fix catalogue: every device has its exact fix for the endpoint-dependent mapping, every
/// entry names the https page it was read on, and a device the catalogue has nothing for gets the
/// generic advice (with its source too).
@Suite struct FixCatalogueTests {
    @Test func everyEntryHasASettingAndAnHTTPSSource() {
        for e in FixCatalogue.entries {
            #expect(!e.fix.setting.isEmpty, "\(e)")
            #expect(e.fix.source.hasPrefix("https://") && e.fix.source.count > "https://".count + 4, "\(e)")
            #expect(!e.fix.source.contains(" "), "\(e)")
            #expect(!e.codes.isEmpty, "\(e)")
            #expect(e.fix.version.map { !$0.isEmpty } ?? true, "\(e)")
            #expect(UntrustedText.isClean(e.fix.setting) && UntrustedText.isClean(e.fix.source), "\(e)")
        }
    }

    @Test(arguments: NATDevice.allCases) func everyDeviceHasItsOwnFixForTheEndpointDependentMapping(_ d: NATDevice) {
        let fixes = FixCatalogue.fixes(for: .mappingEndpointDependent, device: d)
        #expect(!fixes.isEmpty)
        #expect(fixes.allSatisfy { $0.device == d })
    }

    @Test(arguments: [NATDevice.awsNATGateway, .awsEKS, .gcpCloudNAT, .azureNATGateway])
    func everyCloudDeviceHasItsOwnFixForTheCloudNATGateway(_ d: NATDevice) {
        let fixes = FixCatalogue.fixes(for: .cloudNatGateway, device: d)
        #expect(!fixes.isEmpty && fixes.allSatisfy { $0.device == d })
    }

    @Test(arguments: [FindingCode.mappingEndpointDependent, .cloudNatGateway, .shortMappingLifetime])
    func anUnknownDeviceGetsTheGenericAdviceWithASource(_ code: FindingCode) {
        let fixes = FixCatalogue.fixes(for: code, device: nil)
        #expect(fixes.count == 1)
        #expect(fixes.allSatisfy { $0.device == nil && $0.source.hasPrefix("https://") })
    }

    @Test func aDeviceWithoutAnEntryForTheCodeGetsTheGenericAdvice() {
        #expect(FixCatalogue.fixes(for: .shortMappingLifetime, device: .pfsense)
                == FixCatalogue.fixes(for: .shortMappingLifetime, device: nil))
        #expect(FixCatalogue.fixes(for: .cloudNatGateway, device: .fortigate)
                == FixCatalogue.fixes(for: .cloudNatGateway, device: nil))
    }

    @Test func aCodeWithoutAnyFixGetsNone() {
        #expect(FixCatalogue.fixes(for: .udpBlocked, device: nil).isEmpty)
        #expect(FixCatalogue.fixes(for: .noHairpin, device: .linux).isEmpty)
    }

    @Test func theGCPFixTurnsDynamicPortAllocationOffWithEndpointIndependentMapping() {
        let s = FixCatalogue.fixes(for: .cloudNatGateway, device: .gcpCloudNAT).map(\.setting).joined()
        #expect(s.contains("--no-enable-dynamic-port-allocation") && s.contains("--enable-endpoint-independent-mapping"))
    }

    @Test func theAzureFixLeavesTheNATGatewaysSubnet() {
        let s = FixCatalogue.fixes(for: .cloudNatGateway, device: .azureNATGateway).map(\.setting).joined()
        #expect(s.contains("subnet without a NAT Gateway") && s.contains("takes precedence"))
    }

    @Test func aFixIsWrittenAsSettingVersionAndSource() {
        let fix = Fix(device: .paloalto, setting: "set it", version: "10.1.7", source: "https://example.com/a")
        #expect(FixText.lines(fix) == ["set it", "Version: 10.1.7", "Source: https://example.com/a"])
        #expect(FixText.lines(Fix(device: nil, setting: "s", source: "https://e.example")) == ["s", "Source: https://e.example"])
    }

    @Test func howTheDeviceIsKnownInAFewWords() {
        #expect(FixText.how(NATDeviceInfo(name: .fortigate, how: .chosen)) == "FortiGate (chosen)")
        #expect(FixText.how(NATDeviceInfo(name: .pfsense, how: .identified, evidence: ["gateway's UPnP description: x"]))
                == "pfSense (identified from the gateway's UPnP description)")
        #expect(FixText.how(NATDeviceInfo(name: .gcpCloudNAT, how: .identified, evidence: ["cloud probe: gcp VM"]))
                == "GCP Cloud NAT (identified from the cloud probe)")
        #expect(FixText.how(NATDeviceInfo()) == "not known")
    }

    /// The whole table as a person reads it, device by device and code by code.
    static func table() -> String {
        var out: [String] = []
        for device in NATDevice.allCases.map(Optional.some) + [nil] {
            out.append("== \(device.map { "\($0.rawValue) (\($0.displayName))" } ?? "not known (generic)")")
            for code in FindingCode.allCases {
                let fixes = FixCatalogue.fixes(for: code, device: device)
                guard !fixes.isEmpty else { continue }
                let own = fixes.allSatisfy { $0.device == device }
                out.append("  \(code.rawValue)\(own ? "" : " (generic)"):")
                for fix in fixes { out += FixText.lines(fix).map { "    " + $0 } }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    @Test func theCatalogueTable() {
        golden.expect(Self.table(), matches: "fix-catalogue.txt")
    }
}
