import Foundation
import P2PExport
import P2PReport
import Testing

/// One side, built from the facts the compare table reads.
struct SideSpec: Sendable, CustomStringConvertible {
    var mapping: NATMapping = .endpointIndependent
    var filtering: NATFiltering = .addressAndPortDependent
    var classic: ClassicNATType = .portRestrictedCone
    var udp: UDPStatus = .open
    var doubleNat: Bool? = false
    var cloudNat: Bool? = nil
    var provider: CloudProvider = .none
    var hairpin: Bool? = nil
    var publicIP = "203.0.113.1"
    var ipv6: IPv6Status = .noGlobalAddress
    /// The host's global IPv6 address and the endpoint STUN over IPv6 saw (nil: not in the report).
    var ipv6Global: String? = nil
    var ipv6Seen: String? = nil
    /// What two STUN servers saw (empty: no per-server data).
    var seenBy2: [String] = []
    /// What the RFC 5780 mapping tests saw ("I", "II", "III"; empty: not run).
    var mappingTests: [String: String] = [:]
    var local: String? = nil

    var description: String { "\(classic.rawValue)/\(mapping.rawValue)/\(filtering.rawValue)/udp \(udp.rawValue)" }

    func report(_ role: Role) -> Report {
        var r = Report(run: RunInfo(toolVersion: "0.1.0", role: role))
        r.nat = NATSection(status: mapping == .unknown ? .inconclusive : .checked, mapping: mapping,
                           filtering: filtering, classicType: classic,
                           publicEndpoint: classic == .blocked ? nil : "\(publicIP):40000")
        r.nat.localEndpoint = local
        r.nat.mappedByTest = mappingTests.isEmpty ? nil : mappingTests
        r.nat.servers = seenBy2.map { ServerObservation(server: "s", outcome: .answered, mappedEndpoint: $0) }
        r.udp = UDPSection(status: udp)
        r.doubleNat = DoubleNATSection(status: .checked, detected: doubleNat)
        r.cloud = CloudSection(status: .checked, provider: provider, natGatewaySuspected: cloudNat)
        r.hairpin = HairpinSection(status: hairpin == nil ? .notChecked : .checked, supported: hairpin)
        r.ipv6 = IPv6Section(status: ipv6, globalAddress: ipv6Global, publicEndpoint: ipv6Seen)
        r.verdict = Verdict.derive(from: r)
        return r
    }

    static let fullCone = SideSpec(filtering: .endpointIndependent, classic: .fullCone)
    static let restricted = SideSpec(filtering: .addressDependent, classic: .restrictedCone)
    static let portRestricted = SideSpec()
    static let symmetric = SideSpec(mapping: .addressAndPortDependent, classic: .symmetricNAT)
    static let open = SideSpec(mapping: .noNAT, filtering: .endpointIndependent, classic: .openInternet)
    static let udpFirewall = SideSpec(mapping: .noNAT, filtering: .addressAndPortDependent,
                                      classic: .symmetricUDPFirewall)
    static let unknown = SideSpec(mapping: .unknown, filtering: .unknown, classic: .unknown, udp: .unknown,
                                  doubleNat: nil)
    static let blocked = SideSpec(mapping: .unknown, filtering: .unknown, classic: .blocked, udp: .blocked)

    /// This side with working IPv6 on `global`, STUN over IPv6 seeing `seen` (the same: no NAT66).
    func v6(_ global: String, seen: String? = nil) -> SideSpec {
        with { $0.ipv6 = .works; $0.ipv6Global = global; $0.ipv6Seen = "[\(seen ?? global)]:40000" }
    }

    func with(_ change: (inout SideSpec) -> Void) -> SideSpec {
        var s = self
        change(&s)
        return s
    }
}

struct CompareCase: Sendable, CustomTestStringConvertible {
    var name: String
    var client: SideSpec
    var connector: SideSpec
    var expected: DirectConnection
    var fixFirst: Role?
    /// The first reason's code (its side is the side to fix first).
    var firstCode: String? = nil
    /// Codes some reason must have, with the side it is about.
    var anyCode: [Coded] = []
    var shared: Bool? = false

    var testDescription: String { name }
}

/// A reason's code and the side it is about.
struct Coded: Sendable, CustomStringConvertible {
    var code: String
    var side: Role?
    init(_ code: String, _ side: Role? = nil) {
        self.code = code
        self.side = side
    }
    var description: String { "\(side.map { "\($0.rawValue): " } ?? "")\(code)" }
}

@Suite struct CompareTableTests {
    static let other = "198.51.100.9"

    static let cases: [CompareCase] = [
        CompareCase(name: "both port-restricted cone (EIM)", client: .portRestricted,
                    connector: .portRestricted.with { $0.publicIP = other }, expected: .likely,
                    firstCode: "pair-both-friendly"),
        CompareCase(name: "full cone and restricted cone", client: .fullCone,
                    connector: .restricted.with { $0.publicIP = other }, expected: .likely),
        CompareCase(name: "open internet and port-restricted", client: .portRestricted,
                    connector: .open.with { $0.publicIP = other }, expected: .likely),
        // Proven live by `p2ptui punch` (natlab pair fullcone:symmetric): peer-reflexive learning.
        CompareCase(name: "symmetric client, full-cone connector", client: .symmetric,
                    connector: .fullCone.with { $0.publicIP = other }, expected: .likely,
                    firstCode: "pair-friendly-despite-dependent",
                    anyCode: [Coded("pair-dependent-meets-any-source", .client)]),
        CompareCase(name: "symmetric client, open-internet connector", client: .symmetric,
                    connector: .open.with { $0.publicIP = other }, expected: .likely),
        // Proven live (natlab pair restricted:symmetric): the symmetric NAT kept one IP.
        CompareCase(name: "symmetric client keeping one IP, restricted-cone connector", client: .symmetric.with { $0.seenBy2 = ["203.0.113.1:1", "203.0.113.1:2"] },
                    connector: .restricted.with { $0.publicIP = other }, expected: .likely,
                    anyCode: [Coded("pair-dependent-meets-address-only-one-ip", .client)]),
        // Proven live (natlab pair restricted:symmetric with one RFC 5780 server): tests I, II and
        // III reach two destination addresses, enough to see the IP stay.
        CompareCase(name: "symmetric client keeping one IP in the mapping tests, restricted-cone connector",
                    client: .symmetric.with { $0.mappingTests = ["I": "203.0.113.1:1", "II": "203.0.113.1:2", "III": "203.0.113.1:3"] },
                    connector: .restricted.with { $0.publicIP = other }, expected: .likely,
                    anyCode: [Coded("pair-dependent-meets-address-only-one-ip", .client)]),
        CompareCase(name: "symmetric client changing IP in the mapping tests, restricted-cone connector",
                    client: .symmetric.with { $0.mappingTests = ["I": "203.0.113.1:1", "II": "203.0.113.2:2"] },
                    connector: .restricted.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-dependent-meets-address-only"),
        CompareCase(name: "symmetric client with test I only, restricted-cone connector",
                    client: .symmetric.with { $0.mappingTests = ["I": "203.0.113.1:1"] },
                    connector: .restricted.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-dependent-meets-address-only"),
        CompareCase(name: "symmetric client changing IP, restricted-cone connector", client: .symmetric.with { $0.seenBy2 = ["203.0.113.1:1", "203.0.113.2:2"] },
                    connector: .restricted.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-dependent-meets-address-only"),
        CompareCase(name: "symmetric client, restricted-cone connector (address filtering)", client: .symmetric,
                    connector: .restricted.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-dependent-meets-address-only"),
        CompareCase(name: "symmetric client, port-restricted connector", client: .symmetric,
                    connector: .portRestricted.with { $0.publicIP = other }, expected: .unlikely,
                    fixFirst: .client, firstCode: "pair-dependent-meets-exact-address-and-port"),
        CompareCase(name: "port-restricted client, symmetric connector", client: .portRestricted,
                    connector: .symmetric.with { $0.publicIP = other }, expected: .unlikely,
                    fixFirst: .connector, firstCode: "pair-dependent-meets-exact-address-and-port"),
        CompareCase(name: "symmetric client, filtered no-NAT connector", client: .symmetric,
                    connector: .udpFirewall.with { $0.publicIP = other }, expected: .unlikely, fixFirst: .client),
        CompareCase(name: "both symmetric", client: .symmetric,
                    connector: .symmetric.with { $0.publicIP = other }, expected: .unlikely,
                    fixFirst: .connector, firstCode: "pair-both-dependent"),
        CompareCase(name: "client UDP blocked", client: .blocked,
                    connector: .fullCone.with { $0.publicIP = other }, expected: .unlikely, fixFirst: .client,
                    firstCode: "udp-blocked", shared: nil),
        CompareCase(name: "connector UDP blocked, client symmetric", client: .symmetric, connector: .blocked,
                    expected: .unlikely, fixFirst: .connector,
                    firstCode: "udp-blocked", shared: nil),
        CompareCase(name: "both UDP blocked", client: .blocked, connector: .blocked, expected: .unlikely,
                    fixFirst: .connector, firstCode: "udp-blocked",
                    anyCode: [Coded("udp-blocked", .client)], shared: nil),
        CompareCase(name: "connector UDP partially blocked", client: .portRestricted,
                    connector: .portRestricted.with { $0.udp = .partial; $0.publicIP = other },
                    expected: .possible, fixFirst: .connector, firstCode: "udp-partial"),
        CompareCase(name: "connector behind AWS NAT gateway", client: .portRestricted,
                    connector: .symmetric.with { $0.cloudNat = true; $0.provider = .aws; $0.publicIP = other },
                    expected: .unlikely, fixFirst: .connector,
                    anyCode: [Coded("cloud-nat-gateway", .connector)]),
        CompareCase(name: "cloud NAT suspected with unknown mapping counts as symmetric", client: .fullCone,
                    connector: .unknown.with { $0.cloudNat = true; $0.provider = .gcp; $0.publicIP = other },
                    expected: .possible, fixFirst: .connector,
                    anyCode: [Coded("cloud-nat-gateway", .connector)]),
        // Proven live (natlab pair double:eim): the two layers map endpoint-independently together.
        CompareCase(name: "client behind double NAT with EIM end to end", client: .portRestricted.with { $0.doubleNat = true },
                    connector: .fullCone.with { $0.publicIP = other }, expected: .likely,
                    anyCode: [Coded("pair-double-nat-independent", .client)]),
        CompareCase(name: "client behind double NAT, mapping unknown", client: .unknown.with { $0.doubleNat = true; $0.udp = .open },
                    connector: .fullCone.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    anyCode: [Coded("double-nat", .client)]),
        // Proven live (natlab pair lan): the private addresses reach each other.
        CompareCase(name: "same public address and one LAN, no hairpin", client: .portRestricted.with { $0.local = "192.168.1.2:4000" },
                    connector: .portRestricted.with { $0.hairpin = false; $0.local = "192.168.1.3:5000" }, expected: .likely,
                    anyCode: [Coded("pair-shared-address-same-lan")], shared: true),
        CompareCase(name: "same public address, connector without hairpin", client: .portRestricted,
                    connector: .portRestricted.with { $0.hairpin = false }, expected: .possible,
                    fixFirst: .connector,
                    firstCode: "pair-shared-address-no-hairpin",
                    shared: true),
        CompareCase(name: "same public address, hairpin works", client: .portRestricted.with { $0.hairpin = true },
                    connector: .portRestricted.with { $0.hairpin = true }, expected: .likely,
                    anyCode: [Coded("pair-shared-address-hairpin")], shared: true),
        CompareCase(name: "same public address, hairpin not tested", client: .portRestricted,
                    connector: .portRestricted, expected: .possible, fixFirst: .connector,
                    firstCode: "pair-shared-address-hairpin-unknown", shared: true),
        CompareCase(name: "client not checked", client: .unknown,
                    connector: .fullCone.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-not-enough-data"),
        CompareCase(name: "symmetric client, unknown connector", client: .symmetric,
                    connector: .unknown.with { $0.publicIP = other }, expected: .possible, fixFirst: .client,
                    firstCode: "pair-dependent-meets-unknown-nat", anyCode: [Coded("pair-not-enough-data", .connector)]),
        CompareCase(name: "symmetric client, connector filtering unknown", client: .symmetric,
                    connector: .portRestricted.with { $0.filtering = .unknown; $0.publicIP = other },
                    expected: .possible, fixFirst: .client, firstCode: "pair-dependent-meets-unknown-filtering"),
        CompareCase(name: "both IPv6: a note, not a change", client: .portRestricted.with { $0.ipv6 = .works },
                    connector: .portRestricted.with { $0.ipv6 = .works; $0.publicIP = other }, expected: .likely,
                    anyCode: [Coded("pair-both-ipv6")]),
        // Proven live (natlab pair v6sym:v6sym): punch meets on IPv6 between two symmetric IPv4 NATs.
        CompareCase(name: "both symmetric, both with usable IPv6", client: .symmetric.v6("2001:db8:1::2"),
                    connector: .symmetric.with { $0.publicIP = other }.v6("2001:db8:2::2"), expected: .likely,
                    firstCode: "pair-ipv6-path", anyCode: [Coded("pair-both-dependent", .connector)]),
        CompareCase(name: "both symmetric, IPv6 behind a NAT66 on one side", client: .symmetric.v6("2001:db8:1::2"),
                    connector: .symmetric.with { $0.publicIP = other }.v6("2001:db8:2::2", seen: "2001:db8:ff::1"),
                    expected: .unlikely, fixFirst: .connector, firstCode: "pair-both-dependent",
                    anyCode: [Coded("pair-both-ipv6")]),
        CompareCase(name: "usable IPv6 does not outweigh blocked UDP", client: .blocked.v6("2001:db8:1::2"),
                    connector: .portRestricted.with { $0.publicIP = other }.v6("2001:db8:2::2"),
                    expected: .unlikely, fixFirst: .client, firstCode: "udp-blocked", anyCode: [Coded("pair-ipv6-path")],
                    shared: nil),
    ]

    @Test(arguments: cases)
    func table(_ t: CompareCase) {
        let c = Compare.compare(client: t.client.report(.client), connector: t.connector.report(.connector))
        #expect(c.directConnection == t.expected)
        #expect(c.fixFirst == t.fixFirst)
        #expect(c.sharedPublicAddress == t.shared)
        let codes = c.findings.map { Coded($0.code, $0.side) }
        if let first = t.firstCode { #expect(c.findings.first?.code == first, "\(codes)") }
        for want in t.anyCode {
            #expect(c.findings.contains { $0.code == want.code && $0.side == want.side }, "\(want) in \(codes)")
        }
        #expect(!c.reasons.isEmpty)
        #expect(c.findings.count == c.reasons.count)
        // The first reason is about the side to fix first.
        if let f = t.fixFirst { #expect(c.findings.first?.side == f, "\(codes)") }
    }

    @Test func redactedReportsDoNotLookShared() {
        let a = Redactor.redact(SideSpec.portRestricted.report(.client))
        let b = Redactor.redact(SideSpec.portRestricted.with { $0.publicIP = Self.other }.report(.connector))
        #expect(a.nat.publicEndpoint == b.nat.publicEndpoint)  // both "public-1:40000"
        let c = Compare.compare(client: a, connector: b)
        #expect(c.sharedPublicAddress == nil)
        #expect(c.directConnection == .likely)
        #expect(c.findings.contains { $0.code == "pair-redacted" })
    }

    /// Addresses are compared as addresses: two spellings of one IPv6 address are one address.
    @Test func addressesCompareAsAddressesNotAsText() {
        let c = SideSpec.symmetric.v6("2001:db8:1::2", seen: "2001:0db8:1:0:0:0:0:2").report(.client)
        let k = SideSpec.symmetric.with { $0.publicIP = Self.other }.v6("2001:DB8:2::2").report(.connector)
        let both = Compare.compare(client: c, connector: k)
        #expect(both.directConnection == .likely && both.findings.first?.code == "pair-ipv6-path", "\(both.findings)")
        let lan = SideSpec.portRestricted.with { $0.local = "192.168.1.10:5000"; $0.hairpin = false }
        let shared = Compare.compare(client: lan.report(.client),
                                     connector: lan.with { $0.local = "192.168.1.11:5000" }.report(.connector))
        #expect(shared.sharedPublicAddress == true)
        #expect(shared.findings.contains { $0.code == "pair-shared-address-same-lan" }, "\(shared.findings)")
    }

    @Test func quicFilteredOnOneSideIsNamed() {
        var k = SideSpec.fullCone.with { $0.publicIP = Self.other }.report(.connector)
        k.quic = QUICSection(status: .filtered, server: "203.0.113.30:443", plainAnswered: true)
        let c = Compare.compare(client: SideSpec.fullCone.report(.client), connector: k)
        #expect(c.directConnection == .unlikely)
        #expect(c.findings.first?.code == "quic-filtered" && c.findings.first?.side == .connector, "\(c.findings)")
        #expect(c.fixFirst == .connector)
    }

    @Test func swappedRolesAreNoted() {
        let c = Compare.compare(client: SideSpec.fullCone.report(.connector),
                                connector: SideSpec.fullCone.with { $0.publicIP = Self.other }.report(.client))
        #expect(c.findings.contains { $0.code == "pair-roles-swapped" })
    }

    /// Every pair code a comparison gives is documented in docs/report-schema.md.
    @Test func everyPairCodeIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/report-schema.md"), encoding: .utf8)
        var codes = Set(Self.cases.flatMap {
            Compare.compare(client: $0.client.report(.client), connector: $0.connector.report(.connector)).findings.map(\.code)
        })
        codes.insert(PairFinding.redacted.code)
        codes.insert(PairFinding.rolesSwapped.code)
        for c in codes { #expect(doc.contains("`\(c)`"), "\(c)") }
        #expect(codes.count >= 20)
    }

    @Test func comparisonTextFits() {
        for t in Self.cases {
            let c = Compare.compare(client: t.client.report(.client), connector: t.connector.report(.connector))
            for ascii in [false, true] {
                let text = c.renderText(ascii: ascii)
                #expect(text.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
                if ascii { #expect(text.utf8.allSatisfy { $0 < 0x80 }) }
            }
        }
    }
}
