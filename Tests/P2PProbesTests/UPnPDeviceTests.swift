import P2PProbes
import P2PReport
import Testing

/// What a gateway's UPnP description says it is: the root device's names only, cleaned.
@Suite struct UPnPDeviceTests {
    @Test func miniupnpdDescriptionNamesTheRootDeviceNotTheEmbeddedOnes() throws {
        let xml = Fixtures.bytes("gateway/miniupnpd-rootDesc.xml")
        try #require(!xml.isEmpty)
        let info = UPnP.deviceInfo(descriptionXML: xml)
        #expect(info == UPnPDeviceInfo(manufacturer: "Debian", modelName: "Debian router", modelDescription: "Debian router"))
    }

    @Test func vendorNamesAreReadAndControlCharactersCleaned() {
        let xml = """
        <?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device>
        <manufacturer>  Netgate\u{202E}x </manufacturer><modelName>pfSense</modelName>
        <deviceList><device><manufacturer>Other</manufacturer><modelDescription>inner</modelDescription></device></deviceList>
        </device></root>
        """
        let info = UPnP.deviceInfo(descriptionXML: Array(xml.utf8))
        #expect(info?.manufacturer == "Netgate\\u202ex")
        #expect(info?.modelName == "pfSense")
        #expect(info?.modelDescription == "")
    }

    @Test func aDescriptionWithoutNamesOrNotXMLGivesNothing() {
        #expect(UPnP.deviceInfo(descriptionXML: Array("<root><device><deviceType>x</deviceType></device></root>".utf8)) == nil)
        #expect(UPnP.deviceInfo(descriptionXML: [0xff, 0xfe, 0x00, 0x3c]) == nil)
    }

    @Test func longNamesAreCut() {
        let long = String(repeating: "A", count: 5000)
        let xml = "<root><device><manufacturer>\(long)</manufacturer></device></root>"
        let info = UPnP.deviceInfo(descriptionXML: Array(xml.utf8))
        #expect((info?.manufacturer.count ?? 0) <= 120)
    }
}
