import P2PProbes
import P2PReport
import P2PSocket
import STUNCodec
import Testing
import P2PTestSupport

/// The client against real servers on loopback (127.0.0.1 primary, 127.0.0.2 alternate), inside the
/// lo-only namespace scripts/test runs the suite in.
@Suite(.serialized) struct NATProbeLoopbackTests {
    func probe(_ servers: [String], timeout: Double = 3, clock: any MonotonicClock = SystemClock()) async -> NATSection {
        await NATProbe(servers: servers, deadline: Deadline.after(seconds: timeout, clock: clock), clock: clock).run()
    }

    /// Every test is answered, so the probe ends on answers: on a clock fifty times slow, waiting
    /// out any window instead (1.2 s: a minute of real time) trips the hang guard.
    @Test func ownServerGivesOpenInternetWithoutWaitingOutAWindow() async throws {
        let server = try MisbehavingServer(port: 26478, behaviour: .honest)
        defer { server.stop() }
        let slow = SlowClock()
        let s = try await hangGuard { await probe(["127.0.0.1:26478"], clock: slow) }
        #expect(s.status == .checked)
        #expect(s.mapping == .noNAT)
        #expect(s.filtering == .endpointIndependent)
        #expect(s.classicType == .openInternet)
        #expect(s.portPreserved == true)
        #expect(s.localEndpoint == s.publicEndpoint, "no NAT: local (route source) equals public")
        #expect(!(s.localEndpoint ?? "").hasPrefix("0.0.0.0"), "the route's source address, never 0.0.0.0")
    }

    /// Silence ends at the first-contact window, not at the 60 s deadline (hang guard, 10x). On a
    /// clock four times slow that window lasts 4 s, so a loaded machine's scheduling delays cannot
    /// keep any of the 14 requests (the count that tells loss from blocking) from going out.
    @Test func nothingListeningIsBlockedAfterTheFirstWindowNotTheDeadline() async throws {
        let s = try await hangGuard(40) { await probe(["127.0.0.1:26999"], timeout: 60, clock: SlowClock(rate: 0.25)) }
        #expect(s.classicType == .blocked)
        #expect(s.servers.first?.outcome == .timeout)
    }

    @Test func serverIgnoringChangeRequestIsUnsupportedNeverFullCone() async throws {
        let server = try MisbehavingServer(port: 26488, behaviour: .ignoresChangeRequest)
        defer { server.stop() }
        let s = await probe(["127.0.0.1:26488"])
        #expect(s.classicType != .fullCone && s.classicType != .openInternet)
        #expect(s.filtering == .unknown)
        #expect(s.status == .inconclusive)
        #expect((s.inconclusiveReason ?? "").contains("cannot do behaviour tests"), "\(s.inconclusiveReason ?? "")")
        #expect(s.ignoredResponses > 0, "the wrong-source answers are counted")
    }

    @Test func silentAlternateAddressIsInconclusiveNotFiltering() async throws {
        let server = try MisbehavingServer(port: 26498, behaviour: .silentAlternate)
        defer { server.stop() }
        let s = await probe(["127.0.0.1:26498"])
        #expect(s.mapping == .noNAT)
        #expect(s.filtering == .unknown, "silence from a dead alternate address proves nothing")
        #expect(s.classicType == .unknown)
    }

    @Test func straysAndDuplicatesAreIgnoredAndCounted() async throws {
        let server = try MisbehavingServer(port: 26508, behaviour: .strays)
        defer { server.stop() }
        let s = await probe(["127.0.0.1:26508"])
        #expect(s.classicType == .openInternet)
        #expect(s.publicEndpoint?.hasPrefix("127.0.0.1:") == true, "the stray's 203.0.113.66 was never believed")
        #expect(s.ignoredResponses >= 4)
    }

    /// One lost packet must not change the verdict: with 30 % of requests dropped the answer is
    /// right or inconclusive, never wrong, over several seeded runs.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5])
    func lossNeverGivesAWrongAnswer(seed: UInt64) async throws {
        let server = try MisbehavingServer(port: 26520 + UInt16(seed) * 2, behaviour: .lossy(0.3, seed: seed))
        defer { server.stop() }
        let s = await probe(["127.0.0.1:\(26520 + UInt16(seed) * 2)"])
        #expect([ClassicNATType.openInternet, .unknown].contains(s.classicType), "seed \(seed): \(s.classicType) \(s.evidence)")
        if s.classicType == .unknown { #expect(s.inconclusiveReason != nil) }
    }

    @Test func twoServersWithoutBehaviourSupportStillGiveAMappingVerdict() async throws {
        // Single-address servers: no OTHER-ADDRESS, CHANGE-REQUEST refused with 420.
        let a = try LoopbackSTUN(address: TransportAddress(.v4(127, 0, 0, 1), 26600))
        let b = try LoopbackSTUN(address: TransportAddress(.v4(127, 0, 0, 2), 26601))
        defer { a.stop(); b.stop() }
        let s = await probe(["127.0.0.1:26600", "127.0.0.2:26601"])
        #expect(s.mappingVariesByDestination == false)
        #expect(s.mapping == .noNAT)
        #expect(s.filtering == .unknown)
        #expect(s.status == .inconclusive)
    }

    @Test func dnsFailureIsToldApart() async {
        let s = await probe(["no-such-host.invalid:3478"])
        #expect(s.status == .inconclusive)
        #expect(s.servers.first?.outcome == .dnsFailure)
        #expect(s.classicType != .blocked, "a name that does not resolve is not blocked UDP")
    }
}

import Foundation
import P2PServer
