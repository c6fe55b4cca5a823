import Foundation
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
import Testing
import P2PTestSupport
@testable import P2PProbes

@Suite("Double NAT")
struct DoubleNATTests {
    static let lan = IPAddress.v4(192, 168, 1, 2)
    static let wan = IPAddress.v4(198, 51, 100, 2)

    static func obs(mapped: IPAddress? = wan, reports: [GatewayReport] = [], mismatch: Bool = false,
                    hops: [Hop] = []) -> DoubleNATObservations {
        var o = DoubleNATObservations()
        o.localAddresses = [lan, .v4(127, 0, 0, 1)]
        o.gateway = .v4(192, 168, 1, 1)
        o.stunMapped = mapped
        o.gatewayReports = reports
        o.pcpAddressMismatch = mismatch
        o.hops = hops
        return o
    }

    static let gw = Hop(ttl: 1, address: .v4(192, 168, 1, 1))
    static let dest = Hop(ttl: 3, address: .v4(203, 0, 113, 10), isDestination: true)

    /// (name, observations, expected detected)
    static let table: [(String, DoubleNATObservations, Bool?)] = [
        ("gateway reports CGNAT address", obs(reports: [.init(via: .natPMP, externalAddress: .v4(100, 64, 0, 2))]), true),
        ("gateway reports private address", obs(reports: [.init(via: .upnp, externalAddress: .v4(10, 1, 2, 3))]), true),
        ("gateway reports a public address other than the mapped one",
         obs(reports: [.init(via: .pcp, externalAddress: .v4(198, 51, 100, 77))]), true),
        ("gateway's address equals the mapped one", obs(reports: [.init(via: .upnp, externalAddress: wan)]), false),
        ("PCP ADDRESS_MISMATCH", obs(reports: [.init(via: .pcp, externalAddress: nil, detail: "ADDRESS_MISMATCH")], mismatch: true), true),
        ("CGNAT hop beyond the first router", obs(hops: [gw, Hop(ttl: 2, address: .v4(100, 64, 0, 1)), dest]), true),
        ("private hop beyond the first router", obs(hops: [gw, Hop(ttl: 2, address: .v4(10, 0, 0, 1)), dest]), true),
        ("full path, only public hops beyond the first",
         obs(hops: [gw, Hop(ttl: 2, address: .v4(198, 51, 100, 1)), dest]), false),
        ("path with a silent hop is not enough", obs(hops: [gw, Hop(ttl: 2, address: nil), dest]), nil),
        ("nothing answered", obs(mapped: nil), nil),
        ("no STUN answer, gateway public", obs(mapped: nil, reports: [.init(via: .upnp, externalAddress: wan)]), nil),
        ("no NAT at all: mapped is our own address", obs(mapped: lan, hops: [gw, Hop(ttl: 2, address: .v4(10, 0, 0, 1))]), false),
        ("gateway equal beats a private core hop",
         obs(reports: [.init(via: .upnp, externalAddress: wan)], hops: [gw, Hop(ttl: 2, address: .v4(10, 9, 9, 9)), dest]), false),
    ]

    @Test(arguments: 0..<DoubleNATTests.table.count)
    func classifierTable(_ i: Int) {
        let (name, o, expected) = Self.table[i]
        let (s, g) = DoubleNATClassifier.classify(o)
        #expect(s.detected == expected, "\(name): \(s.evidence)")
        #expect(s.status == (expected == nil ? .inconclusive : .checked), "\(name)")
        #expect(!s.evidence.isEmpty, "\(name)")
        #expect(s.hops == o.hops.map(\.reported))
        #expect(g.address == "192.168.1.1")
        #expect(g.protocols == o.gatewayReports.map(\.via))
    }

    @Test func hopEvidenceSaysEvidenceNotProof() {
        let (s, _) = DoubleNATClassifier.classify(Self.obs(hops: [Self.gw, Hop(ttl: 2, address: .v4(100, 64, 0, 1)), Self.dest]))
        #expect(s.evidence.joined().contains("evidence, not proof"))
        #expect(s.hops.map(\.description) == ["1 192.168.1.1", "2 100.64.0.1", "3 203.0.113.10 (destination)"])
    }

    // MARK: Runners on loopback (real sockets, fake gateway)

    /// A fake gateway on loopback: NAT-PMP and PCP on one UDP port, SSDP on another, and the IGD
    /// description and SOAP control over HTTP, answering like miniupnpd.
    final class FakeGateway: Sendable {
        let http: FakeHTTPServer
        let portControl: FakeUDPResponder
        let ssdp: FakeUDPResponder

        init(external: IPAddress, pcpResult: UInt8 = 0) throws {
            let xml = String(decoding: Fixtures.bytes("gateway/miniupnpd-rootDesc.xml"), as: UTF8.self)
            let soap = String(decoding: Fixtures.bytes("gateway/miniupnpd-GetExternalIPAddress.xml"), as: UTF8.self)
                .replacingOccurrences(of: "198.51.100.2", with: external.description)
            http = try FakeHTTPServer { req in
                if req.method == "GET", req.path == "/rootDesc.xml" { return (200, [("Content-Type", "text/xml")], xml) }
                if req.method == "POST", req.path == "/ctl/IPConn", req.headers["soapaction"]?.contains("#GetExternalIPAddress") == true {
                    return (200, [("Content-Type", "text/xml")], soap)
                }
                return (404, [], "")
            }
            let e = external.bytes
            portControl = try FakeUDPResponder { b, _ in
                if b == [0, 0] { return [0, 128, 0, 0, 0, 0, 0, 9] + e }
                guard b.count >= 24, b[0] == 2 else { return nil }
                var r: [UInt8] = [2, 0x80 | b[1], 0, pcpResult, 0, 0, 0, 30, 0, 0, 0, 9] + [UInt8](repeating: 0, count: 12)
                if b[1] == 1, b.count >= 60 {
                    r += Array(b[24..<42]) + [0x9c, 0x40] + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + e
                }
                return r
            }
            let port = http.port
            ssdp = try FakeUDPResponder { b, _ in
                guard String(decoding: b, as: UTF8.self).hasPrefix("M-SEARCH") else { return nil }
                return Array("HTTP/1.1 200 OK\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nLOCATION: http://127.0.0.1:\(port)/rootDesc.xml\r\n\r\n".utf8)
            }
        }

        func stop() { http.stop(); portControl.stop(); ssdp.stop() }

        func query(clock: any MonotonicClock = SystemClock()) -> GatewayQuery {
            GatewayQuery(gateway: .v4(127, 0, 0, 1), portControlPort: portControl.port, ssdpPort: ssdp.port, multicastSSDP: false,
                         clock: clock)
        }

        /// The query on a clock fifty times slow, an hour ahead (HTTP too then waits for its
        /// answer): the fake's answers end it, however starved the runner (hang guard).
        func answeredQuery() async throws -> GatewayQuery.Result {
            let slow = SlowClock()
            let q = query(clock: slow)
            return try await hangGuard { await q.run(deadline: .after(seconds: 3, clock: slow)) }
        }
    }

    @Test func gatewayQueryAllThreeProtocols() async throws {
        let fake = try FakeGateway(external: .v4(100, 64, 0, 2))
        defer { fake.stop() }
        let r = try await fake.answeredQuery()
        #expect(Set(r.reports.map(\.via)) == [.upnp, .natPMP, .pcp])
        #expect(r.reports.allSatisfy { $0.externalAddress == .v4(100, 64, 0, 2) }, "\(r.reports)")
        #expect(!r.pcpAddressMismatch)
        // The PCP MAP was deleted afterwards (a second MAP with lifetime 0).
        let (section, gw) = DoubleNATClassifier.classify({
            var o = DoubleNATObservations(); o.gatewayReports = r.reports; o.stunMapped = .v4(198, 51, 100, 2); return o
        }())
        #expect(section.detected == true)
        #expect(gw.externalAddress == "100.64.0.2")
        #expect(fake.http.requests.map(\.path) == ["/rootDesc.xml", "/ctl/IPConn"])
    }

    @Test func gatewayQueryPCPAddressMismatch() async throws {
        let fake = try FakeGateway(external: .v4(198, 51, 100, 2), pcpResult: 12)
        defer { fake.stop() }
        let r = try await fake.answeredQuery()
        #expect(r.pcpAddressMismatch)
        #expect(r.reports.first { $0.via == .pcp }?.detail == "ADDRESS_MISMATCH")
    }

    @Test func gatewayQuerySilentGatewayIsQuickAndEmpty() async throws {
        // Ports with nothing listening: ICMP port unreachable on loopback ends each exchange at once.
        // IP_RECVERR turns the port unreachable into an immediate answer, not a 1 s wait: on a
        // clock fifty times slow that wait would last 50 s and trip the hang guard.
        let slow = SlowClock()
        let q = GatewayQuery(gateway: .v4(127, 0, 0, 1), portControlPort: 9, ssdpPort: 9, multicastSSDP: false, clock: slow)
        let r = try await hangGuard { await q.run(deadline: .after(seconds: 3, clock: slow)) }
        #expect(r.reports.isEmpty)
        #expect(r.notes.count == 3, "\(r.notes)")
        #expect(r.notes.allSatisfy { $0.contains("closed") }, "\(r.notes)")
    }

    /// A TTL's retries sit on the budget window's 0.1 s grid up to 1.0 s, however late into the
    /// window the TTL starts: the last one goes where a token spent before the window is due.
    @Test func hopRetriesFollowTheBudgetWindowsGrid() {
        #expect(HopTracer.retries(after: 0).map { ($0 * 10).rounded() } == (0...10).map(Double.init))
        let late = HopTracer.retries(after: 0.03)
        #expect(late.first == 0 && late.count == 11)
        #expect(abs(late[1] - 0.07) < 1e-9 && abs(late[10] - 0.97) < 1e-9)
        #expect(HopTracer.retries(after: 0.95).count == 2, "one send at once, one at the grid's 1.0 s")
        // An answer 0.5 ms after the retry at 0.37 s (grid 0.4 s, window opened 0.03 s earlier).
        #expect(abs(HopTracer.roundTrip(took: 0.3705, elapsed: 0.03) - 0.0005) < 1e-9)
        #expect(abs(HopTracer.roundTrip(took: 0.0004, elapsed: 0.03) - 0.0004) < 1e-9)
    }

    @Test func hopTracerOnLoopbackReachesTheServerInOneHop() async throws {
        let stun = try LoopbackSTUN()
        defer { stun.stop() }
        let port = stun.address.port
        // Each trace ends on the destination's answer: on a clock fifty times slow, a starved runner
        // still gets it in; waiting out the budget instead trips the hang guard.
        let slow = SlowClock()
        let hops = try await hangGuard {
            await HopTracer(destination: TransportAddress(.v4(127, 0, 0, 1), port), maxTTL: 4, budget: 4, clock: slow)
                .trace(deadline: .after(seconds: 4, clock: slow))
        }
        #expect(hops == [Hop(ttl: 1, address: .v4(127, 0, 0, 1), isDestination: true)])
        // Port unreachable also counts as reaching the destination.
        let closed = try await hangGuard {
            await HopTracer(destination: TransportAddress(.v4(127, 0, 0, 1), 9), maxTTL: 2, budget: 4, clock: slow)
                .trace(deadline: .after(seconds: 4, clock: slow))
        }
        #expect(closed.first?.isDestination == true)
    }
}
