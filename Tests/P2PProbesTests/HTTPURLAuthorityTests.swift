import P2PProbes
import Testing

/// The authority of the gateway's and the metadata service's URLs, split by `HostPort.split`:
/// a name or IPv4 literal with an optional port, or an IPv6 literal in brackets (RFC 3986 section 3.2.2).
@Suite struct HTTPURLAuthorityTests {
    @Test(arguments: [
        ("http://gw.lan/d.xml", "gw.lan", 80), ("http://gw.lan:49152/d.xml", "gw.lan", 49152),
        ("http://192.168.1.1:5000", "192.168.1.1", 5000), ("http://[fe80::1]/", "fe80::1", 80),
        ("http://[2001:db8::1]:8080/x", "2001:db8::1", 8080), ("http://h:0/", "h", 0), ("http://h:00080/", "h", 80),
    ] as [(String, String, Int)])
    func good(_ text: String, _ host: String, _ port: Int) throws {
        let url = try #require(HTTP.URL(text))
        #expect(url.host == host && url.port == UInt16(port))
    }

    @Test(arguments: [
        "http://fe80::1/",  // an IPv6 literal needs brackets
        "http://2001:db8::1:80/", "http://h:+80/", "http://h:-1/", "http://h:/", "http://h:80x/", "http://h:65536/",
        "http://[fe80::1]x/", "http://[fe80::1", "http://:80/", "http://user@h/", "http://[]/",
    ])
    func bad(_ text: String) {
        #expect(HTTP.URL(text) == nil, "\(text)")
    }
}
