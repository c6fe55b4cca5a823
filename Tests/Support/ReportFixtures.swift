// Fixed reports for the golden files: together they give every step every status
// (pass, warning, fail, not-checked); `FixtureCoverageTests` checks that coverage.
import P2PReport

public enum ReportFixtures {
    public static func run(_ role: Role, host: String) -> RunInfo {
        RunInfo(toolVersion: "0.1.0", startedAt: "2026-11-30T06:00:00Z", durationMs: 4230,
                hostname: host, os: "Linux 6.1.0-18-amd64 x86_64", role: role,
                stunServers: ["stun.example.net:3478", "198.51.100.7:3478"])
    }

    public static func finish(_ r: Report) -> Report {
        var r = r
        r.verdict = Verdict.derive(from: r)
        return r
    }

    /// Home router, full cone, everything passes.
    public static var homeAllPass: Report {
        finish(Report(
            run: run(.client, host: "laptop-anna"),
            nat: NATSection(status: .checked, mapping: .endpointIndependent, filtering: .endpointIndependent,
                            classicType: .fullCone, publicEndpoint: "203.0.113.5:40000",
                            localEndpoint: "192.168.1.23:40000", portPreserved: true,
                            mappingVariesByDestination: false,
                            evidence: ["test I: 198.51.100.7:3478 saw 203.0.113.5:40000",
                                       "test II: 198.51.100.8:3478 saw 203.0.113.5:40000 (same: endpoint-independent)",
                                       "filtering test II answered from 198.51.100.8:3479: endpoint-independent"],
                            servers: [ServerObservation(server: "198.51.100.7:3478", address: "198.51.100.7:3478",
                                                        outcome: .answered, rttMs: 12.4,
                                                        mappedEndpoint: "203.0.113.5:40000",
                                                        otherAddress: "198.51.100.8:3479",
                                                        supportsBehaviorTests: true, detail: "p2ptui 0.1.0"),
                                      ServerObservation(server: "stun.example.net:3478", address: "192.0.2.10:3478",
                                                        outcome: .answered, rttMs: 20,
                                                        mappedEndpoint: "203.0.113.5:40000")]),
            udp: UDPSection(status: .open, ports: [53: .reached, 443: .reached, 3478: .reached,
                                                   51820: .reached],
                            evidence: ["4 of 4 ports answered"]),
            quic: QUICSection(status: .open, server: "192.0.2.10:443",
                              evidence: ["Version Negotiation echoed our connection IDs"]),
            doubleNat: DoubleNATSection(status: .checked, detected: false,
                                        evidence: ["gateway external address equals the STUN public address"],
                                        hops: hops("1 192.168.1.1", "2 203.0.113.1", "3 198.51.100.1")),
            gateway: GatewaySection(address: "192.168.1.1", externalAddress: "203.0.113.5",
                                    protocols: [.natPMP, .upnp], evidence: []),
            hairpin: HairpinSection(status: .checked, supported: true, observedSource: "203.0.113.5:40001",
                                    evidence: ["socket B reached socket A through 203.0.113.5:40000"]),
            cloud: CloudSection(status: .checked, provider: .none, evidence: ["DMI sys_vendor: LENOVO"]),
            ipv6: IPv6Section(status: .works, globalAddress: "2001:db8:1::23",
                              publicEndpoint: "[2001:db8:1::23]:40000",
                              evidence: ["STUN over IPv6 answered from [2001:db8::7]:3478"])))
    }

    /// Office behind CGNAT on an AWS-like cloud VM: failures everywhere.
    public static var cloudAllFail: Report {
        finish(Report(
            run: run(.connector, host: "connector-eu-1"),
            nat: NATSection(status: .checked, mapping: .addressAndPortDependent,
                            filtering: .addressAndPortDependent, classicType: .symmetricNAT,
                            publicEndpoint: "203.0.113.77:61002", localEndpoint: "10.0.12.5:50000",
                            portPreserved: false, mappingVariesByDestination: true,
                            evidence: ["test I: 198.51.100.7:3478 saw 203.0.113.77:61002",
                                       "test II: 198.51.100.8:3478 saw 203.0.113.77:17044 (different)",
                                       "test III: 198.51.100.8:3479 saw 203.0.113.77:33210 (different)"],
                            servers: [ServerObservation(server: "198.51.100.7:3478", address: "198.51.100.7:3478",
                                                        outcome: .answered, rttMs: 31.05,
                                                        mappedEndpoint: "203.0.113.77:61002",
                                                        otherAddress: "198.51.100.8:3479",
                                                        supportsBehaviorTests: true),
                                      ServerObservation(server: "stun.example.net:3478", outcome: .dnsFailure,
                                                        detail: "name did not resolve")],
                            ignoredResponses: 2),
            udp: UDPSection(status: .partial,
                            ports: [53: .reached, 443: .blocked, 3478: .reached, 51820: .blocked],
                            failures: [443: .icmpProhibited, 51820: .silentDrop],
                            firewallRules: ["ip filter OUTPUT udp dport 51820 drop"],
                            evidence: ["2 of 4 ports answered"]),
            quic: QUICSection(status: .notProven, server: "192.0.2.10:443", evidence: ["no reply in 3 tries"]),
            doubleNat: DoubleNATSection(status: .checked, detected: true,
                                        evidence: ["hop 2 is in shared address space 100.64.0.0/10 (CGNAT)",
                                                   "gateway reports 100.72.1.9, STUN saw 203.0.113.77"],
                                        hops: hops("1 10.0.12.1", "2 100.72.0.1", "3 *", "4 203.0.113.254")),
            gateway: GatewaySection(address: "10.0.12.1", externalAddress: "100.72.1.9", protocols: [.pcp],
                                    evidence: ["PCP ANNOUNCE result 12 ADDRESS_MISMATCH"]),
            hairpin: HairpinSection(status: .checked, supported: false,
                                    evidence: ["no packet came back to 203.0.113.77:61002 within 2 s"]),
            cloud: CloudSection(status: .checked, provider: .aws, publicAddress: nil, natGatewaySuspected: true,
                                evidence: ["DMI sys_vendor: Amazon EC2", "IMDSv2: meta-data/public-ipv4 is 404"]),
            ipv6: IPv6Section(status: .noGlobalAddress)))
    }

    /// Lossy network, one-IP STUN server: nothing could be decided.
    public static var inconclusiveAllWarn: Report {
        finish(Report(
            run: run(.client, host: "desk-42"),
            nat: NATSection(status: .inconclusive, mapping: .unknown, filtering: .unknown, classicType: .unknown,
                            publicEndpoint: "198.51.100.200:3478", localEndpoint: "172.20.4.9:3478",
                            portPreserved: true,
                            inconclusiveReason: "the server has no second address (no OTHER-ADDRESS)",
                            evidence: ["test I: answered after 2 retransmissions"],
                            servers: [ServerObservation(server: "stun.example.net:3478", address: "192.0.2.10:3478",
                                                        outcome: .answered, rttMs: 150.25,
                                                        mappedEndpoint: "198.51.100.200:3478",
                                                        supportsBehaviorTests: false,
                                                        detail: "SOFTWARE \u{1B}[31mevil\u{1B}[0m\tserver")]),
            udp: UDPSection(status: .unknown, ports: [53: .unknown, 3478: .reached],
                            evidence: ["no server listened on port 53"]),
            quic: QUICSection(status: .notProven, server: "192.0.2.10:443"),
            doubleNat: DoubleNATSection(status: .inconclusive, detected: nil,
                                        evidence: ["no gateway protocol answered", "all hops after 1 were silent"],
                                        hops: hops("1 172.20.0.1", "2 *", "3 *")),
            gateway: GatewaySection(address: "172.20.0.1"),
            hairpin: HairpinSection(status: .inconclusive, supported: nil,
                                    evidence: ["socket B could not open a mapping first"]),
            cloud: CloudSection(status: .inconclusive, provider: .gcp, natGatewaySuspected: nil,
                                evidence: ["DMI product_name: Google Compute Engine",
                                           "metadata: no access config on nic0"]),
            ipv6: IPv6Section(status: .blocked, globalAddress: "2001:db8:42::9")))
    }

    /// Nothing was run: every step is "not checked".
    public static var nothingChecked: Report {
        finish(Report(run: RunInfo(toolVersion: "0.1.0", startedAt: "2026-11-30T06:00:00Z", durationMs: 0,
                                   hostname: "", os: "Linux 6.1.0 x86_64", role: .unknown, stunServers: [])))
    }

    /// UDP blocked outright (no STUN answered).
    public static var udpBlocked: Report {
        finish(Report(
            run: run(.client, host: "hotel-wifi"),
            nat: NATSection(status: .checked, mapping: .unknown, classicType: .blocked, localEndpoint: "10.9.8.7:52000",
                            evidence: ["test I: no answer from 198.51.100.7:3478 after 7 tries"],
                            servers: [ServerObservation(server: "198.51.100.7:3478", address: "198.51.100.7:3478",
                                                        outcome: .timeout)]),
            udp: UDPSection(status: .blocked, ports: [53: .blocked, 443: .blocked, 3478: .blocked],
                            failures: [53: .silentDrop, 443: .silentDrop, 3478: .silentDrop]),
            quic: QUICSection(status: .notProven, server: "192.0.2.10:443"),
            hairpin: HairpinSection(status: .notChecked),
            cloud: CloudSection(status: .checked, provider: .none)))
    }

    /// A cloud VM with its own public address (Open Internet): cloud and NAT pass, hairpin not run.
    public static var cloudPublicIP: Report {
        finish(Report(
            run: run(.connector, host: "connector-gcp"),
            nat: NATSection(status: .checked, mapping: .noNAT, filtering: .endpointIndependent,
                            classicType: .openInternet, publicEndpoint: "192.0.2.44:45000",
                            localEndpoint: "192.0.2.44:45000", portPreserved: true,
                            mappingVariesByDestination: false),
            udp: UDPSection(status: .notChecked),
            quic: QUICSection(status: .notChecked),
            doubleNat: DoubleNATSection(status: .checked, detected: false, evidence: ["no NAT at all"]),
            cloud: CloudSection(status: .checked, provider: .gcp, publicAddress: "192.0.2.44",
                                natGatewaySuspected: false),
            ipv6: IPv6Section(status: .works, globalAddress: "2001:db8:99::1",
                              publicEndpoint: "[2001:db8:99::1]:45000")))
    }

    /// No DNS, default servers: the NAT could not be checked at all, verdict "unknown".
    public static var noDNS: Report {
        finish(Report(
            run: run(.client, host: "no-dns"),
            nat: NATSection(status: .inconclusive, mapping: .unknown, classicType: .unknown,
                            inconclusiveReason: "no STUN server could be resolved (DNS failure): the checks could not run",
                            servers: [ServerObservation(server: "stun.l.google.com:19302", outcome: .dnsFailure,
                                                        detail: "dns-failure: no answer before the deadline"),
                                      ServerObservation(server: "stun.cloudflare.com:3478", outcome: .dnsFailure,
                                                        detail: "dns-failure: no answer before the deadline")]),
            udp: UDPSection(status: .unknown, ports: [19302: .unknown, 3478: .unknown],
                            failures: [19302: .dnsFailure, 3478: .dnsFailure]),
            quic: QUICSection(status: .notProven, server: "www.google.com:443"),
            doubleNat: DoubleNATSection(status: .inconclusive, detected: nil, evidence: ["no STUN server resolved"]),
            hairpin: HairpinSection(status: .inconclusive, evidence: ["hairpin test could not run: no STUN server resolved"]),
            cloud: CloudSection(status: .checked, provider: .none)))
    }

    /// Home router with a symmetric NAT whose make its UPnP description does not name: the
    /// generic fix, and how to name the device for its exact setting.
    public static var homeSymmetric: Report {
        var r = homeAllPass
        r.run = run(.client, host: "laptop-ben")
        r.nat.mapping = .addressAndPortDependent
        r.nat.filtering = .addressAndPortDependent
        r.nat.classicType = .symmetricNAT
        r.nat.publicEndpoint = "203.0.113.5:51234"
        r.nat.portPreserved = false
        r.nat.mappingVariesByDestination = true
        r.nat.evidence = ["test I: 198.51.100.7:3478 saw 203.0.113.5:51234",
                          "test II: 198.51.100.8:3478 saw 203.0.113.5:51877 (changed: endpoint-dependent)"]
        r.nat.servers[0].mappedEndpoint = "203.0.113.5:51234"
        r.nat.servers[1].mappedEndpoint = "203.0.113.5:52011"
        r.natDevice = NATDeviceInfo(name: nil, how: .unknown, evidence: ["UPnP description: \"Linksys\" \"EA7500\""])
        return finish(r)
    }

    public static let all: [(name: String, report: Report)] = [
        ("home-symmetric", homeSymmetric),
        ("home-all-pass", homeAllPass),
        ("cloud-all-fail", cloudAllFail),
        ("inconclusive-all-warn", inconclusiveAllWarn),
        ("nothing-checked", nothingChecked),
        ("udp-blocked", udpBlocked),
        ("cloud-public-ip", cloudPublicIP),
        ("no-dns", noDNS),
    ]
}

extension ReportFixtures {
    /// Hops from the text the report writes ("1 10.0.0.1", "2 *"); traps on a malformed one, a
    /// mistake in the fixture itself.
    public static func hops(_ texts: String...) -> [PathHop] {
        texts.map { text in
            guard let hop = PathHop(text) else { preconditionFailure("not a hop: \(text)") }
            return hop
        }
    }
}
