import Foundation
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization
import Testing
import P2PTestSupport
@testable import P2PProbes

@Suite("Hairpin")
struct HairpinTests {
    static let aPub = TransportAddress(.v4(198, 51, 100, 2), 40001)
    static let bPub = TransportAddress(.v4(198, 51, 100, 2), 40002)
    static let bLocal = TransportAddress(.v4(192, 168, 1, 2), 50002)

    static func obs(a: TransportAddress? = aPub, b: TransportAddress? = bPub, from: TransportAddress?) -> HairpinObservations {
        var o = HairpinObservations()
        o.aPublic = a
        o.bPublic = b
        o.bLocal = bLocal
        o.localAddresses = [.v4(192, 168, 1, 2)]
        o.sends = 6
        o.receivedFrom = from
        return o
    }

    @Test func receivedFromPublicEndpointIsREQ9Compliant() {
        let s = HairpinClassifier.classify(Self.obs(from: Self.bPub))
        #expect(s.status == .checked && s.supported == true)
        #expect(s.observedSource == "198.51.100.2:40002")
        #expect(s.evidence.joined().contains("REQ-9"))
    }

    @Test func receivedFromPrivateEndpointIsNoted() {
        let s = HairpinClassifier.classify(Self.obs(from: Self.bLocal))
        #expect(s.supported == true)
        #expect(s.evidence.joined().contains("private address"))
    }

    @Test func silenceAfterHolesBothWaysIsNo() {
        let s = HairpinClassifier.classify(Self.obs(from: nil))
        #expect(s.status == .checked && s.supported == false)
    }

    @Test func noPublicEndpointIsInconclusive() {
        let s = HairpinClassifier.classify(Self.obs(a: nil, from: nil))
        #expect(s.status == .inconclusive && s.supported == nil)
        let s2 = HairpinClassifier.classify(Self.obs(b: nil, from: nil))
        #expect(s2.status == .inconclusive && s2.supported == nil)
    }

    /// On loopback the "public" endpoint is this host's own: no NAT. B's packet reaches A
    /// directly, so peers here can reach each other by that address: supported, hairpin not needed.
    @Test func loopbackSaysNoNATHairpinNotNeeded() async throws {
        let stun = try LoopbackSTUN()
        defer { stun.stop() }
        // Ends on the looped-back packet: on a clock fifty times slow, waiting out a window trips the hang guard.
        let slow = SlowClock()
        let s = try await hangGuard {
            await HairpinProbe(servers: [stun.name], deadline: .after(seconds: 3, clock: slow), clock: slow).run()
        }
        #expect(s.status == .checked)
        #expect(s.supported == true)
        #expect(s.observedSource?.hasPrefix("127.0.0.1:") == true)
        #expect(s.evidence.joined().contains("hairpin not needed"), "\(s.evidence)")
    }

    @Test func noServerAnswerIsInconclusiveWithinTheBudget() async throws {
        // Nothing listens on port 9: first-contact retransmissions, then "inconclusive".
        // Within the first-contact window, not at the 60 s deadline (hang guard).
        let s = try await hangGuard { await HairpinProbe(servers: ["127.0.0.1:9"], deadline: .after(seconds: 60)).run() }
        #expect(s.status == .inconclusive && s.supported == nil)
    }
}

@Suite("Engine wiring of double NAT, hairpin, cloud")
struct GatewayEngineTests {
    @Test func engineFillsTheThreeSectionsOnLoopback() async throws {
        let stun = try LoopbackSTUN()
        defer { stun.stop() }
        let timings = Mutex<[String: Int]>([:])
        // On a clock fifty times slow (an hour ahead) the answers end each probe, however starved
        // the runner; waiting out a window instead trips the hang guard.
        let engine = Engine(options: CheckOptions(stunServers: [stun.name], timeout: 3, dmiRoot: Fixtures.path("dmi/laptop")),
                            clock: SlowClock())
        let report = try await hangGuard {
            await engine.run([.doubleNat, .hairpin, .cloud]) { event in
                if case .finished(let r, let ms) = event { timings.withLock { $0[r.probe.rawValue] = ms } }
            }
        }
        print("probe timings on loopback (ms, on a clock fifty times slow): \(timings.withLock { $0 })")
        #expect(report.doubleNat.status == ProbeStatus.checked && report.doubleNat.detected == false)
        #expect(report.doubleNat.hops.map(\.description) == ["1 127.0.0.1 (destination)"])
        #expect(report.hairpin.supported == true)
        #expect(report.cloud.provider == CloudProvider.none)
        #expect(report.nat.status == ProbeStatus.notChecked)
    }

    @Test func noHairpinOptionLeavesItNotChecked() async throws {
        let stun = try LoopbackSTUN()
        defer { stun.stop() }
        let engine = Engine(options: CheckOptions(stunServers: [stun.name], timeout: 3, hairpin: false, dmiRoot: Fixtures.path("dmi/laptop")))
        let report = await engine.run([.hairpin])
        #expect(report.hairpin.status == ProbeStatus.notChecked && report.hairpin.supported == nil)
    }
}
