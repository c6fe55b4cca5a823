import P2PAddress
import Testing

/// The one host[:port] parser shared by flags, config lines and probes.
@Suite struct HostPortTests {
    @Test(arguments: [
        ("stun.example.net", "stun.example.net", 3478), ("stun.example.net:19302", "stun.example.net", 19302),
        ("192.0.2.1", "192.0.2.1", 3478), ("192.0.2.1:1", "192.0.2.1", 1), (" 192.0.2.1:65535 ", "192.0.2.1", 65535),
        ("[2001:db8::1]", "2001:db8::1", 3478), ("[2001:db8::1]:443", "2001:db8::1", 443), ("2001:db8::1", "2001:db8::1", 3478),
        ("::1", "::1", 3478), ("my_host-1.example.", "my_host-1.example.", 3478),
    ] as [(String, String, Int)])
    func good(_ text: String, _ host: String, _ port: Int) throws {
        #expect(try HostPort.parse(text, defaultPort: 3478).get() == HostPort(host: host, port: UInt16(port)))
    }

    @Test(arguments: [
        ("", HostPort.ParseError.empty), ("[::1", .unclosedBracket), (":3478", .missingHost),
        ("host:99999", .badPort("99999")), ("host:0", .badPort("0")), ("host:", .badPort("")), ("host:-1", .badPort("-1")),
        ("host:+80", .badPort("+80")), ("[192.0.2.1]:80", .bracketNotIPv6("192.0.2.1")), ("[::1]x", .afterBracket),
        ("[::1]:0", .badPort("0")), (":::bad::", .unbracketedIPv6(":::bad::")), ("bad::host", .unbracketedIPv6("bad::host")),
        ("2001:db8::1:3478:x", .unbracketedIPv6("2001:db8::1:3478:x")), ("a b", .badHost("a b")),
        ("x\u{1B}[31my", .badHost("x\u{1B}[31my")), ("ex\u{e4}mple.com", .badHost("ex\u{e4}mple.com")),
        (String(repeating: "a", count: 254), .badHost(String(repeating: "a", count: 254))),
    ] as [(String, HostPort.ParseError)])
    func bad(_ text: String, _ error: HostPort.ParseError) {
        #expect(throws: error) { try HostPort.parse(text, defaultPort: 3478).get() }
    }
}
