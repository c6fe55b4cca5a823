import Foundation
import P2PReport
import P2PSocket
import P2PTestSupport
import STUNCodec
import Testing
@testable import P2PProbes

/// Outside text is cleaned where it enters the report: each probe against a hostile
/// loopback peer gives a section in which no string holds a raw control character, and the hostile
/// text shows as visible escapes.
@Suite struct HostileInputTests {
    static func expectClean<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for s in try allStrings(value) {
            #expect(UntrustedText.isClean(s), "raw control in \(s.debugDescription)", sourceLocation: sourceLocation)
        }
    }

    @Test func stunSoftwareAndErrorReasonAreCleaned() async throws {
        let server = try HostileSTUNServer()
        defer { server.stop() }
        // On a clock fifty times slow a starved runner cannot miss the answers; the
        // hang guard catches a probe that waited out a window instead.
        let slow = SlowClock()
        let s = try await hangGuard { await NATProbe(servers: [server.name], deadline: .after(seconds: 3, clock: slow), clock: slow).run() }
        try Self.expectClean(s)
        let details = s.servers.compactMap(\.detail).joined(separator: " ")
        #expect(details.contains(Hostile.visible), "\(s.servers)")
        #expect(s.servers.allSatisfy { ($0.detail?.unicodeScalars.count ?? 0) <= 200 })

        // A server that answers with ERROR-CODE: the reason phrase is cleaned too.
        let failing = try HostileSTUNServer(errorsOnly: true)
        defer { failing.stop() }
        let e = try await hangGuard { await NATProbe(servers: [failing.name], deadline: .after(seconds: 3, clock: slow), clock: slow).run() }
        try Self.expectClean(e)
        #expect(e.servers.compactMap(\.detail).joined().contains("400 " + Hostile.visible), "\(e.servers)")
    }

    @Test func metadataHeadersBodiesAndDMIStringsAreCleaned() async throws {
        let server = try HostileMetadataServer()
        let stun = try LoopbackSTUN()
        let dmi = try hostileDMIRoot()
        defer { server.stop(); stun.stop(); try? FileManager.default.removeItem(atPath: dmi) }
        let slow = SlowClock()  // an hour ahead: the HTTP waits end on the answers
        let probe = CloudProbe(servers: [stun.name], deadline: .after(seconds: 3, clock: slow), clock: slow,
                               metadataEndpoint: server.endpoint, dmiRoot: dmi)
        let s = try await hangGuard { await probe.run() }
        #expect(s.provider == .aws, "\(s.evidence)")
        try Self.expectClean(s)
        let all = s.evidence.joined(separator: "\n")
        #expect(all.contains("Server: EC2ws " + Hostile.visible), "\(s.evidence)")
        #expect(all.contains("subnet-id subnet-evil\\x1b"), "\(s.evidence)")
        #expect(all.contains("instance i-0abcevil\\x1b"), "\(s.evidence)")
    }

    @Test func dmiStringsAreBounded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-dmi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(String(repeating: "\u{1B}[2J", count: 10_000).utf8).write(to: dir.appendingPathComponent("sys_vendor"))
        let d = DMIInfo.read(root: dir.path)
        #expect(d.sysVendor.unicodeScalars.count <= 128 && d.sysVendor.hasPrefix("\\x1b[2J") && d.sysVendor.hasSuffix("..."))
    }

    @Test func upnpHeadersAndURLsWithControlsAreCleanedOrRefused() {
        let ok = UPnP.decodeSearchResponse(Array(("HTTP/1.1 200 OK\r\nSERVER: miniupnpd \(Hostile.text)\r\n"
            + "ST: x\u{1B}[2J\r\nLOCATION: http://127.0.0.1:5000/rootDesc.xml\r\n\r\n").utf8))
        #expect(ok?.server == "miniupnpd " + UntrustedText.clean(Hostile.text))
        #expect(ok?.searchTarget == "x\\x1b[2J")
        // A LOCATION holding an escape or a bidi override is no URL: not fetched, not quoted.
        for bad in ["http://127.0.0.1:5000/\u{1B}]0;x\u{07}", "http://127.0.0.1\u{202E}:5000/", "http://a/b c"] {
            #expect(HTTP.URL(bad) == nil, "\(bad.debugDescription)")
            #expect(UPnP.decodeSearchResponse(Array("HTTP/1.1 200 OK\r\nLOCATION: \(bad)\r\n\r\n".utf8)) == nil)
        }
        let base = HTTP.URL("http://127.0.0.1:5000/rootDesc.xml")!
        #expect(base.resolving("/ctl/IPConn\u{202E}") == nil)
        #expect(base.resolving("ctl\u{1B}[2J") == nil)
        #expect(base.resolving("/ctl/IPConn")?.path == "/ctl/IPConn")
    }

    /// A gateway whose SSDP answer, description and SOAP reply (an answer, or a fault) all carry
    /// hostile text.
    @Test(arguments: [false, true]) func hostileGatewayGivesACleanGatewaySection(fault: Bool) async throws {
        let xml = String(decoding: Fixtures.bytes("gateway/miniupnpd-rootDesc.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<friendlyName>natlab router</friendlyName>",
                                  with: "<friendlyName>\u{202E}retuor</friendlyName>")
        let soap = String(decoding: Fixtures.bytes("gateway/miniupnpd-GetExternalIPAddress.xml"), as: UTF8.self)
            .replacingOccurrences(of: "198.51.100.2", with: "198.51.100.2\u{202E}\u{2066}")
        let http = try FakeHTTPServer { req in
            let server = [("Server", "miniupnpd \(Hostile.text)")]
            if req.path == "/rootDesc.xml" { return (200, server, xml) }
            if req.path == "/ctl/IPConn" {
                if fault {
                    return (500, server, "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                        + "<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError\u{202E}</faultstring>"
                        + "<detail><UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>501</errorCode>"
                        + "<errorDescription>Action \u{202E}deliaF\u{2066}</errorDescription></UPnPError></detail>"
                        + "</s:Fault></s:Body></s:Envelope>")
                }
                return (200, server, soap)
            }
            return (404, server, "")
        }
        let port = http.port
        let ssdp = try FakeUDPResponder { b, _ in
            guard String(decoding: b, as: UTF8.self).hasPrefix("M-SEARCH") else { return nil }
            return Array(("HTTP/1.1 200 OK\r\nSERVER: \(Hostile.text)\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
                + "LOCATION: http://127.0.0.1:\(port)/rootDesc.xml\r\n\r\n").utf8)
        }
        defer { http.stop(); ssdp.stop() }
        let slow = SlowClock()  // the answers end the query, however starved the runner
        let q = GatewayQuery(gateway: .v4(127, 0, 0, 1), portControlPort: 9, ssdpPort: ssdp.port, multicastSSDP: false, clock: slow)
        let r = try await hangGuard { await q.run(deadline: .after(seconds: 3, clock: slow)) }
        let upnp = r.reports.first { $0.via == .upnp }
        #expect(upnp != nil, "\(r.reports) \(r.notes)")
        #expect(upnp?.externalAddress == nil)
        if fault { #expect(upnp?.detail.contains("SOAP fault 501") == true, "\(String(describing: upnp))") }
        for s in r.reports.map(\.detail) + r.notes { #expect(UntrustedText.isClean(s), "\(s.debugDescription)") }
        var o = DoubleNATObservations()
        o.gatewayReports = r.reports
        try Self.expectClean(DoubleNATClassifier.classify(o).gateway)
    }

    @Test func firewallRulesAreQuotedClean() {
        let ruleset = """
        table inet filter {
        \tchain output {
        \t\ttype filter hook output priority filter; policy accept;
        \t\tudp dport 3478 drop comment "\u{1B}]0;pwned\u{07}\u{1B}[2J"
        \t}
        }
        """
        let rules = FirewallRules.outboundUDPDropsNFT(ruleset).map(FirewallRules.quote)
        #expect(rules.count == 1, "\(rules)")
        #expect(rules.allSatisfy(UntrustedText.isClean))
        #expect(rules.first?.contains("\\x1b]0;pwned\\x07") == true, "\(rules)")
    }
}
