@testable import P2PExport
import P2PReport
import Testing

/// The shared-LAN note of `compare`: both local addresses private IPv4 in one /24.
@Suite struct CompareSameLANTests {
    static func side(_ local: String?) -> Compare.Side {
        var r = Report()
        r.nat.localEndpoint = local
        return Compare.Side(r, role: .client)
    }

    @Test(arguments: [
        ("192.168.1.2:4000", "192.168.1.3:5000", "192.168.1.0/24"), ("10.0.0.2:1", "10.0.0.200:2", "10.0.0.0/24"),
        ("172.16.5.1:1", "172.16.5.9:1", "172.16.5.0/24"), ("172.31.0.1:1", "172.31.0.2:1", "172.31.0.0/24"),
    ])
    func oneLAN(_ a: String, _ b: String, _ net: String) {
        #expect(Compare.Side.sameLAN(Self.side(a), Self.side(b)) == net)
        #expect(Compare.Side.sameLAN(Self.side(b), Self.side(a)) == net)
    }

    @Test(arguments: [
        ("192.168.1.2:4000", "192.168.2.3:5000"),  // another /24
        ("192.168.1.2:4000", "192.168.1.2:5000"),  // one host
        ("100.64.0.2:1", "100.64.0.3:1"),  // CGNAT: the carrier's network, not a LAN
        ("172.32.0.1:1", "172.32.0.2:1"), ("203.0.113.5:1", "203.0.113.6:1"),  // not private
        ("[fd00::1]:1", "[fd00::2]:1"),  // IPv6: no /24
        ("[::ffff:192.168.1.2]:1", "[::ffff:192.168.1.3]:1"),  // only plain IPv4, as the report writes it
        ("public-1:4000", "public-2:4000"), ("192.168.1.2:4000", "garbage"),
    ])
    func notOneLAN(_ a: String, _ b: String) {
        #expect(Compare.Side.sameLAN(Self.side(a), Self.side(b)) == nil)
    }

    @Test func noLocalAddressNoLAN() {
        #expect(Compare.Side.sameLAN(Self.side(nil), Self.side("192.168.1.3:5000")) == nil)
    }
}
