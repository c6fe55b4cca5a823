import Foundation
import P2PSocket
import STUNCodec
import Testing
@testable import P2PProbes


@Suite("Gateway protocol codecs")
struct GatewayCodecTests {
    // MARK: NAT-PMP (RFC 6886 section 3.2)

    @Test func natPMPRequestIsTwoZeroBytes() {
        #expect(NATPMP.externalAddressRequest() == [0, 0])
    }

    @Test func natPMPResponseDecodes() throws {
        let bytes: [UInt8] = [0, 128, 0, 0, 0, 0, 0x1c, 0x20, 198, 51, 100, 2]
        let r = try #require(NATPMP.decodeExternalAddressResponse(bytes))
        #expect(r.resultCode == 0)
        #expect(r.epoch == 7200)
        #expect(r.externalAddress == .v4(198, 51, 100, 2))
    }

    @Test func natPMPRejectsWrongOpcodeVersionAndTruncation() {
        #expect(NATPMP.decodeExternalAddressResponse([0, 129, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]) == nil)
        #expect(NATPMP.decodeExternalAddressResponse([2, 128, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]) == nil)
        #expect(NATPMP.decodeExternalAddressResponse([0, 128, 0, 0, 0, 0, 0, 0, 1, 2, 3]) == nil)
        #expect(NATPMP.decodeExternalAddressResponse([]) == nil)
    }

    @Test func natPMPErrorResultIsKept() throws {
        let r = try #require(NATPMP.decodeExternalAddressResponse([0, 128, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0]))
        #expect(r.resultCode == 3)
    }

    // MARK: PCP (RFC 6887 sections 7, 11, 14)

    @Test func pcpAnnounceLayout() {
        let b = PCP.announceRequest(client: .v4(192, 168, 1, 2))
        #expect(b.count == 24)
        #expect(b[0] == 2)           // version
        #expect(b[1] == 0)           // R=0, opcode ANNOUNCE
        #expect(Array(b[4..<8]) == [0, 0, 0, 0])  // lifetime 0
        #expect(Array(b[8..<24]) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 168, 1, 2])
    }

    @Test func pcpMapLayout() {
        let nonce: [UInt8] = Array(1...12)
        let b = PCP.mapRequest(client: .v4(10, 0, 0, 5), nonce: nonce, internalPort: 0xC350, lifetime: 30)
        #expect(b.count == 60)
        #expect(b[1] == 1)
        #expect(Array(b[4..<8]) == [0, 0, 0, 30])
        #expect(Array(b[24..<36]) == nonce)
        #expect(b[36] == 17)
        #expect(Array(b[40..<42]) == [0xC3, 0x50])
        #expect(Array(b[42..<44]) == [0, 0])
    }

    static func mapResponse(result: UInt8, nonce: [UInt8], port: UInt16, external: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [2, 0x81, 0, result, 0, 0, 0, 30, 0, 0, 0x10, 0]
        b += [UInt8](repeating: 0, count: 12)
        b += nonce + [17, 0, 0, 0] + [0xC3, 0x50] + [UInt8(port >> 8), UInt8(port & 0xff)]
        b += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + external
        return b
    }

    @Test func pcpMapResponseDecodes() throws {
        let nonce: [UInt8] = Array(1...12)
        let r = try #require(PCP.decodeResponse(Self.mapResponse(result: 0, nonce: nonce, port: 40000, external: [198, 51, 100, 2])))
        #expect(r.opcode == 1)
        #expect(r.resultCode == 0)
        #expect(r.lifetime == 30)
        #expect(r.epoch == 0x1000)
        #expect(r.nonce == nonce)
        #expect(r.assignedPort == 40000)
        #expect(r.assignedAddress == .v4(198, 51, 100, 2))
    }

    @Test func pcpAddressMismatchIsNamed() throws {
        var b: [UInt8] = [2, 0x80, 0, 12] + [UInt8](repeating: 0, count: 20)
        let r = try #require(PCP.decodeResponse(b))
        #expect(r.resultCode == PCP.addressMismatch)
        #expect(r.resultName == "ADDRESS_MISMATCH")
        b[1] = 0x00  // R bit clear: a request, not a response
        #expect(PCP.decodeResponse(b) == nil)
    }

    @Test func pcpRejectsNATPMPAndTruncation() {
        #expect(PCP.decodeResponse([0, 128, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)
        #expect(NATPMP.isUnsupportedVersionReply([0, 128, 0, 1, 0, 0, 0, 0]))
        #expect(PCP.decodeResponse([2, 0x81, 0, 0] + [UInt8](repeating: 0, count: 19)) == nil)
    }

    // MARK: SSDP, description, SOAP (UPnP)

    static let miniupnpdSearchResponse = Array("""
        HTTP/1.1 200 OK\r
        CACHE-CONTROL: max-age=120\r
        ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r
        USN: uuid:3c5b8f2e-6d1a-4b7e-9f00-0a11ab1e0001::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r
        EXT:\r
        SERVER: Debian/6.18.44-fc-v657 UPnP/1.1 MiniUPnPd/2.3.1\r
        LOCATION: http://192.168.1.1:5000/rootDesc.xml\r
        OPT: "http://schemas.upnp.org/upnp/1/0/"; ns=01\r
        01-NLS: 1796019252\r
        BOOTID.UPNP.ORG: 1796019252\r
        CONFIGID.UPNP.ORG: 1337\r
        \r

        """.utf8)

    @Test func mSearchHasTheRequiredHeaders() {
        let text = String(decoding: UPnP.mSearch(), as: UTF8.self)
        #expect(text.hasPrefix("M-SEARCH * HTTP/1.1\r\n"))
        #expect(text.contains("MAN: \"ssdp:discover\"\r\n"))
        #expect(text.contains("ST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func ssdpResponseFromMiniupnpd() throws {
        let r = try #require(UPnP.decodeSearchResponse(Self.miniupnpdSearchResponse))
        #expect(r.location == HTTP.URL(host: "192.168.1.1", port: 5000, path: "/rootDesc.xml"))
        #expect(r.searchTarget == "urn:schemas-upnp-org:device:InternetGatewayDevice:1")
        #expect(r.server?.contains("MiniUPnPd") == true)
    }

    @Test func ssdpRejectsNotifyAndMissingLocation() {
        #expect(UPnP.decodeSearchResponse(Array("NOTIFY * HTTP/1.1\r\nLOCATION: http://a/\r\n\r\n".utf8)) == nil)
        #expect(UPnP.decodeSearchResponse(Array("HTTP/1.1 200 OK\r\nST: x\r\n\r\n".utf8)) == nil)
        #expect(UPnP.decodeSearchResponse(Array("HTTP/1.1 200 OK\r\nLOCATION: ftp://a/\r\n\r\n".utf8)) == nil)
    }

    @Test func miniupnpdDescriptionGivesWANIPConnection() throws {
        let xml = Fixtures.bytes("gateway/miniupnpd-rootDesc.xml")
        try #require(!xml.isEmpty)
        let services = UPnP.wanServices(descriptionXML: xml, descriptionURL: HTTP.URL("http://192.168.1.1:5000/rootDesc.xml")!)
        #expect(services.count == 1)
        #expect(services.first?.serviceType == "urn:schemas-upnp-org:service:WANIPConnection:2")
        #expect(services.first?.controlURL == HTTP.URL(host: "192.168.1.1", port: 5000, path: "/ctl/IPConn"))
    }

    @Test func descriptionWithURLBaseAndRelativeControlURLAndPPP() {
        let xml = """
        <?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><URLBase>http://10.0.0.1:49152/</URLBase>
        <device><deviceList><device><serviceList><service>
        <serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType>
        <controlURL>upnp/control/WANPPPConn1</controlURL></service></serviceList></device></deviceList></device></root>
        """
        let s = UPnP.wanServices(descriptionXML: Array(xml.utf8), descriptionURL: HTTP.URL("http://10.0.0.1:1780/desc.xml")!)
        #expect(s == [UPnP.WANService(serviceType: "urn:schemas-upnp-org:service:WANPPPConnection:1",
                                      controlURL: HTTP.URL(host: "10.0.0.1", port: 49152, path: "/upnp/control/WANPPPConn1"))])
    }

    @Test func soapRequestAndMiniupnpdResponse() throws {
        let (headers, body) = UPnP.getExternalIPAddressRequest(serviceType: "urn:schemas-upnp-org:service:WANIPConnection:1")
        #expect(headers.contains { $0.0 == "SOAPAction" && $0.1 == "\"urn:schemas-upnp-org:service:WANIPConnection:1#GetExternalIPAddress\"" })
        #expect(String(decoding: body, as: UTF8.self).contains("<u:GetExternalIPAddress xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"))
        let reply = Fixtures.bytes("gateway/miniupnpd-GetExternalIPAddress.xml")
        #expect(UPnP.decodeExternalIPAddress(reply) == "198.51.100.2")
    }

    @Test func soapFaultGivesCodeNotAddress() {
        let fault = """
        <?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
        <faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>
        <UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>501</errorCode>
        <errorDescription>Action Failed</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>
        """
        #expect(UPnP.decodeExternalIPAddress(Array(fault.utf8)) == nil)
        #expect(UPnP.decodeFaultCode(Array(fault.utf8)) == 501)
    }

    // MARK: HTTP

    @Test func urlParsing() {
        #expect(HTTP.URL("http://169.254.169.254") == HTTP.URL(host: "169.254.169.254", port: 80, path: "/"))
        #expect(HTTP.URL("http://127.0.0.1:8080/a/b?x=1") == HTTP.URL(host: "127.0.0.1", port: 8080, path: "/a/b?x=1"))
        #expect(HTTP.URL("http://[fd00::1]:5000/d.xml") == HTTP.URL(host: "fd00::1", port: 5000, path: "/d.xml"))
        #expect(HTTP.URL("https://a/") == nil)
        #expect(HTTP.URL("http://a:99999/") == nil)
        #expect(HTTP.URL("http://") == nil)
        #expect(HTTP.URL("http://[::1/") == nil)
        let base = HTTP.URL("http://10.0.0.1:80/dev/desc.xml")!
        #expect(base.resolving("ctl") == HTTP.URL(host: "10.0.0.1", port: 80, path: "/dev/ctl"))
        #expect(base.resolving("/ctl") == HTTP.URL(host: "10.0.0.1", port: 80, path: "/ctl"))
        #expect(base.resolving("http://10.0.0.2:1/x") == HTTP.URL(host: "10.0.0.2", port: 1, path: "/x"))
    }

    @Test func requestEncoding() {
        let text = String(decoding: HTTP.encodeRequest(method: "PUT", url: HTTP.URL("http://169.254.169.254/latest/api/token")!,
                                                       headers: [("X-aws-ec2-metadata-token-ttl-seconds", "60")]), as: UTF8.self)
        #expect(text == "PUT /latest/api/token HTTP/1.1\r\nHost: 169.254.169.254\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test func responseDecodingForms() throws {
        let cl = Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: EC2ws\r\n\r\nhello".utf8)
        let r = try #require(try HTTP.decodeResponse(cl, complete: false))
        #expect(r.status == 200 && r.text == "hello" && r.header("Server") == "EC2ws")
        // Incomplete body: need more, or an error once the peer closed.
        #expect(try HTTP.decodeResponse(Array(cl.dropLast()), complete: false) == nil)
        #expect(throws: HTTP.Failure.self) { try HTTP.decodeResponse(Array(cl.dropLast()), complete: true) }
        let chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n".utf8)
        #expect(try HTTP.decodeResponse(chunked, complete: false)?.text == "hello world")
        let close = Array("HTTP/1.0 404 Not Found\r\n\r\nnope".utf8)
        #expect(try HTTP.decodeResponse(close, complete: false) == nil)
        #expect(try HTTP.decodeResponse(close, complete: true)?.status == 404)
        #expect(throws: HTTP.Failure.self) { try HTTP.decodeResponse(Array("garbage\r\n\r\n".utf8), complete: true) }
        #expect(throws: HTTP.Failure.self) { try HTTP.decodeResponse(Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8), complete: true) }
    }

    // MARK: Garbage never crashes a decoder

    @Test func decodersSurviveGarbageAndTruncation() {
        var rng = SplitMix64(seed: 42)
        let seeds: [[UInt8]] = [
            [0, 128, 0, 0, 0, 0, 0x1c, 0x20, 198, 51, 100, 2],
            Self.mapResponse(result: 0, nonce: Array(1...12), port: 1, external: [1, 2, 3, 4]),
            Self.miniupnpdSearchResponse,
            Fixtures.bytes("gateway/miniupnpd-rootDesc.xml"),
            Fixtures.bytes("gateway/miniupnpd-GetExternalIPAddress.xml"),
            Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n".utf8),
        ]
        let url = HTTP.URL("http://192.168.1.1/")!
        var inputs: [[UInt8]] = []
        for s in seeds {
            for cut in stride(from: 0, through: s.count, by: max(1, s.count / 40)) { inputs.append(Array(s.prefix(cut))) }
            for _ in 0..<150 {
                var m = s
                for _ in 0..<4 where !m.isEmpty { m[Int.random(in: 0..<m.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                inputs.append(m)
            }
        }
        for _ in 0..<200 { inputs.append((0..<Int.random(in: 0..<120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        for b in inputs {
            _ = NATPMP.decodeExternalAddressResponse(b)
            _ = PCP.decodeResponse(b)
            _ = UPnP.decodeSearchResponse(b)
            _ = UPnP.wanServices(descriptionXML: b, descriptionURL: url)
            _ = UPnP.decodeExternalIPAddress(b)
            _ = try? HTTP.decodeResponse(b, complete: true)
            _ = try? HTTP.decodeResponse(b, complete: false)
            _ = CloudMetadata.parseAzureInstance(b)
        }
        #expect(inputs.count > 400)
    }
}
