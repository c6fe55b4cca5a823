import Foundation
import P2PReport
import Testing

/// `FindingRules` as a table: which codes each step decides from which facts, and how they weigh.
@Suite struct FindingRulesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var step: Step
        var report: Report
        /// The step's findings' codes, in order.
        var codes: [FindingCode]
        /// The step's status (its heading finding's).
        var status: StepStatus
        var testDescription: String { name }

        init(_ name: String, _ step: Step, _ codes: [FindingCode], _ status: StepStatus, _ edit: (inout Report) -> Void) {
            self.name = name
            self.step = step
            self.codes = codes
            self.status = status
            report = VerdictTests.report(edit)
        }
    }

    static let cases: [Case] = [
        Case("UDP open", .firewall, [.udpOpen], .pass) { _ in },
        Case("UDP partial", .firewall, [.udpPartial], .fail) { $0.udp.status = .partial },
        Case("UDP blocked", .firewall, [.udpBlocked], .fail) { $0.udp.status = .blocked },
        Case("UDP unknown, STUN answered", .firewall, [.udpStunOnly], .warning) { $0.udp.status = .unknown },
        Case("UDP unknown, no STUN answer", .firewall, [.udpUnproven], .warning) {
            $0.udp.status = .unknown; $0.nat.publicEndpoint = nil
        },
        Case("egress not run, STUN blocked", .firewall, [.udpNoStunAnswer], .fail) {
            $0.udp.status = .notChecked; $0.nat.classicType = .blocked
        },
        Case("egress not run, STUN answered", .firewall, [.udpStunReached], .pass) { $0.udp.status = .notChecked },
        Case("egress not run", .firewall, [.udpNotChecked], .notChecked) {
            $0.udp.status = .notChecked; $0.nat.publicEndpoint = nil
        },
        Case("QUIC filtered heads a passing UDP", .firewall, [.udpOpen, .quicFiltered], .fail) { $0.quic.status = .filtered },
        Case("QUIC not proven never heads", .firewall, [.udpOpen, .quicNotProven], .pass) { $0.quic.status = .notProven },
        Case("no NAT", .natType, [.noNat], .pass) { $0.nat.mapping = .noNAT; $0.nat.classicType = .openInternet },
        Case("EIM", .natType, [.mappingEndpointIndependent], .pass) { _ in },
        Case("address-dependent mapping", .natType, [.mappingEndpointDependent], .fail) { $0.nat.mapping = .addressDependent },
        Case("STUN blocked", .natType, [.stunNoAnswer], .fail) { $0.nat.mapping = .unknown; $0.nat.classicType = .blocked },
        Case("NAT inconclusive", .natType, [.natInconclusive], .warning) { $0.nat.mapping = .unknown; $0.nat.status = .inconclusive },
        Case("NAT unchecked", .natType, [.natNotChecked], .warning) {
            $0.nat = NATSection(status: .inconclusive)
        },
        Case("NAT test not run", .natType, [.natNotChecked], .notChecked) { $0.nat = NATSection() },
        Case("double NAT", .doubleNat, [.doubleNat], .fail) { $0.doubleNat.detected = true },
        Case("single NAT", .doubleNat, [.singleNat], .pass) { _ in },
        Case("double NAT undecided", .doubleNat, [.doubleNatUndecided], .warning) { $0.doubleNat.detected = nil },
        Case("double NAT not run", .doubleNat, [.doubleNatNotChecked], .notChecked) { $0.doubleNat = DoubleNATSection() },
        Case("hairpin", .hairpin, [.hairpin], .pass) { $0.hairpin = HairpinSection(status: .checked, supported: true) },
        Case("hairpin not needed", .hairpin, [.hairpinNotNeeded], .pass) {
            $0.hairpin = HairpinSection(status: .checked, supported: true); $0.nat.mapping = .noNAT
        },
        Case("no hairpin", .hairpin, [.noHairpin], .warning) { $0.hairpin = HairpinSection(status: .checked, supported: false) },
        Case("hairpin undecided", .hairpin, [.hairpinUndecided], .warning) { $0.hairpin = HairpinSection(status: .checked) },
        Case("hairpin not run", .hairpin, [.hairpinNotChecked], .notChecked) { _ in },
        Case("not a cloud VM", .cloudNat, [.notCloud], .pass) { _ in },
        Case("cloud NAT gateway", .cloudNat, [.cloudNatGateway], .fail) {
            $0.cloud = CloudSection(status: .checked, provider: .gcp, natGatewaySuspected: true)
        },
        Case("cloud VM with a public address", .cloudNat, [.cloudNoNatGateway], .pass) {
            $0.cloud = CloudSection(status: .checked, provider: .aws, publicAddress: "203.0.113.9", natGatewaySuspected: false)
        },
        Case("cloud undecided", .cloudNat, [.cloudNatUndecided], .warning) { $0.cloud = CloudSection(status: .checked, provider: .azure) },
        Case("cloud metadata silent", .cloudNat, [.cloudMetadataSilent], .warning) {
            $0.cloud = CloudSection(status: .checked, provider: .aws,
                                    evidence: [CloudSection.metadataSilence(dmiName: "Amazon EC2", seconds: 2)])
        },
        Case("cloud not run", .cloudNat, [.cloudNotChecked], .notChecked) { $0.cloud = CloudSection() },
    ]

    @Test(arguments: cases)
    func decides(_ c: Case) {
        let found = FindingRules.findings(for: c.step, in: c.report)
        #expect(found.map(\.code) == c.codes)
        #expect(found.allSatisfy { $0.step == c.step })
        #expect(c.report.assess(c.step).status == c.status)
        #expect(c.report.assess(c.step).code == FindingRules.headline(found).code)
    }

    @Test func parametersCarryTheValuesBehindAFinding() {
        let partial = VerdictTests.report { $0.udp.status = .partial; $0.udp.ports = [7000: .blocked, 123: .blocked, 443: .reached] }
        #expect(FindingRules.findings(for: .firewall, in: partial).first?.parameters == ["ports": "123,7000"])
        let cloud = VerdictTests.report { $0.cloud = CloudSection(status: .checked, provider: .gcp, natGatewaySuspected: true) }
        #expect(FindingRules.findings(for: .cloudNat, in: cloud).first?.parameters == ["provider": "gcp"])
        let quic = VerdictTests.report { $0.quic.status = .filtered; $0.quic.server = "203.0.113.1:8443" }
        #expect(FindingRules.findings(for: .firewall, in: quic).last?.parameters == ["port": "8443"])
    }

    /// A UDP block the firewall step already weighs is not counted again by the NAT step.
    @Test func aBlockedUDPCountsOnce() {
        let r = VerdictTests.report { $0.udp.status = .blocked; $0.nat = NATSection(status: .checked, classicType: .blocked) }
        let nat = FindingRules.findings(for: .natType, in: r)
        #expect(nat.map(\.code) == [.stunNoAnswer] && nat.first?.weight == nil)
        #expect(Verdict.derive(from: r).codes == [.udpBlocked])
    }

    @Test func everyCodeIsDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/report-schema.md"), encoding: .utf8)
        for code in FindingCode.allCases { #expect(doc.contains("`\(code.rawValue)`"), "\(code.rawValue)") }
        for code in PunchCode.allCases { #expect(doc.contains("`\(code.rawValue)`"), "\(code.rawValue)") }
    }

    @Test func findingsRoundTripAsJSON() throws {
        let f = ReportFinding(.udpPartial, .firewall, .fail, weight: .possible, blocking: true, parameters: ["ports": "53"])
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(f)) as? [String: Any])
        #expect(Set(json.keys) == ["code", "step", "status", "blocking", "weight", "parameters", "fixes"])
        #expect(json["code"] as? String == "udp-partial" && json["weight"] as? String == "possible")
        #expect(try JSONDecoder().decode(ReportFinding.self, from: JSONEncoder().encode(f)) == f)
        let none = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ReportFinding(.udpOpen, .firewall, .pass))) as? [String: Any]
        #expect(none?["weight"] is NSNull)
    }
}
