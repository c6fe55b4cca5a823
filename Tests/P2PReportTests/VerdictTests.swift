import Foundation
import P2PReport
import Testing

/// `Verdict.derive` as a table, and the JSON shape other tools depend on.
@Suite struct VerdictTests {
    static func report(_ edit: (inout Report) -> Void) -> Report {
        var r = Report()
        r.nat = NATSection(status: .checked, mapping: .endpointIndependent, filtering: .addressAndPortDependent,
                           classicType: .portRestrictedCone, publicEndpoint: "198.51.100.2:40000")
        r.udp.status = .open
        r.doubleNat = DoubleNATSection(status: .checked, detected: false)
        r.cloud = CloudSection(status: .checked, provider: .none, natGatewaySuspected: false)
        edit(&r)
        return r
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var report: Report
        var level: DirectConnection
        var blocking: Bool
        /// `verdict.codes`, in order.
        var codes: [FindingCode]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "EIM behind one NAT", report: report { _ in }, level: .likely, blocking: false, codes: []),
        Case(name: "no NAT", report: report { $0.nat.mapping = .noNAT; $0.nat.classicType = .openInternet },
             level: .likely, blocking: false, codes: []),
        Case(name: "symmetric NAT", report: report { $0.nat.mapping = .addressAndPortDependent; $0.nat.classicType = .symmetricNAT },
             level: .unlikely, blocking: true, codes: [.mappingEndpointDependent]),
        Case(name: "UDP blocked", report: report { $0.udp.status = .blocked },
             level: .unlikely, blocking: true, codes: [.udpBlocked]),
        Case(name: "no STUN answer", report: report { $0.nat = NATSection(status: .checked, classicType: .blocked); $0.udp.status = .notChecked },
             level: .unlikely, blocking: true, codes: [.stunNoAnswer]),
        Case(name: "UDP partial", report: report { $0.udp.status = .partial },
             level: .possible, blocking: true, codes: [.udpPartial]),
        Case(name: "double NAT", report: report { $0.doubleNat.detected = true },
             level: .possible, blocking: true, codes: [.doubleNat]),
        Case(name: "cloud NAT gateway", report: report { $0.cloud.natGatewaySuspected = true; $0.cloud.provider = .aws },
             level: .unlikely, blocking: true, codes: [.cloudNatGateway]),
        Case(name: "NAT inconclusive", report: report {
                 $0.nat = NATSection(status: .inconclusive, publicEndpoint: "198.51.100.2:40000", inconclusiveReason: "packets were lost")
             }, level: .possible, blocking: false, codes: [.natInconclusive]),
        Case(name: "no hairpin is a note, not a blocker", report: report { $0.hairpin = HairpinSection(status: .checked, supported: false) },
             level: .likely, blocking: false, codes: [.noHairpin]),
        Case(name: "QUIC not proven is a note", report: report { $0.quic.status = .notProven },
             level: .likely, blocking: false, codes: [.quicNotProven]),
        Case(name: "worst finding wins", report: report { $0.doubleNat.detected = true; $0.udp.status = .blocked },
             level: .unlikely, blocking: true, codes: [.udpBlocked, .doubleNat]),
        Case(name: "a blocking finding comes before a heavier-or-equal one that does not block", report: report {
                 $0.nat = NATSection(status: .inconclusive, publicEndpoint: "198.51.100.2:40000", inconclusiveReason: "packets were lost")
                 $0.doubleNat.detected = true
             }, level: .possible, blocking: true, codes: [.doubleNat, .natInconclusive]),
        Case(name: "a note never leads under unlikely", report: report {
                 $0.quic.status = .notProven; $0.nat.mapping = .addressAndPortDependent; $0.nat.classicType = .symmetricNAT
             }, level: .unlikely, blocking: true, codes: [.mappingEndpointDependent, .quicNotProven]),
        Case(name: "QUIC filtered beside partial UDP", report: report { $0.udp.status = .partial; $0.quic.status = .filtered },
             level: .unlikely, blocking: true, codes: [.quicFiltered, .udpPartial]),
        Case(name: "nothing checked is never likely", report: Report(), level: .possible, blocking: false,
             codes: [.natNotChecked]),
    ]

    @Test(arguments: cases)
    func derive(_ c: Case) {
        let v = Verdict.derive(from: c.report)
        #expect(v.directConnection == c.level)
        #expect(v.blocking == c.blocking)
        #expect(v.codes == c.codes)
        // The reasons say the codes, in the same order (a "likely" verdict opens with its own sentence).
        let said = FindingRules.verdictOrder(FindingRules.findings(for: c.report)).map { FindingWords.reason($0, in: c.report) }
        #expect(Array(v.reasons.suffix(said.count)) == said, "\(v.reasons)")
        #expect(v.reasons.count == said.count + (c.level == .likely ? 1 : 0))
    }

    @Test func hairpinWithoutNATSaysItIsNotNeeded() {
        let open = Self.report { $0.nat.mapping = .noNAT; $0.hairpin = HairpinSection(status: .checked, supported: true) }
        #expect(open.assess(.hairpin).status == .pass)
        #expect(open.assess(.hairpin).code == .hairpinNotNeeded)
        let nat = Self.report { $0.hairpin = HairpinSection(status: .checked, supported: true) }
        #expect(nat.assess(.hairpin).code == .hairpin)
    }

    @Test func stepsFollowTheArticleOrder() {
        let steps = Self.report { _ in }.assessSteps().map(\.step)
        #expect(steps == [.firewall, .natType, .doubleNat, .hairpin, .cloudNat])
    }

    @Test func notCheckedIsNotNo() {
        let r = Report()
        for a in r.assessSteps() { #expect(a.status == .notChecked, "\(a.step)") }
        let data = try! JSONEncoder().encode(r)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"detected\":null") || !json.contains("\"detected\":false"))
    }

    /// The documented JSON keys and values (docs/report-schema.md); renaming one breaks consumers.
    @Test func jsonShape() throws {
        var r = Self.report { _ in }
        r.udp.ports = [443: .reached, 53: .blocked]
        r.verdict = Verdict.derive(from: r)
        let obj = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any])
        #expect(obj["schemaVersion"] as? Int == 2)
        let nat = try #require(obj["nat"] as? [String: Any])
        #expect(nat["mapping"] as? String == "endpoint-independent")
        #expect(nat["filtering"] as? String == "address-and-port-dependent")
        #expect(nat["classicType"] as? String == "Port Restricted Cone")
        #expect(nat["publicEndpoint"] as? String == "198.51.100.2:40000")
        #expect(nat.keys.contains("localEndpoint") || nat["localEndpoint"] == nil)
        let udp = try #require(obj["udp"] as? [String: Any])
        #expect(udp["status"] as? String == "open")
        #expect((udp["ports"] as? [String: String])?["53"] == "blocked")
        #expect((obj["doubleNat"] as? [String: Any])?["detected"] as? Bool == false)
        #expect((obj["cloud"] as? [String: Any])?["provider"] as? String == "none")
        #expect((obj["verdict"] as? [String: Any])?["directConnection"] as? String == "likely")
        #expect((obj["ipv6"] as? [String: Any])?.keys.contains("publicEndpoint") == true, "null, not left out")
        for mapping in NATMapping.allCases {
            #expect(["no-nat", "endpoint-independent", "address-dependent", "address-and-port-dependent", "unknown"].contains(mapping.rawValue))
        }
        #expect(ClassicNATType.allCases.map(\.rawValue) == ["Open Internet", "Full Cone", "Restricted Cone", "Port Restricted Cone",
                                                            "Symmetric NAT", "Symmetric UDP Firewall", "Blocked", "Unknown"])
    }

    /// The enums written as the strings the schema lists (docs/report-schema.md).
    @Test func enumsKeepTheirJSONStrings() throws {
        #expect(ServerOutcome.allCases.map(\.rawValue) == ["answered", "timeout", "dns-failure", "no-route", "unreachable",
                                                          "blocked-locally", "error"])
        #expect(PortFailure.allCases.map(\.rawValue) == ["no-route", "icmp-unreachable", "icmp-prohibited", "dns-failure",
                                                        "silent-drop", "blocked-locally", "error", "rate-limited",
                                                        "outside-egress-range"])
        #expect(GatewayProtocol.allCases.map(\.rawValue) == ["upnp", "nat-pmp", "pcp"])
        var r = Report()
        r.nat.servers = [ServerObservation(server: "s", outcome: .dnsFailure)]
        r.udp.failures = [443: .icmpProhibited]
        r.gateway.protocols = [.natPMP]
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        for needle in [#""outcome":"dns-failure""#, #""443":"icmp-prohibited""#, #""protocols":["nat-pmp"]"#] {
            #expect(json.contains(needle), "\(needle)")
        }
        #expect(try JSONDecoder().decode(Report.self, from: Data(json.utf8)) == r)
        let bad = json.replacingOccurrences(of: "icmp-prohibited", with: "icmp-maybe")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Report.self, from: Data(bad.utf8)) }
    }

    @Test func roundTrip() throws {
        let r = Self.report { $0.hairpin = HairpinSection(status: .checked, supported: true, observedSource: "198.51.100.2:4000") }
        let back = try JSONDecoder().decode(Report.self, from: JSONEncoder().encode(r))
        #expect(back == r)
    }
}
