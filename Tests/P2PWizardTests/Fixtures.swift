import P2PReport
import P2PTestSupport
@testable import P2PWizard

/// Fixed reports for goldens: a home NAT that works, and a symmetric cloud NAT that does not.
enum Fixtures {
    static func config(ascii: Bool = false, hairpin: Bool = true) -> WizardConfig {
        WizardConfig(role: .client, hairpinAllowed: hairpin, ascii: ascii,
                     defaultSummaryPath: "./p2ptui-summary-testhost-20260101-1200.txt")
    }

    static var goodReport: Report {
        var r = Report()
        r.run = RunInfo(toolVersion: "0.1.0", startedAt: "2026-01-01T12:00:00Z", durationMs: 2100,
                        hostname: "testhost", os: "Linux", role: .client, stunServers: ["192.0.2.1:3478"])
        r.udp = UDPSection(status: .open, ports: [53: .reached, 443: .reached, 3478: .reached],
                           evidence: ["UDP to 192.0.2.1 ports 53, 443, 3478 answered."])
        r.quic = QUICSection(status: .open, server: "192.0.2.1:443", evidence: ["Version Negotiation received."])
        r.nat = NATSection(status: .checked, mapping: .endpointIndependent, filtering: .addressAndPortDependent,
                           classicType: .portRestrictedCone, publicEndpoint: "203.0.113.5:40000",
                           localEndpoint: "10.0.0.2:40000", portPreserved: true, mappingVariesByDestination: false,
                           servers: [ServerObservation(server: "192.0.2.1:3478", outcome: .answered,
                                                       mappedEndpoint: "203.0.113.5:40000")])
        r.doubleNat = DoubleNATSection(status: .checked, detected: false, hops: ReportFixtures.hops("1 10.0.0.1", "2 203.0.113.1"))
        r.gateway = GatewaySection(address: "10.0.0.1", externalAddress: "203.0.113.5", protocols: [.natPMP])
        r.hairpin = HairpinSection(status: .checked, supported: true, observedSource: "203.0.113.5:40001")
        r.cloud = CloudSection(status: .checked, provider: .none)
        r.ipv6 = IPv6Section(status: .noGlobalAddress)
        r.verdict = Verdict.derive(from: r)
        return r
    }

    static var badReport: Report {
        var r = goodReport
        r.udp = UDPSection(status: .partial, ports: [53: .reached, 443: .blocked, 3478: .reached],
                           failures: [443: .icmpProhibited])
        r.quic = QUICSection(status: .notProven, server: "192.0.2.1:443")
        r.nat = NATSection(status: .checked, mapping: .addressAndPortDependent, filtering: .addressAndPortDependent,
                           classicType: .symmetricNAT, publicEndpoint: "198.51.100.7:61001",
                           localEndpoint: "172.31.0.5:40000", portPreserved: false, mappingVariesByDestination: true)
        r.doubleNat = DoubleNATSection(status: .checked, detected: true, evidence: ["Gateway reports 100.64.1.2."],
                                       hops: ReportFixtures.hops("1 172.31.0.1", "2 100.64.0.1"))
        r.gateway = GatewaySection(address: "172.31.0.1", externalAddress: "100.64.1.2", protocols: [.upnp])
        r.hairpin = HairpinSection(status: .checked, supported: false)
        r.cloud = CloudSection(status: .checked, provider: .aws, publicAddress: nil, natGatewaySuspected: true)
        r.verdict = Verdict.derive(from: r)
        return r
    }

    /// A model whose probes all finished with `report`, at a fixed clock.
    static func finished(_ report: Report, cols: Int = 80, rows: Int = 24, ascii: Bool = false) -> WizardModel {
        var m = WizardModel(config: config(ascii: ascii), cols: cols, rows: rows)
        _ = start(&m)
        _ = update(&m, .tick(nowMs: 1500))
        m.hairpinConsent = .granted
        m.probes[.hairpin] = .running(startedAtMs: 1000, detail: nil)
        _ = update(&m, .runFinished(probes: ProbeID.allCases, report: report))
        return m
    }
}

func press(_ m: inout WizardModel, _ keys: Key...) -> [WizardEffect] {
    keys.flatMap { update(&m, .key($0)) }
}

func type(_ m: inout WizardModel, _ text: String) {
    for c in text { _ = update(&m, .key(.char(c))) }
}

/// The step screens by the names the tests use.
extension Screen {
    static let firewall = Screen.step(.firewall)
    static let natType = Screen.step(.natType)
    static let doubleNat = Screen.step(.doubleNat)
    static let hairpin = Screen.step(.hairpin)
    static let cloudNat = Screen.step(.cloudNat)
}
