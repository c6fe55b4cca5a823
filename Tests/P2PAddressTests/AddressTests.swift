import Testing
@testable import P2PAddress

@Suite("IPAddress and TransportAddress")
struct AddressTests {
    @Test func canonicalDecimalIsDigitsWrittenOneWay() {
        #expect(canonicalDecimal("0", maxDigits: 3) == 0)
        #expect(canonicalDecimal("255", maxDigits: 3) == 255)
        #expect(canonicalDecimal("65535", maxDigits: 5) == 65535)
        for bad in ["", "00", "010", "+5", "-1", " 5", "5 ", "1e3", "\u{0663}", "1234"] {
            #expect(canonicalDecimal(bad, maxDigits: 3) == nil, "\(bad.debugDescription)")
        }
    }

    @Test("IPv4 parse and print", arguments: ["0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.254"])
    func ipv4(text: String) throws {
        let ip = try #require(IPAddress(text))
        #expect(ip.isIPv4)
        #expect(ip.description == text)
        #expect(ip.bytes.count == 4)
    }

    @Test("IPv6 printing follows RFC 5952", arguments: [
        // (input, canonical RFC 5952 text)
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),  // 4.1 leading zeros, 4.2.1 longest run
        ("2001:DB8::1", "2001:db8::1"),  // 4.3 lowercase
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // 4.2.3 first of equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // 4.2.2 never "::" for one zero word
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // longest run wins over the earlier one
        ("::", "::"), ("::1", "::1"), ("1::", "1::"), ("fe80::", "fe80::"),
        ("0:0:0:0:0:0:0:0", "::"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),  // "::" for one word is accepted on input
        ("2001:db8:1234:5678:11:2233:4455:6677", "2001:db8:1234:5678:11:2233:4455:6677"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),  // section 5: IPv4-mapped keeps its dotted quad
        ("::FFFF:c000:0201", "::ffff:192.0.2.1"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),  // embedded IPv4 in another prefix: plain hex
        ("1:2:3:4:5:6:192.0.2.1", "1:2:3:4:5:6:c000:201"),
        ("::192.0.2.1", "::c000:201"),
    ])
    func ipv6(input: String, canonical: String) throws {
        let ip = try #require(IPAddress(input), "\(input) should parse")
        #expect(!ip.isIPv4)
        #expect(ip.bytes.count == 16)
        #expect(ip.description == canonical)
        #expect(IPAddress(canonical) == ip, "canonical text parses back to the same address")
    }

    @Test("IPv6 with a zone id parses without it")
    func zone() {
        #expect(IPAddress("fe80::1%eth0") == IPAddress("fe80::1"))
    }

    @Test("invalid addresses are rejected", arguments: [
        "", " ", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "1..2.3", "01.2.3.4", "1.2.3.04", "+1.2.3.4",
        "1.2.3.4 ", "a.b.c.d", "１.2.3.4", "1.2.3.4/24",
        ":", ":::", "1:::2", "::1::", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9",
        ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:", "1::2:3:4:5:6:7:8", "+1::", "-0::", "::+1", "0x1::",
        "::ffff:1.2.3", "::ffff:256.0.0.1", "1.2.3.4::", "1.2.3.4::1", "::1.2.3.4:1", "1:2:3:4:5:6:7:1.2.3.4",
        "::１", "[::1]",
    ])
    func invalid(text: String) {
        #expect(IPAddress(text) == nil, "\(text) should be rejected")
    }

    @Test("IPAddress(bytes:) takes 4 or 16 bytes")
    func fromBytes() {
        #expect(IPAddress(bytes: [192, 0, 2, 1]) == .v4(192, 0, 2, 1))
        #expect(IPAddress(bytes: Array(repeating: 0, count: 16))?.description == "::")
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: Array(repeating: 0, count: 6)) == nil)
        #expect(IPAddress(bytes: []) == nil)
        // A hand-built `.v6` of the wrong length prints instead of trapping.
        #expect(IPAddress.v6([0x20, 0x01]).description == "invalid-ipv6(2001)")
    }

    @Test("transport addresses parse and print", arguments: [
        ("1.2.3.4:5", "1.2.3.4:5"), ("192.0.2.1:3478", "192.0.2.1:3478"), ("0.0.0.0:0", "0.0.0.0:0"),
        ("255.255.255.255:65535", "255.255.255.255:65535"),
        ("[::1]:5", "[::1]:5"), ("[2001:DB8:0::1]:3478", "[2001:db8::1]:3478"),
        ("[::ffff:192.0.2.1]:80", "[::ffff:192.0.2.1]:80"),
    ])
    func transport(input: String, canonical: String) throws {
        let t = try #require(TransportAddress(input), "\(input) should parse")
        #expect(t.description == canonical)
        #expect(TransportAddress(canonical) == t)
    }

    @Test("bad transport addresses are rejected", arguments: [
        "", "1.2.3.4", "1.2.3.4:", ":5", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+5", "1.2.3.4: 5", "1.2.3.4:5 ",
        "1.2.3.4:0x10", "1.2.3.4:５", "::1:5", "2001:db8::1:3478", "[::1]", "[::1]:", "[::1]5", "[::1]:+5",
        "[::1:5", "::1]:5", "[1.2.3.4]:5", "[]:5", "host.example:3478", "1.2.3.4:123456",
    ])
    func badTransport(text: String) {
        #expect(TransportAddress(text) == nil, "\(text) should be rejected")
    }
}
