import Testing
@testable import P2PProbes

@Suite struct EgressPlanTests {
    @Test func defaultPlanProbesStunPortsByStunAndExtraPortsOnFirstServer() {
        let plan = EgressPlan.build(stunServers: ["stun.example.net:19302", "stun.example.org", "[2001:db8::1]:3479"])
        #expect(plan.filter { $0.method == .stun } == [
            EgressTarget(port: 19302, host: "stun.example.net", method: .stun),
            EgressTarget(port: 3478, host: "stun.example.org", method: .stun),
            EgressTarget(port: 3479, host: "2001:db8::1", method: .stun),
        ])
        let extra = plan.filter { $0.method == .icmpAware }
        #expect(extra.map(\.port) == [443, 53, 123, 40000, 51820])
        #expect(extra.allSatisfy { $0.host == "stun.example.net" })
    }

    @Test func extraTargetOverridesHostAndPortsAlreadyCoveredByStunAreNotDuplicated() {
        let plan = EgressPlan.build(stunServers: ["192.0.2.10:3478", "192.0.2.10:3478"], extraPorts: [3478, 443, 443],
                                    extraTarget: "192.0.2.10")
        #expect(plan == [EgressTarget(port: 3478, host: "192.0.2.10", method: .stun),
                         EgressTarget(port: 443, host: "192.0.2.10", method: .icmpAware)])
        let other = EgressPlan.build(stunServers: ["192.0.2.10:3478"], extraPorts: [3478], extraTarget: "198.51.100.7:99")
        #expect(other.last == EgressTarget(port: 3478, host: "198.51.100.7", method: .icmpAware))
    }

    @Test func malformedServersAreSkippedAndNoServersMeansNoExtraHost() {
        #expect(EgressPlan.build(stunServers: ["bad:port:x:", "host:0", "[::1"]).isEmpty)
        #expect(EgressPlan.build(stunServers: []).isEmpty)
        #expect(EgressPlan.build(stunServers: [], extraPorts: [443], extraTarget: "192.0.2.1")
            == [EgressTarget(port: 443, host: "192.0.2.1", method: .icmpAware)])
    }

    @Test func hostPortBracketsIPv6() {
        #expect(EgressTarget(port: 443, host: "2001:db8::1", method: .stun).hostPort == "[2001:db8::1]:443")
        #expect(EgressTarget(port: 443, host: "example.net", method: .stun).hostPort == "example.net:443")
    }
}

/// The built-in server list: plain binding servers first (the first one is the egress probe's and
/// the path trace's target), then the RFC 5780 behaviour-test candidates, asked with them at once.
@Suite struct DefaultServerTests {
    @Test func plainServersFirstThenBehaviourCandidates() {
        let d = CheckOptions.defaultServers
        #expect(d.first == "stun.l.google.com:19302")
        #expect(d.suffix(CheckOptions.behaviourCandidates.count) == ArraySlice(CheckOptions.behaviourCandidates))
        #expect(CheckOptions.behaviourCandidates.contains("stun.hot-chilli.net:3478"))
        #expect(Set(d).count == d.count)
    }
}
