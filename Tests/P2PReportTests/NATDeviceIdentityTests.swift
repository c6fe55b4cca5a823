import Foundation
@testable import P2PReport
import Testing

/// Knowing the device: a UPnP description names a catalogue device only by the vendor's or the
/// product's own words; the cloud probe's suspected NAT gateway names the provider's; a choice wins.
@Suite struct NATDeviceIdentityTests {
    struct Row: CustomStringConvertible, Sendable {
        var manufacturer: String
        var model: String
        var description_ = ""
        var expected: NATDevice?
        var description: String { "\(manufacturer) / \(model) / \(description_)" }
    }

    static let rows: [Row] = [
        Row(manufacturer: "Netgate", model: "pfSense", expected: .pfsense),
        Row(manufacturer: "pfSense", model: "", expected: .pfsense),
        Row(manufacturer: "", model: "pfSense®-2.7.2", expected: .pfsense),
        Row(manufacturer: "OPNsense", model: "OPNsense", expected: .opnsense),
        Row(manufacturer: "Deciso B.V.", model: "DEC850", expected: .opnsense),
        Row(manufacturer: "Fortinet", model: "FortiGate-60F", expected: .fortigate),
        Row(manufacturer: "Palo Alto Networks", model: "PA-440", expected: .paloalto),
        Row(manufacturer: "Cisco Systems", model: "ASA 5506-X", expected: .ciscoASA),
        Row(manufacturer: "Cisco", model: "", description_: "Adaptive Security Appliance", expected: .ciscoASA),
        Row(manufacturer: "Juniper Networks", model: "SRX300", expected: .juniperSRX),
        Row(manufacturer: "SonicWall", model: "TZ370", expected: .sonicwall),
        Row(manufacturer: "OpenWrt", model: "OpenWrt router", expected: .linux),
        // A vendor with several product lines, or a generic daemon, names nothing.
        Row(manufacturer: "Cisco", model: "Linksys E1200", expected: nil),
        Row(manufacturer: "Juniper Networks", model: "MX204", expected: nil),
        Row(manufacturer: "Debian", model: "Debian router", expected: nil),
        Row(manufacturer: "MiniUPnP", model: "MiniUPnPd", expected: nil),
        Row(manufacturer: "Linux", model: "Linux router", expected: nil),
        Row(manufacturer: "AVM", model: "FRITZ!Box 7590", expected: nil),
        // Words inside other words do not count ("Pasadena" is not "asa"); two vendors is no answer.
        Row(manufacturer: "Cisco", model: "Pasadena", expected: nil),
        Row(manufacturer: "Netgate", model: "OPNsense", expected: nil),
        Row(manufacturer: "", model: "", expected: nil),
    ]

    @Test(arguments: rows) func upnpDescription(_ r: Row) {
        let info = UPnPDeviceInfo(manufacturer: r.manufacturer, modelName: r.model, modelDescription: r.description_)
        #expect(NATDeviceIdentity.fromUPnP(info) == r.expected)
    }

    static func report(upnp: UPnPDeviceInfo? = nil, cloud: CloudSection = CloudSection()) -> Report {
        var r = Report()
        r.gateway.device = upnp
        r.cloud = cloud
        return r
    }

    static let gcpNAT = CloudSection(status: .checked, provider: .gcp, natGatewaySuspected: true)

    @Test func identifiedFromTheGatewayCarriesItsWords() {
        let info = NATDeviceIdentity.resolve(Self.report(upnp: UPnPDeviceInfo(manufacturer: "Fortinet", modelName: "FortiGate-60F")),
                                             chosen: nil)
        #expect(info.name == .fortigate && info.how == .identified)
        #expect(info.evidence == ["gateway's UPnP description: manufacturer \"Fortinet\", model \"FortiGate-60F\""])
    }

    @Test func anUnknownGatewayIsUnknownWithItsRawWords() {
        let info = NATDeviceIdentity.resolve(Self.report(upnp: UPnPDeviceInfo(manufacturer: "Debian", modelName: "Debian router")),
                                             chosen: nil)
        #expect(info.name == nil && info.how == .unknown)
        #expect(info.evidence.first == "gateway's UPnP description: manufacturer \"Debian\", model \"Debian router\"")
        #expect(info.evidence.count == 2)
    }

    @Test(arguments: [(CloudProvider.aws, NATDevice.awsNATGateway), (.gcp, .gcpCloudNAT), (.azure, .azureNATGateway)])
    func aSuspectedCloudNATGatewayIsTheProvidersOwn(_ provider: CloudProvider, _ device: NATDevice) {
        let cloud = CloudSection(status: .checked, provider: provider, natGatewaySuspected: true)
        let info = NATDeviceIdentity.resolve(Self.report(cloud: cloud), chosen: nil)
        #expect(info.name == device && info.how == .identified)
        #expect(info.evidence.count == 1 && info.evidence[0].hasPrefix("cloud probe: \(provider.rawValue) VM"))
    }

    @Test func aCloudVMWithoutASuspectedGatewayOrUndecidedNamesNothing() {
        for suspected in [false, nil] as [Bool?] {
            let cloud = CloudSection(status: .checked, provider: .aws, natGatewaySuspected: suspected)
            #expect(NATDeviceIdentity.resolve(Self.report(cloud: cloud), chosen: nil) == NATDeviceInfo())
        }
        let notChecked = CloudSection(status: .notChecked, provider: .aws, natGatewaySuspected: true)
        #expect(NATDeviceIdentity.resolve(Self.report(cloud: notChecked), chosen: nil).name == nil)
    }

    @Test func aChoiceOverridesWhatWasIdentified() {
        let r = Self.report(upnp: UPnPDeviceInfo(manufacturer: "Fortinet"), cloud: Self.gcpNAT)
        #expect(NATDeviceIdentity.resolve(r, chosen: .sonicwall) == NATDeviceInfo(name: .sonicwall, how: .chosen))
    }

    @Test func twoSignalsNamingDifferentDevicesGiveUnknown() {
        let r = Self.report(upnp: UPnPDeviceInfo(manufacturer: "Fortinet"), cloud: Self.gcpNAT)
        let info = NATDeviceIdentity.resolve(r, chosen: nil)
        #expect(info.name == nil && info.how == .unknown && info.evidence.count == 3)
    }

    @Test func theJSONNamesTheDeviceAndHowAndAnOlderReportStillDecodes() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        let chosen = String(decoding: try enc.encode(NATDeviceInfo(name: .ciscoASA, how: .chosen)), as: UTF8.self)
        #expect(chosen == #"{"evidence":[],"how":"chosen","name":"cisco-asa"}"#)
        let unknown = String(decoding: try enc.encode(NATDeviceInfo()), as: UTF8.self)
        #expect(unknown == #"{"evidence":[],"how":"unknown","name":null}"#)
        // A report written before natDevice and gateway.device existed has neither key.
        var old = Report()
        old.natDevice = nil
        let json = String(decoding: try enc.encode(old), as: UTF8.self)
        #expect(!json.contains("natDevice") && !json.contains("\"device\""))
        let back = try JSONDecoder().decode(Report.self, from: Data(json.utf8))
        #expect(back.natDevice == nil && back.gateway.device == nil)
        var new = Report()
        new.natDevice = NATDeviceInfo(name: .linux, how: .identified, evidence: ["gateway's UPnP description: manufacturer \"OpenWrt\""])
        new.gateway.device = UPnPDeviceInfo(manufacturer: "OpenWrt")
        #expect(try JSONDecoder().decode(Report.self, from: enc.encode(new)) == new)
    }

    @Test func wordsAreRunsOfLettersOrOfDigits() {
        #expect(NATDeviceIdentity.tokens("pfSense®-2.7 SRX300 FortiGate-60F") == ["pfsense", "2", "7", "srx", "300", "fortigate", "60", "f"])
        #expect(NATDeviceIdentity.tokens("") == [])
    }

    @Test func nothingSaidIsUnknownWithoutEvidence() {
        #expect(NATDeviceIdentity.resolve(Report(), chosen: nil) == NATDeviceInfo())
        #expect(NATDeviceIdentity.resolve(Self.report(upnp: UPnPDeviceInfo()), chosen: nil) == NATDeviceInfo())
    }
}
