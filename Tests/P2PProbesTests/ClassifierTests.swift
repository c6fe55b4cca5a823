import P2PExchange
import P2PProbes
import P2PReport
import STUNCodec
import Testing

/// RFC 5780 classification as a table over observations (no sockets).
@Suite struct ClassifierTests {
    static let server = TransportAddress(IPAddress("203.0.113.10")!, 3478)
    static let other = TransportAddress(IPAddress("203.0.113.11")!, 3479)
    static let local = TransportAddress(IPAddress("192.168.1.2")!, 40000)
    static let pub = TransportAddress(IPAddress("198.51.100.2")!, 40000)
    static let pub2 = TransportAddress(IPAddress("198.51.100.2")!, 51234)
    static let pub3 = TransportAddress(IPAddress("198.51.100.2")!, 51999)

    static func ans(_ mapped: TransportAddress, from: TransportAddress = server, other: TransportAddress? = other,
                    sends: Int = 1) -> TransactionOutcome {
        .answered(.init(mapped: mapped, source: from, other: other, rttMs: 1, sends: sends))
    }

    /// Observations for one server with OTHER-ADDRESS.
    static func obs(local: TransportAddress = local, mapped: TransportAddress = pub,
                    ii: TransactionOutcome = ans(pub), iii: TransactionOutcome = ans(pub),
                    fII: TransactionOutcome, fIII: TransactionOutcome,
                    setup: [TransactionOutcome] = [ans(pub2), ans(pub3)]) -> NATObservations {
        NATObservations(mappingLocal: local, localAddresses: [local.ip, IPAddress("127.0.0.1")!],
                        servers: [ServerProbe(name: "lab", address: server, testI: ans(mapped))],
                        mappingII: ii, mappingIII: iii, filterII: fII, filterIII: fIII, filterSetup: setup)
    }

    static let silent = TransactionOutcome.silent(sends: 12)
    static let fromOther = ans(pub2, from: other)
    static let fromAltPort = ans(pub3, from: TransportAddress(server.ip, 3479))

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var obs: NATObservations
        var mapping: NATMapping
        var filtering: NATFiltering
        var classic: ClassicNATType
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "no NAT, open", obs: obs(local: pub, mapped: pub, fII: fromOther, fIII: fromAltPort),
             mapping: .noNAT, filtering: .endpointIndependent, classic: .openInternet),
        Case(name: "no NAT, stateful firewall", obs: obs(local: pub, mapped: pub, fII: silent, fIII: silent),
             mapping: .noNAT, filtering: .addressAndPortDependent, classic: .symmetricUDPFirewall),
        Case(name: "full cone", obs: obs(fII: fromOther, fIII: fromAltPort),
             mapping: .endpointIndependent, filtering: .endpointIndependent, classic: .fullCone),
        Case(name: "restricted cone", obs: obs(fII: silent, fIII: fromAltPort),
             mapping: .endpointIndependent, filtering: .addressDependent, classic: .restrictedCone),
        Case(name: "port restricted cone", obs: obs(fII: silent, fIII: silent),
             mapping: .endpointIndependent, filtering: .addressAndPortDependent, classic: .portRestrictedCone),
        Case(name: "address-dependent mapping", obs: obs(ii: ans(pub2), iii: ans(pub2), fII: silent, fIII: silent),
             mapping: .addressDependent, filtering: .addressAndPortDependent, classic: .symmetricNAT),
        Case(name: "symmetric", obs: obs(ii: ans(pub2), iii: ans(pub3), fII: silent, fIII: silent),
             mapping: .addressAndPortDependent, filtering: .addressAndPortDependent, classic: .symmetricNAT),
        Case(name: "wrong source is never open filtering",
             obs: obs(fII: .wrongSource(server, sends: 3), fIII: .wrongSource(server, sends: 3)),
             mapping: .endpointIndependent, filtering: .unknown, classic: .unknown),
        Case(name: "silence with heavy loss is inconclusive",
             obs: obs(ii: ans(pub, sends: 4), iii: ans(pub, sends: 5), fII: .silent(sends: 4), fIII: .silent(sends: 4),
                      setup: [ans(pub2, sends: 3), ans(pub3, sends: 4)]),
             mapping: .endpointIndependent, filtering: .unknown, classic: .unknown),
        Case(name: "a single silent send proves nothing", obs: obs(fII: .silent(sends: 1), fIII: .silent(sends: 1)),
             mapping: .endpointIndependent, filtering: .unknown, classic: .unknown),
        Case(name: "dead alternate address: silence proves nothing",
             obs: obs(ii: .silent(sends: 5), iii: .silent(sends: 5), fII: silent, fIII: silent),
             mapping: .unknown, filtering: .unknown, classic: .unknown),
        Case(name: "filtering sockets unanswered", obs: obs(fII: .notRun("no answer"), fIII: .notRun("no answer"),
                                                            setup: [.silent(sends: 5), .silent(sends: 5)]),
             mapping: .endpointIndependent, filtering: .unknown, classic: .unknown),
    ]

    @Test(arguments: cases)
    func classify(_ c: Case) {
        let s = NATClassifier.classify(c.obs)
        #expect(s.mapping == c.mapping)
        #expect(s.filtering == c.filtering)
        #expect(s.classicType == c.classic)
        if c.classic == .unknown {
            #expect(s.status == .inconclusive)
            #expect(s.inconclusiveReason != nil)
        }
        #expect(!s.evidence.isEmpty)
    }

    @Test func noNATIsFoundFromTheRouteSourceAddressNotTheWildcard() {
        // The socket is bound to 0.0.0.0; mappingLocal carries the route's source address.
        let o = Self.obs(local: Self.pub, mapped: Self.pub, fII: Self.fromOther, fIII: Self.fromAltPort)
        #expect(NATClassifier.classify(o).mapping == .noNAT)
        var wildcard = o
        wildcard.mappingLocal = TransportAddress(.v4(0, 0, 0, 0), Self.pub.port)
        wildcard.localAddresses = []
        #expect(NATClassifier.classify(wildcard).mapping != .noNAT, "the 0.0.0.0 comparison is the classic bug")
    }

    @Test func theMappingTestsEndpointsAreKept() {
        let sym = NATClassifier.classify(Self.obs(ii: Self.ans(Self.pub2), iii: Self.ans(Self.pub3),
                                                  fII: Self.silent, fIII: Self.silent))
        #expect(sym.mappedByTest == ["I": "198.51.100.2:40000", "II": "198.51.100.2:51234", "III": "198.51.100.2:51999"])
        let dead = NATClassifier.classify(Self.obs(ii: .silent(sends: 5), iii: .silent(sends: 5),
                                                   fII: Self.silent, fIII: Self.silent))
        #expect(dead.mappedByTest == nil, "no mapping test beyond test I answered")
    }

    @Test func portPreservation() {
        let kept = NATClassifier.classify(Self.obs(fII: Self.silent, fIII: Self.silent))
        #expect(kept.portPreserved == true)
        let changed = NATClassifier.classify(Self.obs(mapped: Self.pub2, ii: Self.ans(Self.pub2), iii: Self.ans(Self.pub2),
                                                      fII: Self.silent, fIII: Self.silent))
        #expect(changed.portPreserved == false)
        #expect(changed.publicEndpoint == "198.51.100.2:51234")
        #expect(changed.localEndpoint == "192.168.1.2:40000")
    }

    @Test func noAnswerAnywhereIsBlocked() {
        let o = NATObservations(servers: [ServerProbe(name: "a", address: Self.server, testI: .silent(sends: 7)),
                                          ServerProbe(name: "b", address: Self.other, testI: .silent(sends: 7))])
        let s = NATClassifier.classify(o)
        #expect(s.classicType == .blocked)
        #expect(s.status == .checked)
    }

    @Test func unresolvableServersAreInconclusiveNotBlocked() {
        let o = NATObservations(servers: [ServerProbe(name: "x.invalid", address: nil, resolveError: "dns-failure: x",
                                                      testI: .notRun("dns"))])
        let s = NATClassifier.classify(o)
        #expect(s.classicType == .unknown)
        #expect(s.status == .inconclusive)
        #expect(s.servers.first?.outcome == .dnsFailure)
    }

    @Test func noRouteIsInconclusiveNotBlocked() {
        let o = NATObservations(servers: [ServerProbe(name: "a", address: Self.server,
                                                      testI: .failed(kind: "no-route", detail: "sendto: Network is unreachable"))])
        let s = NATClassifier.classify(o)
        #expect(s.classicType == .unknown)
        #expect(s.inconclusiveReason?.contains("no route") == true)
        #expect(s.servers.first?.outcome == .noRoute)
    }

    @Test func mappingAcrossServersWithoutOtherAddress() {
        func two(_ m1: TransportAddress, _ m2: TransportAddress, sameIP: Bool = false) -> NATSection {
            let s2 = sameIP ? TransportAddress(Self.server.ip, 3479) : Self.other
            return NATClassifier.classify(NATObservations(
                mappingLocal: Self.local, localAddresses: [Self.local.ip],
                servers: [ServerProbe(name: "a", address: Self.server, testI: Self.ans(m1, other: nil)),
                          ServerProbe(name: "b", address: s2, testI: Self.ans(m2, from: s2, other: nil))]))
        }
        let same = two(Self.pub, Self.pub)
        #expect(same.mapping == .endpointIndependent)
        #expect(same.mappingVariesByDestination == false)
        #expect(same.filtering == .unknown)
        let varies = two(Self.pub, Self.pub2)
        #expect(varies.mappingVariesByDestination == true)
        #expect(varies.mapping == .addressDependent)
        #expect(varies.classicType == .symmetricNAT)
        #expect(two(Self.pub, Self.pub2, sameIP: true).mapping == .addressAndPortDependent)
    }

    @Test func payloadRewritingRouterIsReported() {
        var o = Self.obs(fII: Self.silent, fIII: Self.silent)
        o.servers[0].testI = .answered(.init(mapped: Self.pub, source: Self.server, other: Self.other, payloadRewritten: true))
        #expect(NATClassifier.classify(o).evidence.contains { $0.contains("rewrites addresses inside STUN payloads") })
    }
}
