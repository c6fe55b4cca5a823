import P2PAddress
import Testing

/// The syntactic split shared by `HostPort.parse`, `TransportAddress(_:)`, the gateway's URL
/// parser and the report readers (which also meet redacted "public-1:4000" endpoints).
@Suite struct HostPortSplitTests {
    @Test(arguments: [
        // (text, host, port or nil, bracketed, junk after the bracket)
        ("h", "h", nil, false, false), ("h:1", "h", "1", false, false), ("h:", "h", "", false, false),
        (":5", "", "5", false, false), ("", "", nil, false, false), ("1.2.3.4:80", "1.2.3.4", "80", false, false),
        ("::1", "::1", nil, false, false), ("2001:db8::1:3478", "2001:db8::1:3478", nil, false, false),
        ("[::1]", "::1", nil, true, false), ("[::1]:5", "::1", "5", true, false), ("[::1]:", "::1", "", true, false),
        ("[::1]x", "::1", nil, true, true), ("[public-2]:3478", "public-2", "3478", true, false),
        ("[]:5", "", "5", true, false), ("public-1:4000", "public-1", "4000", false, false),
        ("[a]:b:c", "a", "b:c", true, false),
    ] as [(String, String, String?, Bool, Bool)])
    func split(_ text: String, _ host: String, _ port: String?, _ bracketed: Bool, _ junk: Bool) throws {
        let parts = try HostPort.split(text).get()
        #expect(parts.host == host[...])
        #expect(parts.port == port?[...])
        #expect(parts.bracketed == bracketed)
        #expect(parts.junkAfterBracket == junk)
    }

    @Test func unclosedBracketDoesNotSplit() {
        #expect(throws: HostPort.ParseError.unclosedBracket) { try HostPort.split("[::1").get() }
        #expect(throws: HostPort.ParseError.unclosedBracket) { try HostPort.split("[").get() }
    }

    @Test(arguments: [
        ("203.0.113.5:4000", "203.0.113.5"), ("[2001:db8::1]:5", "2001:db8::1"), ("public-1:4000", "public-1"),
        ("[public-2]:3478", "public-2"), ("2001:db8::1", "2001:db8::1"), ("203.0.113.5", "203.0.113.5"),
        ("[2001:db8::1", "[2001:db8::1"), ("", ""),
    ])
    func hostPart(_ endpoint: String, _ host: String) {
        #expect(HostPort.hostPart(endpoint) == host)
    }

    @Test(arguments: [
        ("203.0.113.5:443", "443"), ("[2001:db8::1]:8443", "8443"), ("quic.example:443", "443"),
        ("quic.example", nil), ("2001:db8::1", nil), ("[2001:db8::1]", nil), ("[2001:db8::1", nil),
    ] as [(String, String?)])
    func portPart(_ endpoint: String, _ port: String?) {
        #expect(HostPort.portPart(endpoint) == port)
    }

    @Test(arguments: [
        ("0", 0), ("1", 1), ("65535", 65535), ("00080", 80),
    ] as [(String, Int)])
    func goodPort(_ text: String, _ port: Int) {
        #expect(HostPort.parsePort(text[...]) == UInt16(port))
    }

    @Test(arguments: ["", "65536", "+1", "-1", "1 ", " 1", "0x10", "８０", "123456", "1e3"])
    func badPort(_ text: String) {
        #expect(HostPort.parsePort(text[...]) == nil)
    }

    @Test func failableInitAndIP() {
        #expect(HostPort("stun.example.net", defaultPort: 3478) == HostPort(host: "stun.example.net", port: 3478))
        #expect(HostPort("[2001:db8::1]:443", defaultPort: 3478)?.ip == IPAddress("2001:db8::1"))
        #expect(HostPort("stun.example.net:1", defaultPort: 3478)?.ip == nil)
        #expect(HostPort("host:0", defaultPort: 3478) == nil)
        #expect(HostPort(host: "2001:db8::1", port: 443).description == "[2001:db8::1]:443")
        #expect(HostPort(host: "192.0.2.1", port: 443).description == "192.0.2.1:443")
    }
}
