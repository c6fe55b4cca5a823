import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

@Suite struct RedactorTests {
    @Test func sameAddressSamePlaceholderEverywhere() {
        let r = Redactor.redact(ReportFixtures.homeAllPass)
        #expect(r.nat.publicEndpoint == "public-1:40000")
        #expect(r.gateway.externalAddress == "public-1")
        #expect(r.hairpin.observedSource == "public-1:40001")
        #expect(r.nat.servers[0].mappedEndpoint == "public-1:40000")
        // The STUN server's address keeps one placeholder in the run header, servers and evidence.
        let server = r.nat.servers[0].address!
        #expect(server.hasPrefix("public-") && server.hasSuffix(":3478") && server != "public-1:3478")
        #expect(r.run.stunServers[1] == server)
        #expect(r.nat.evidence[0] == "test I: \(server) saw public-1:40000")
        // IPv6: bare and bracketed forms of one address share a placeholder.
        let v6 = r.ipv6.globalAddress!
        #expect(v6.hasPrefix("public-"))
        #expect(r.ipv6.publicEndpoint == "[\(v6)]:40000")
    }

    @Test func theMappingTestsEndpointsAreRedactedLikeTheRest() {
        var report = ReportFixtures.homeAllPass
        let ip = report.nat.publicEndpoint!.split(separator: ":")[0]
        report.nat.mappedByTest = ["I": "\(ip):40000", "II": "\(ip):40002"]
        let r = Redactor.redact(report)
        #expect(r.nat.mappedByTest == ["I": "public-1:40000", "II": "public-1:40002"])
    }

    @Test func privateAddressesAndHostNamesStay() {
        let r = Redactor.redact(ReportFixtures.cloudAllFail)
        #expect(r.nat.localEndpoint == "10.0.12.5:50000")
        #expect(r.doubleNat.hops.prefix(3).map(\.description) == ["1 10.0.12.1", "2 100.72.0.1", "3 *"])
        #expect(r.doubleNat.hops[3].description.hasPrefix("4 public-"))
        guard case .redacted? = r.doubleNat.hops[3].address else { Issue.record("\(r.doubleNat.hops[3])"); return }
        #expect(r.gateway.externalAddress == "100.72.1.9")
        #expect(r.gateway.address == "10.0.12.1")
        #expect(r.run.hostname == "connector-eu-1")
        #expect(r.run.stunServers[0] == "stun.example.net:3478")
        #expect(r.doubleNat.evidence[1] == "gateway reports 100.72.1.9, STUN saw public-1")
    }

    @Test func differentAddressesGetDifferentPlaceholders() {
        var red = Redactor()
        let out = red.redact(text: "203.0.113.5:1 203.0.113.6:2 203.0.113.5:3")
        #expect(out == "public-1:1 public-2:2 public-1:3")
    }

    /// A hop's public address takes the placeholder the same address gets in text.
    @Test func aHopIsRedactedLikeText() throws {
        var red = Redactor()
        #expect(red.redact(text: "STUN saw 203.0.113.254") == "STUN saw public-1")
        let hop = try #require(PathHop("4 203.0.113.254 (destination)"))
        #expect(red.redact(hop: hop).description == "4 public-1 (destination)")
        #expect(red.redact(hop: try #require(PathHop("5 2001:db8::9"))).description == "5 public-2")
        for kept in ["1 10.0.12.1", "2 100.72.0.1", "3 *", "6 public-1"] {
            let h = try #require(PathHop(kept))
            #expect(red.redact(hop: h) == h)
        }
    }

    @Test func ipv6SpellingsAreOneAddress() {
        var red = Redactor()
        let out = red.redact(text: "2001:db8::1 vs [2001:0db8:0:0:0:0:0:1]:443 vs 2001:db8::2.")
        #expect(out == "public-1 vs [public-1]:443 vs public-2.")
    }

    @Test func textThatIsNotAnAddressIsLeftAlone() {
        var red = Redactor()
        for s in ["2026-11-30T06:00:00Z", "Linux 6.1.0-18-amd64", "stun1.example.net:3478",
                  "aa:bb:cc:dd:ee:ff", "rtt 12.5 ms", "version 1.2.3.4.5", "x203.0.113.5",
                  "10.0.0.1:3478", "fe80::1%eth0", "::1", "fd00::5", "100.64.0.1", "169.254.169.254",
                  "239.255.255.250:1900", "::ffff:192.168.0.1"] {
            #expect(red.redact(text: s) == s, "\(s)")
        }
        #expect(red.redact(text: "::ffff:203.0.113.9") == "public-1")
        #expect(red.redact(text: "seen from 198.51.100.1.") == "seen from public-2.")
    }

    /// After redaction no public address literal is left, found by a scan independent of the redactor.
    @Test(arguments: ReportFixtures.all.map(\.name))
    func nothingPublicLeft(name: String) throws {
        let report = ReportFixtures.all.first { $0.name == name }!.report
        let redacted = Redactor.redact(report)
        let json = String(decoding: try ReportJSON.encode(redacted), as: UTF8.self)
        let summary = SummaryText.render(report, options: SummaryOptions(redact: true))
        for text in [json, summary] {
            let leaks = LeakScanner.publicLiterals(in: text)
            #expect(leaks.isEmpty, "public addresses left: \(leaks)")
        }
        // And the scan does find them before redaction, so it can fail.
        if report.nat.publicEndpoint != nil {
            let before = String(decoding: try ReportJSON.encode(report), as: UTF8.self)
            #expect(!LeakScanner.publicLiterals(in: before).isEmpty)
        }
        // Redaction is stable: same input, same output; redacting twice changes nothing more.
        #expect(Redactor.redact(report) == redacted)
        #expect(Redactor.redact(redacted) == redacted)
    }
}

/// A deliberately simple scan: regular expressions for IPv4 and IPv6 literals, and prefix rules for
/// what counts as private, written apart from the redactor's own parser.
enum LeakScanner {
    static func publicLiterals(in text: String) -> [String] {
        var out: [String] = []
        let ns = text as NSString
        let v4 = try! NSRegularExpression(pattern: #"(?<![0-9.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![0-9])"#)
        for m in v4.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let o = (1...4).map { Int(ns.substring(with: m.range(at: $0)))! }
            let priv = o[0] == 10 || o[0] == 127 || o[0] == 0 || o[0] >= 224
                || (o[0] == 172 && (16...31).contains(o[1])) || (o[0] == 192 && o[1] == 168)
                || (o[0] == 100 && (64...127).contains(o[1])) || (o[0] == 169 && o[1] == 254)
            if !priv && o.allSatisfy({ $0 <= 255 }) { out.append(ns.substring(with: m.range)) }
        }
        let v6 = try! NSRegularExpression(pattern: #"(?<![0-9A-Za-z:])[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,7}"#)
        for m in v6.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let s = ns.substring(with: m.range).lowercased()
            let isAddress = s.contains("::") || s.filter({ $0 == ":" }).count == 7
            guard isAddress, s != "::", s != "::1" else { continue }
            if s.hasPrefix("fe8") || s.hasPrefix("fe9") || s.hasPrefix("fea") || s.hasPrefix("feb")
                || s.hasPrefix("fc") || s.hasPrefix("fd") || s.hasPrefix("ff") || s.hasPrefix("::ffff:") { continue }
            out.append(s)
        }
        return out
    }
}
