import P2PReport
import Testing

/// Every punch code has its words: a reason naming the sides, and a fix exactly when no path was
/// proven or the proven path cannot carry QUIC.
@Suite struct PunchWordsTests {
    static let proven: Set<PunchCode> = [.lanPath, .newMappingHere, .serverReflexive, .peerReflexive, .ipv6Path]

    @Test(arguments: PunchCode.allCases)
    func everyCodeIsWorded(_ code: PunchCode) {
        let d = PunchDiagnosis(code, localRole: .client, peerRole: .connector,
                               parameters: ["seen": "198.51.100.2:4000", "address": "203.0.113.5", "deadline": "15"])
        #expect(!d.reason.isEmpty && !d.reason.contains("?"), "\(d.reason)")
        #expect((d.fix == nil) == Self.proven.contains(code), "\(code): \(d.fix ?? "nil")")
    }

    @Test func aPathTooSmallForQUICSaysSoWithItsSourceAndTheSizesMeasured() {
        let d = PunchDiagnosis(.quicWouldFail, localRole: .client, peerRole: .connector,
                               parameters: ["out": "under 1200 bytes", "in": "1472 bytes"])
        #expect(d.reason.hasPrefix("direct path proven, but QUIC would fail"))
        #expect(d.reason.contains("largest out under 1200 bytes, in 1472 bytes"))
        #expect(d.reason.contains("https://www.rfc-editor.org/rfc/rfc9000#section-14"))
    }

    @Test func theSidesAreNamedFromTheRoles() {
        let here = PunchDiagnosis(.symmetricHere, localRole: .connector, peerRole: .client)
        #expect(here.reason.hasPrefix("symmetric NAT on this side (the Connector): its packets reach the peer (the Client)"))
        let peer = PunchDiagnosis(.symmetricPeer, localRole: .unknown, peerRole: .unknown)
        #expect(peer.reason.hasPrefix("symmetric NAT on the peer's side: its packets reach this side"))
    }
}
