import Foundation
import P2PReport
import P2PSocket
import STUNCodec
import Testing
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
            .contains("--enable-endpoint-independent-mapping"))
        #expect(advice(run(.cloud(.azure, "d"), nil, Self.dependent)).contains("instance-level public IP"))
        let off = run(.notCloud("LENOVO"), nil, .unknown("not a cloud VM"))
        #expect(off.provider == .none && off.natGatewaySuspected == false && off.evidence.contains("not a cloud VM"))
        #expect(run(.otherCloud("Oracle Cloud"), nil, Self.dependent).provider == .unknown)
    }

    // MARK: Runner against fake metadata services (loopback STUN: mapping says "no NAT")

    func probe(_ handler: @escaping FakeHTTPServer.Handler, dmi: String, explicit: Bool = true) async throws -> (CloudSection, FakeHTTPServer, Double) {
        let server = try FakeHTTPServer(handler: handler)
        let stun = try LoopbackSTUN()
        defer { stun.stop(); server.stop() }
        let t0 = Date()
        let s = await CloudProbe(servers: [stun.name], deadline: .after(seconds: 3),
                                 metadataEndpoint: explicit ? "http://127.0.0.1:\(server.port)" : nil,
                                 dmiRoot: Fixtures.path("dmi/\(dmi)")).run()
        return (s, server, Date().timeIntervalSince(t0))
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

    @Test func offCloudFinishesInMillisecondsWithoutAsking() async throws {
        let server = try FakeHTTPServer(handler: FakeCloud.aws(publicIP: nil))
        defer { server.stop() }
        let probe = CloudProbe(servers: ["127.0.0.1:9"], deadline: .after(seconds: 3), dmiRoot: Fixtures.path("dmi/laptop"))
        let (s, seconds) = await fastest { await probe.run() }
        #expect(s.provider == .none && s.natGatewaySuspected == false)
        #expect(s.evidence.contains("not a cloud VM"))
        #expect(server.requests.isEmpty)
        // No metadata query and no STUN: the STUN server here (port 9) would take 1.2 s to time out.
        #expect(seconds < 0.1, "took \(seconds) s")
    }

    @Test func azureJSONParsing() {
        #expect(CloudMetadata.parseAzureInstance(Array("{\"compute\":{\"vmSize\":\"B1\"},\"network\":{\"interface\":[{\"ipv4\":{\"ipAddress\":[{\"publicIpAddress\":\"\"}]}}]}}".utf8))?.publicAddress == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("{\"foo\":1}".utf8)) == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("[1,2]".utf8)) == nil)
        #expect(CloudMetadata.parseAzureInstance(Array("{\"network\":{\"interface\":\"x\"}}".utf8)) != nil)
    }
}
