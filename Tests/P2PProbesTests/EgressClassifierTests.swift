import Testing
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec
@testable import P2PProbes

@Suite struct EgressClassifierTests {
    let server = TransportAddress(.v4(192, 0, 2, 10), 3478)
    func obs(_ port: UInt16, _ method: EgressMethod, _ outcome: EgressOutcome, ip: IPAddress = .v4(192, 0, 2, 10)) -> EgressObservation {
        EgressObservation(target: EgressTarget(port: port, host: "\(ip)", method: method), address: TransportAddress(ip, port), outcome: outcome)
    }
    func icmp(_ type: UInt8, _ code: UInt8, from: IPAddress?) -> EgressOutcome {
        .icmp(ICMPErrorReport(errno: 111, origin: ICMPErrorReport.originICMP, type: type, code: code, offender: from, info: 0))
    }
    let answer = EgressOutcome.stunAnswer(mapped: TransportAddress(.v4(203, 0, 113, 5), 40001), rttMs: 3)

    @Test func everyPortReachedIsOpen() {
        let s = EgressClassifier.classify([
            obs(3478, .stun, answer),
            obs(443, .icmpAware, icmp(3, 3, from: .v4(192, 0, 2, 10))),
            obs(53, .icmpAware, .refused),
            obs(123, .icmpAware, .otherReply(bytes: 48)),
        ])
        #expect(s.status == .open)
        #expect(s.ports == [3478: .reached, 443: .reached, 53: .reached, 123: .reached])
        #expect(s.failures.isEmpty)
    }

    @Test func eachFailureKindIsNamed() {
        let s = EgressClassifier.classify([
            obs(3478, .stun, answer),
            obs(443, .icmpAware, icmp(3, 13, from: .v4(198, 51, 100, 1))),
            obs(53, .icmpAware, icmp(3, 1, from: .v4(198, 51, 100, 1))),
            obs(123, .icmpAware, icmp(3, 3, from: .v4(198, 51, 100, 1))),  // port unreachable from a middlebox
            obs(40000, .icmpAware, .blockedLocally("send: EPERM")),
            obs(51820, .icmpAware, .noRoute("connect: ENETUNREACH")),
            obs(3479, .stun, .silent(sends: NATClassifier.blockedMinSends)),
            obs(19302, .stun, .dnsFailure("dns-failure: x")),
            obs(1000, .icmpAware, .silent(sends: 4)),
        ])
        #expect(s.status == .partial)
        #expect(s.failures == [443: .icmpProhibited, 53: .icmpUnreachable, 123: .icmpUnreachable,
                               40000: .blockedLocally, 51820: .noRoute, 3479: .silentDrop,
                               19302: .dnsFailure, 1000: .silentDrop])
        #expect(s.ports[3479] == .blocked)
        #expect(s.ports[19302] == .unknown)
        #expect(s.ports[1000] == .unknown, "silence from an ICMP-aware target proves nothing")
        #expect(s.evidence.first?.contains("blocked: 53 (icmp-unreachable), 123 (icmp-unreachable)") == true)
    }

    @Test func silentStunWithNothingReachedIsBlocked() {
        let s = EgressClassifier.classify([
            obs(3478, .stun, .silent(sends: NATClassifier.blockedMinSends)),
            obs(443, .icmpAware, .silent(sends: 4)),
        ])
        #expect(s.status == .blocked)
    }

    @Test func onlySilentIcmpAwareOrDnsFailuresIsUnknown() {
        #expect(EgressClassifier.classify([obs(443, .icmpAware, .silent(sends: 4))]).status == .unknown)
        #expect(EgressClassifier.classify([obs(3478, .stun, .dnsFailure("no"))]).status == .unknown)
        #expect(EgressClassifier.classify([]).status == .unknown)
        // Reached STUN plus unproven extra ports: not "every port", so not open.
        #expect(EgressClassifier.classify([obs(3478, .stun, answer), obs(443, .icmpAware, .silent(sends: 4))]).status == .unknown)
    }

    @Test func aPortIsReachedIfAnyTargetOnItWas() {
        let s = EgressClassifier.classify([
            obs(3478, .stun, .silent(sends: 6), ip: .v4(192, 0, 2, 20)),
            obs(3478, .stun, answer),
        ])
        #expect(s.ports == [3478: .reached])
        #expect(s.status == .open)
    }

    /// Every type has its name, a type named for all its codes matches any code, and an unknown
    /// code or a local report keeps the bare numbers.
    @Test func icmpNamesByOriginTypeAndCode() {
        func name(_ origin: UInt8, _ type: UInt8, _ code: UInt8) -> String {
            EgressClassifier.icmpName(ICMPErrorReport(errno: 0, origin: origin, type: type, code: code, offender: nil, info: 0))
        }
        let v4 = ICMPErrorReport.originICMP, v6 = ICMPErrorReport.originICMP6
        #expect(name(v4, 3, 3) == "type 3 code 3 (port unreachable)")
        #expect(name(v4, 3, 13) == "type 3 code 13 (communication administratively prohibited)")
        #expect(name(v4, 11, 1) == "type 11 code 1 (time exceeded)")
        #expect(name(v4, 3, 7) == "type 3 code 7")
        #expect(name(v6, 1, 4) == "v6 type 1 code 4 (port unreachable)")
        #expect(name(v6, 2, 0) == "v6 type 2 code 0 (packet too big)")
        #expect(name(v6, 3, 1) == "v6 type 3 code 1 (time exceeded)")
        #expect(name(1, 3, 3) == "type 3 code 3")
    }

    @Test func ipv6ProhibitedCodesAndNames() {
        let r = ICMPErrorReport(errno: 13, origin: ICMPErrorReport.originICMP6, type: 1, code: 1, offender: nil, info: 0)
        #expect(EgressClassifier.isProhibited(r))
        #expect(EgressClassifier.icmpName(r) == "v6 type 1 code 1 (administratively prohibited)")
        let local = ICMPErrorReport(errno: 113, origin: 1, type: 0, code: 0, offender: nil, info: 0)
        #expect(EgressClassifier.judge(obs(443, .icmpAware, .icmp(local))).failure == .noRoute)
    }

    @Test func firewallRulesAreQuotedAsEvidence() {
        let s = EgressClassifier.classify([obs(3478, .stun, answer)],
                                          firewall: FirewallEvidence(rules: ["nft: table inet f chain out: udp dport 53 drop"], notes: ["n"]))
        #expect(s.firewallRules == ["nft: table inet f chain out: udp dport 53 drop"])
        #expect(s.evidence.contains("local firewall rule: nft: table inet f chain out: udp dport 53 drop"))
    }
}
