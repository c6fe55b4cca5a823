import Foundation
import P2PReport
import P2PSocket
import STUNCodec
import Testing
import P2PTestSupport
@testable import P2PProbes

/// Fake metadata services that answer like each cloud's (paths, marker headers, status codes as
/// documented), on loopback. The probe is pointed at them with an explicit endpoint.
enum FakeCloud {
    static func aws(publicIP: String?) -> FakeHTTPServer.Handler {
        { req in
            let ec2 = [("Server", "EC2ws")]
            if req.method == "PUT", req.path == "/latest/api/token" {
                guard req.headers["x-aws-ec2-metadata-token-ttl-seconds"] != nil else { return (400, ec2, "") }
                return (200, ec2, "AQAEAFAKETOKEN==")
            }
            guard req.headers["x-aws-ec2-metadata-token"] == "AQAEAFAKETOKEN==" else { return (401, ec2, "") }
            switch req.path {
            case "/latest/meta-data/public-ipv4":
                return publicIP.map { (200, ec2, $0) } ?? (404, ec2, "")
            case "/latest/meta-data/mac": return (200, ec2, "0e:1f:2a:3b:4c:5d")
            case "/latest/meta-data/network/interfaces/macs/0e:1f:2a:3b:4c:5d/public-ipv4s":
                return publicIP.map { (200, ec2, $0) } ?? (404, ec2, "")
            case "/latest/meta-data/network/interfaces/macs/0e:1f:2a:3b:4c:5d/subnet-id": return (200, ec2, "subnet-0abc")
            case "/latest/meta-data/network/interfaces/macs/0e:1f:2a:3b:4c:5d/vpc-id": return (200, ec2, "vpc-0def")
            default: return (404, ec2, "")
            }
        }
    }

    static func gcp(publicIP: String?) -> FakeHTTPServer.Handler {
        { req in
            let g = [("Metadata-Flavor", "Google")]
            guard req.headers["metadata-flavor"] == "Google" else { return (403, g, "") }
            if req.path == "/computeMetadata/v1/instance/network-interfaces/0/access-configs/0/external-ip" {
                return publicIP.map { (200, g, $0) } ?? (404, g, "")
            }
            return (404, g, "")
        }
    }

    static func azure(publicIP: String) -> FakeHTTPServer.Handler {
        { req in
            guard req.headers["metadata"] == "true" else { return (400, [], "{\"error\":\"Bad request\"}") }
            guard req.path.hasPrefix("/metadata/instance?api-version=") else { return (404, [], "") }
            return (200, [("Content-Type", "application/json; charset=utf-8")], """
            {"compute":{"location":"westeurope","vmSize":"Standard_B1s","name":"vm1"},
             "network":{"interface":[{"ipv4":{"ipAddress":[{"privateIpAddress":"10.0.0.4","publicIpAddress":"\(publicIP)"}],
             "subnet":[{"address":"10.0.0.0","prefix":"24"}]},"macAddress":"000D3A000001"}]}}
            """)
        }
    }
}

@Suite("Cloud")
struct CloudTests {
    // MARK: DMI

    @Test(arguments: [("aws", "aws"), ("gcp", "gcp"), ("azure", "azure"), ("hyperv", "maybeAzure"),
                      ("laptop", "none"), ("qemu", "none"), ("oracle", "other"), ("missing", "noDMI")])
    func dmiFixtures(_ dir: String, _ expected: String) {
        let v = DMIVerdict.classify(DMIInfo.read(root: Fixtures.path("dmi/\(dir)")))
        let got: String
        switch v {
        case .cloud(let p, _): got = p.rawValue
        case .maybeAzure: got = "maybeAzure"
        case .otherCloud: got = "other"
        case .notCloud: got = "none"
        case .noDMI: got = "noDMI"
        }
        #expect(got == expected, "\(dir): \(v)")
    }

    @Test func xenBasedEC2() {
        #expect(DMIVerdict.classify(DMIInfo(sysVendor: "Xen", biosVendor: "Xen", biosVersion: "4.11.amazon", productName: "HVM domU"))
                == .cloud(.aws, "DMI version string mentions Amazon (Xen-based EC2)"))
    }

    // MARK: Decision table

    static let dependent = MappingCheck.dependent([TransportAddress(.v4(198, 51, 100, 9), 1024), TransportAddress(.v4(198, 51, 100, 9), 1025)])
    static let independent = MappingCheck.independent(TransportAddress(.v4(198, 51, 100, 9), 40000), destinations: 3)

    @Test func natGatewayDecision() {
        func run(_ dmi: DMIVerdict, _ meta: MetadataAnswer?, _ m: MappingCheck) -> CloudSection {
            CloudClassifier.classify(CloudObservations(dmi: dmi, metadata: meta, metadataQueried: "http://x", mapping: m))
        }
        let aws = DMIVerdict.cloud(.aws, "dmi")
        let noPub = MetadataAnswer(provider: .aws, publicAddress: nil, evidence: [])
        let pub = MetadataAnswer(provider: .aws, publicAddress: .v4(198, 51, 100, 7), evidence: [])
        let s1 = run(aws, noPub, Self.dependent)
        #expect(s1.natGatewaySuspected == true && s1.provider == .aws)
        // What to change is the cloud step's advice, not evidence.
        #expect(!s1.evidence.joined().contains("Internet Gateway"))
        let report = Report(nat: NATSection(status: .checked, mapping: .addressAndPortDependent), cloud: s1)
        let found = FindingRules.findings(for: .cloudNat, in: report)
        #expect(found.map(\.code) == [.cloudNatGateway] && found.first?.parameters["provider"] == "aws")
        #expect(Guide.guide(for: .cloudNat, in: report).advice.joined().contains("Internet Gateway"))
        #expect(run(aws, noPub, Self.independent).natGatewaySuspected == false)
        #expect(run(aws, pub, Self.dependent).natGatewaySuspected == false)
        #expect(run(aws, pub, .unknown("x")).natGatewaySuspected == false)
        let unknown = run(aws, noPub, .unknown("only one destination answered"))
        #expect(unknown.natGatewaySuspected == nil && unknown.status == .inconclusive)
        func advice(_ c: CloudSection) -> String {
            Guide.guide(for: .cloudNat, in: Report(nat: NATSection(status: .checked), cloud: c)).advice.joined()
        }
        #expect(advice(run(.cloud(.gcp, "d"), MetadataAnswer(provider: .gcp, publicAddress: nil, evidence: []), Self.dependent))
            .contains("--no-enable-dynamic-port-allocation --enable-endpoint-independent-mapping"))
        // Azure: a NAT Gateway on the subnet wins over the VM's public IP, so the fix leaves the subnet.
        let azure = advice(run(.cloud(.azure, "d"), nil, Self.dependent))
        #expect(azure.contains("subnet without a NAT Gateway") && azure.contains("dissociate"))
        #expect(azure.contains("learn.microsoft.com/azure/nat-gateway/nat-overview"))
        #expect(!azure.contains("instance-level public IP address (Standard SKU) so its traffic leaves"))
        let off = run(.notCloud("LENOVO"), nil, .unknown("not a cloud VM"))
        #expect(off.provider == .none && off.natGatewaySuspected == false && off.evidence.contains("not a cloud VM"))
        #expect(run(.otherCloud("Oracle Cloud"), nil, Self.dependent).provider == .unknown)
    }

    // MARK: Runner against fake metadata services (loopback STUN: mapping says "no NAT")

    /// The probe against `handler`, on a clock fifty times slow (the STUN mapping check's 1.2 s
    /// window lasts a minute, so a starved runner cannot miss the loopback answer) and with long
    /// metadata windows (HTTP counts them on the system clock: `SlowClock(ahead: false)` keeps
    /// their length): the answers alone end the run. The silence tests pass short windows.
    func probe(_ handler: @escaping FakeHTTPServer.Handler, dmi: String, explicit: Bool = true,
               silentConnections: Int = 0, window: Double = 30,
               retryWindow: Double = 30) async throws -> (CloudSection, FakeHTTPServer, Double) {
        let server = try FakeHTTPServer(handler: handler, silentConnections: silentConnections)
        let stun = try LoopbackSTUN()
        defer { stun.stop() }  // the server stops when the caller lets go of it (its thread holds it weakly)
        let t0 = Date()
        let slow = SlowClock(ahead: false)
        let probe = CloudProbe(servers: [stun.name], deadline: .after(seconds: 60, clock: slow), clock: slow,
                               metadataEndpoint: explicit ? "http://127.0.0.1:\(server.port)" : nil,
                               dmiRoot: Fixtures.path("dmi/\(dmi)"), metadataWindow: window, metadataRetryWindow: retryWindow)
        let s = try await hangGuard(60) { await probe.run() }
        return (s, server, Date().timeIntervalSince(t0))
    }

    // MARK: A metadata service that answers late, or never (a starved process, a busy VM)

    /// The first connection is held without an answer until the first window passes (what a
    /// late answer looks like to the client); DMI names EC2, so the probe asks once more and
    /// recognizes the service.
    @Test func awsAnsweringOnlyAfterTheFirstWindowIsStillRecognized() async throws {
        let (s, server, _) = try await probe(FakeCloud.aws(publicIP: nil), dmi: "aws", silentConnections: 1, window: 0.3)
        #expect(s.provider == .aws && s.status == .checked, "\(s.evidence)")
        #expect(s.evidence.contains("subnet-id subnet-0abc"))
        #expect(s.natGatewaySuspected == false, "\(s.evidence)")
        #expect(s.metadataSilence == nil)
        #expect(server.connections >= 2, "asked a second time")
    }

    /// DMI says Amazon EC2 and the metadata service never answers: inconclusive with the reason,
    /// never "not a cloud VM" and never a pass, even though the mapping check saw no NAT.
    @Test func awsDMIWithASilentMetadataServiceIsInconclusive() async throws {
        let (s, server, _) = try await probe(FakeCloud.aws(publicIP: nil), dmi: "aws", silentConnections: .max,
                                             window: 0.2, retryWindow: 0.5)
        #expect(s.status == .inconclusive)
        #expect(s.provider == .aws)
        #expect(s.natGatewaySuspected == nil)
        #expect(!s.evidence.contains("not a cloud VM"))
        #expect(s.evidence.contains("DMI says Amazon EC2 but the metadata service did not answer within 0.5 s"), "\(s.evidence)")
        #expect(try await settledConnections(server, atLeast: 2) == 2, "asked twice")
        server.stop()
        #expect(server.requests.isEmpty)
        var report = Report()
        report.cloud = s
        let step = report.assess(.cloudNat)
        #expect(step.status == .warning && step.code == .cloudMetadataSilent)
        #expect(step.finding.hasPrefix("DMI says Amazon EC2 but the metadata service did not answer within 0.5 s"), "\(step.finding)")
        #expect(Verdict.derive(from: report).codes.contains(.cloudMetadataSilent))
    }

    /// Without DMI naming a cloud (an explicit endpoint on a laptop), silence is asked about
    /// once: no second try, and no "DMI says".
    @Test func silenceWithoutACloudInDMIIsAskedOnce() async throws {
        let (s, server, _) = try await probe(FakeCloud.aws(publicIP: nil), dmi: "laptop", silentConnections: .max, window: 0.2)
        #expect(s.provider == .none)
        #expect(s.metadataSilence == nil)
        #expect(try await settledConnections(server, atLeast: 3) == 3, "one try per provider")
        server.stop()
    }

    /// The fake server's connection count once it has accepted at least `n` (all the probe made
    /// are queued by the time it returns; the server thread may be slow to accept them).
    func settledConnections(_ server: FakeHTTPServer, atLeast n: Int) async throws -> Int {
        try await hangGuard {
            while server.connections < n { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        try await Task.sleep(nanoseconds: 200_000_000)
        return server.connections
    }

    @Test func metadataSilenceDecision() {
        func run(_ dmi: DMIVerdict, _ m: MappingCheck, silent: Double?) -> CloudSection {
            CloudClassifier.classify(CloudObservations(dmi: dmi, metadata: nil, metadataQueried: "http://x", mapping: m,
                                                       metadataSilentFor: silent))
        }
        for m in [Self.dependent, Self.independent, .noNAT(TransportAddress(.v4(127, 0, 0, 1), 1)), .unknown("x")] {
            let s = run(.cloud(.gcp, "dmi"), m, silent: 3)
            #expect(s.status == .inconclusive && s.natGatewaySuspected == nil && s.provider == .gcp, "\(m)")
            #expect(s.evidence.last == "DMI says Google Compute Engine but the metadata service did not answer within 3.0 s")
        }
        // Not asked twice (no cloud in DMI), or a response that was not the cloud's: as before.
        #expect(run(.maybeAzure("hyper-v"), Self.independent, silent: 1).status == .checked)
        #expect(run(.cloud(.aws, "dmi"), Self.independent, silent: nil).natGatewaySuspected == false)
    }

    @Test func awsWithoutPublicIP() async throws {
        let (s, server, _) = try await probe(FakeCloud.aws(publicIP: nil), dmi: "aws")
        #expect(s.provider == .aws)
        #expect(s.publicAddress == nil)
        // Loopback STUN sees our own address: no NAT, so no NAT gateway.
        #expect(s.natGatewaySuspected == false, "\(s.evidence)")
        #expect(s.evidence.contains { $0.contains("404") })
        #expect(s.evidence.contains("subnet-id subnet-0abc"))
        #expect(server.requests.first?.method == "PUT")
    }

    @Test func awsWithPublicIP() async throws {
        let (s, _, _) = try await probe(FakeCloud.aws(publicIP: "198.51.100.7"), dmi: "aws")
        #expect(s.provider == .aws && s.publicAddress == "198.51.100.7" && s.natGatewaySuspected == false)
    }

    @Test func gcpWithAndWithoutExternalIP() async throws {
        let (s, _, _) = try await probe(FakeCloud.gcp(publicIP: "203.0.113.77"), dmi: "gcp")
        #expect(s.provider == .gcp && s.publicAddress == "203.0.113.77")
        let (n, _, _) = try await probe(FakeCloud.gcp(publicIP: nil), dmi: "gcp")
        #expect(n.provider == .gcp && n.publicAddress == nil)
    }

    @Test func azureFromIMDS() async throws {
        let (s, server, _) = try await probe(FakeCloud.azure(publicIP: "192.0.2.44"), dmi: "azure")
        #expect(s.provider == .azure && s.publicAddress == "192.0.2.44")
        #expect(server.requests.first?.headers["metadata"] == "true")
    }

    @Test func explicitEndpointFindsTheCloudWithoutDMI() async throws {
        // DMI says a laptop, but an explicit endpoint is asked anyway (the lab's fake service).
        let (s, _, _) = try await probe(FakeCloud.gcp(publicIP: "203.0.113.78"), dmi: "laptop")
        #expect(s.provider == .gcp && s.publicAddress == "203.0.113.78")
    }

    @Test func hyperVWithoutMetadataIsUnknown() async throws {
        let (s, _, _) = try await probe({ _ in (404, [], "") }, dmi: "hyperv")
        #expect(s.provider == .unknown)
    }

    @Test func offCloudFinishesWithoutAsking() async throws {
        let server = try FakeHTTPServer(handler: FakeCloud.aws(publicIP: nil))
        let stun = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), 0))
        defer { server.stop(); stun.close() }
        // A silent "STUN server" that would hold the probe for its window (a minute on a clock
        // fifty times slow: the hang guard) had it been asked.
        let slow = SlowClock()
        let probe = CloudProbe(servers: [try stun.localAddress().description], deadline: .after(seconds: 3, clock: slow), clock: slow,
                               dmiRoot: Fixtures.path("dmi/laptop"))
        let s = try await hangGuard { await probe.run() }
        #expect(s.provider == .none && s.natGatewaySuspected == false)
        #expect(s.evidence.contains("not a cloud VM"))
        #expect(server.connections == 0 && server.requests.isEmpty, "no metadata query")
        #expect(try stun.receive(timeout: 0) == nil, "no STUN request")
    }

    @Test func azureJSONParsing() {
        #expect(CloudMetadata.parseAzureInstance(Array("{\"compute\":{\"vmSize\":\"B1\"},\"network\":{\"interface\":[{\"ipv4\":{\"ipAddress\":[{\"publicIpAddress\":\"\"}]}}]}}".utf8))?.publicAddress == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("{\"foo\":1}".utf8)) == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("[1,2]".utf8)) == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("{\"network\":{\"interface\":\"x\"}}".utf8)) != nil)
    }
}
