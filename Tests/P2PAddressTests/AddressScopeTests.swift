import P2PAddress
import Testing

/// Where an address belongs, range edges included: what judges hops, gateway addresses, redaction
/// and the shared-LAN note of `compare`.
@Suite struct AddressScopeTests {
    @Test(arguments: [
        // IPv4: each range's first and last address, and the neighbours just outside.
        ("0.0.0.0", AddressScope.unspecified), ("0.255.255.255", .unspecified), ("1.0.0.0", .global),
        ("9.255.255.255", .global), ("10.0.0.0", .privateUse), ("10.255.255.255", .privateUse), ("11.0.0.0", .global),
        ("100.63.255.255", .global), ("100.64.0.0", .sharedCGNAT), ("100.64.0.1", .sharedCGNAT),
        ("100.127.255.255", .sharedCGNAT), ("100.128.0.1", .global),
        ("126.255.255.255", .global), ("127.0.0.1", .loopback), ("127.255.255.255", .loopback), ("128.0.0.0", .global),
        ("169.253.255.255", .global), ("169.254.0.0", .linkLocal), ("169.254.169.254", .linkLocal),
        ("169.255.0.0", .global),
        ("172.15.255.255", .global), ("172.16.0.1", .privateUse), ("172.31.255.255", .privateUse), ("172.32.0.1", .global),
        ("192.167.255.255", .global), ("192.168.0.1", .privateUse), ("192.168.255.255", .privateUse),
        ("192.169.0.0", .global),
        ("192.0.1.255", .global), ("192.0.2.0", .documentation), ("192.0.2.255", .documentation), ("192.0.3.0", .global),
        ("198.51.99.255", .global), ("198.51.100.1", .documentation), ("198.51.101.0", .global),
        ("203.0.112.255", .global), ("203.0.113.10", .documentation), ("203.0.114.0", .global),
        ("8.8.8.8", .global), ("223.255.255.255", .global), ("224.0.0.1", .multicast),
        ("239.255.255.250", .multicast), ("240.0.0.1", .reserved), ("255.255.255.255", .reserved),
        // IPv6.
        ("::", .unspecified), ("::1", .loopback), ("::2", .global), ("fc00::1", .privateUse), ("fdff::1", .privateUse),
        ("fbff::1", .global), ("fe00::1", .global), ("fe80::1", .linkLocal), ("febf:ffff::1", .linkLocal),
        ("fec0::1", .global), ("ff02::1", .multicast), ("ff00::", .multicast),
        ("2001:db8::1", .documentation), ("2001:db8:ffff:ffff::1", .documentation), ("2001:db9::1", .global),
        ("2001:db7::1", .global), ("2606:4700::1111", .global), ("4000::1", .global),
        // IPv4-mapped IPv6 belongs where its IPv4 address does.
        ("::ffff:10.1.2.3", .privateUse), ("::ffff:100.64.0.1", .sharedCGNAT), ("::ffff:203.0.113.9", .documentation),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:8.8.8.8", .global), ("::ffff:0.0.0.0", .unspecified),
    ] as [(String, AddressScope)])
    func scope(_ text: String, _ expected: AddressScope) throws {
        let ip = try #require(IPAddress(text), "\(text) parses")
        #expect(ip.scope == expected, "\(text)")
        #expect(AddressScope(ip) == expected)
    }

    /// Redaction hides what can identify a site: public addresses, documentation ones included
    /// (they play public addresses in the lab); private, CGNAT, loopback, link-local, multicast,
    /// reserved and unspecified ones stay.
    @Test(arguments: [
        ("10.1.2.3", false), ("172.16.0.1", false), ("172.31.255.255", false), ("172.32.0.1", true),
        ("192.168.9.9", false), ("100.64.0.1", false), ("100.127.255.255", false), ("100.128.0.1", true),
        ("127.0.0.1", false), ("169.254.1.1", false), ("0.0.0.0", false), ("224.0.0.1", false), ("250.1.1.1", false),
        ("192.0.2.1", true), ("198.51.100.1", true), ("203.0.113.1", true), ("8.8.8.8", true),
        ("2001:db8::1", true), ("2606:4700::1111", true), ("fe80::1", false), ("febf::1", false),
        ("fc00::1", false), ("fdff::1", false), ("::1", false), ("::", false), ("ff02::1", false),
        ("::ffff:192.168.0.1", false), ("::ffff:203.0.113.9", true),
    ] as [(String, Bool)])
    func isPublic(_ text: String, _ expected: Bool) throws {
        #expect(try #require(IPAddress(text)).scope.isPublic == expected, "\(text)")
    }

    @Test func natInsideIsPrivateOrCGNAT() {
        let inside = AddressScope.allCases.filter(\.isNATInside)
        #expect(inside == [.privateUse, .sharedCGNAT])
        #expect(AddressScope.allCases.filter(\.isPublic) == [.documentation, .global])
    }

    @Test func unmappedGivesTheIPv4Inside() {
        #expect(IPAddress("::ffff:192.0.2.1")?.unmapped == .v4(192, 0, 2, 1))
        #expect(IPAddress("::fffe:192.0.2.1")?.unmapped == IPAddress("::fffe:192.0.2.1"))
        #expect(IPAddress("::192.0.2.1")?.unmapped == IPAddress("::192.0.2.1"))
        #expect(IPAddress("192.0.2.1")?.unmapped == .v4(192, 0, 2, 1))
        #expect(IPAddress.v6([1, 2]).unmapped == .v6([1, 2]))
        #expect(IPAddress.v6([1, 2]).scope == .reserved, "a malformed hand-built value is nobody's address")
    }
}
