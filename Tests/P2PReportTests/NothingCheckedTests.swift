import P2PReport
import Testing

/// When the NAT could not be checked at all, the verdict is "unknown", not "possible".
@Suite struct NothingCheckedTests {
    static func dnsFailure() -> Report {
        var r = Report()
        r.nat = NATSection(status: .inconclusive)
        r.nat.inconclusiveReason = "no STUN server could be resolved (DNS failure): the checks could not run"
        r.nat.servers = [ServerObservation(server: "stun.l.google.com:19302", outcome: .dnsFailure)]
        r.udp.status = .unknown
        r.doubleNat = DoubleNATSection(status: .inconclusive)
        r.cloud = CloudSection(status: .checked, provider: .none, natGatewaySuspected: false)
        return r
    }

    @Test func noDNSIsUnknownNotPossible() {
        let v = Verdict.derive(from: Self.dnsFailure())
        #expect(v.directConnection == .unknown)
        #expect(v.codes.first == .natNotChecked, "\(v.codes)")
        let nat = FindingRules.findings(for: .natType, in: Self.dnsFailure())
        #expect(nat.map(\.code) == [.natNotChecked] && nat.first?.parameters["cause"] == "dns-failure")
    }

    @Test func provenBlockedStaysUnlikely() {
        var r = Self.dnsFailure()
        r.nat.status = .checked
        r.nat.classicType = .blocked
        #expect(Verdict.derive(from: r).directConnection == .unlikely)
        #expect(Verdict.derive(from: r).codes == [.stunNoAnswer])
    }

    @Test func checkedButInconclusiveNATStaysPossible() {
        var r = Self.dnsFailure()
        r.nat.publicEndpoint = "198.51.100.2:40000"
        r.nat.inconclusiveReason = "the only answering server does not support behaviour tests"
        #expect(Verdict.derive(from: r).directConnection == .possible)
        #expect(Verdict.derive(from: r).codes == [.natInconclusive])
    }

    @Test func unknownCodesAsJSONString() throws {
        #expect(DirectConnection.unknown.rawValue == "unknown")
    }
}
