import Testing
import P2PServer
@testable import P2PProbes

@Suite struct QUICPacketTests {
    typealias VN = QUICVersionNegotiation

    @Test func probeLayout() {
        let p = VN.buildProbe(version: 0x1A2A_3A4A, dcid: Array(1...8), scid: [9, 9, 9])
        #expect(p.bytes.count == 1200)
        #expect(p.bytes[0] & 0xC0 == 0xC0)
        #expect(Array(p.bytes[1...4]) == [0x1A, 0x2A, 0x3A, 0x4A])
        #expect(p.bytes[5] == 8)
        #expect(Array(p.bytes[6...13]) == Array(1...8))
        #expect(p.bytes[14] == 3)
        #expect(Array(p.bytes[15...17]) == [9, 9, 9])
    }

    @Test func randomProbesUseReservedVersionsAndLongRandomDCIDs() {
        for _ in 0..<200 {
            let p = VN.makeProbe()
            #expect(VN.isReservedVersion(p.version))
            #expect((8...20).contains(p.dcid.count))
            #expect(p.bytes.count >= 1200)
        }
        #expect(VN.isReservedVersion(0x0A0A_0A0A))
        #expect(VN.isReservedVersion(0xFAFA_FAFA))
        #expect(!VN.isReservedVersion(0x0000_0001))
    }

    @Test func responderReplyParsesAndEchoes() throws {
        let p = VN.makeProbe()
        let reply = try #require(QUICVersionNegotiationResponder.reply(to: p.bytes))
        #expect(reply[0] & 0x80 != 0)
        let parsed = try VN.parseReply(reply).get()
        #expect(parsed.dcid == p.scid)
        #expect(parsed.scid == p.dcid)
        #expect(parsed.versions == [1])
        #expect(VN.mismatch(parsed, for: p) == nil)
    }

    @Test func mismatchesAreRejected() {
        let p = VN.buildProbe(version: 0x0A0A_0A0A, dcid: Array(repeating: 1, count: 8), scid: [2, 2])
        #expect(VN.mismatch(.init(dcid: [2, 2], scid: Array(repeating: 1, count: 8), versions: [1]), for: p) == nil)
        #expect(VN.mismatch(.init(dcid: [2, 3], scid: Array(repeating: 1, count: 8), versions: [1]), for: p) != nil)
        #expect(VN.mismatch(.init(dcid: [2, 2], scid: [1], versions: [1]), for: p) != nil)
        #expect(VN.mismatch(.init(dcid: [2, 2], scid: Array(repeating: 1, count: 8), versions: [0x0A0A_0A0A]), for: p) != nil)
    }

    @Test func malformedRepliesAreErrorsNotCrashes() {
        #expect(VN.parseReply([]) == .failure(.tooShort))
        #expect(VN.parseReply([0x40, 0, 0, 0, 0, 0, 0]) == .failure(.shortHeader))
        #expect(VN.parseReply([0xC0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]) == .failure(.notVersionNegotiation(version: 1)))
        #expect(VN.parseReply([0x80, 0, 0, 0, 0, 9, 1]) == .failure(.truncatedConnectionID))
        #expect(VN.parseReply([0x80, 0, 0, 0, 0, 0, 0]) == .failure(.badVersionList(bytes: 0)))
        #expect(VN.parseReply([0x80, 0, 0, 0, 0, 0, 0, 1, 2]) == .failure(.badVersionList(bytes: 2)))
        // Every truncation and random garbage: no trap.
        let good = QUICVersionNegotiationResponder.reply(to: VN.makeProbe().bytes)!
        for n in 0..<good.count { _ = VN.parseReply(Array(good.prefix(n))) }
        var g = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var b = (0..<Int.random(in: 0...64, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            if b.count > 4, Bool.random(using: &g) { b[1] = 0; b[2] = 0; b[3] = 0; b[4] = 0; b[0] |= 0x80 }
            _ = VN.parseReply(b)
            _ = QUICVersionNegotiationResponder.reply(to: b + [UInt8](repeating: 0, count: 1200))
        }
    }

    @Test func responderFollowsRFC9000Section6_1() {
        let p = VN.makeProbe()
        #expect(QUICVersionNegotiationResponder.reply(to: Array(p.bytes.prefix(1199))) == nil, "smaller than 1200 bytes")
        var vn = p.bytes; vn[1] = 0; vn[2] = 0; vn[3] = 0; vn[4] = 0
        #expect(QUICVersionNegotiationResponder.reply(to: vn) == nil, "never answer a Version Negotiation packet")
        var v1 = p.bytes; v1[1] = 0; v1[2] = 0; v1[3] = 0; v1[4] = 1
        #expect(QUICVersionNegotiationResponder.reply(to: v1) == nil, "a supported version gets no VN")
        var short = p.bytes; short[0] = 0x40
        #expect(QUICVersionNegotiationResponder.reply(to: short) == nil, "short header")
        var longCID = p.bytes; longCID[5] = 255  // legal for an unknown version (RFC 8999)
        #expect(QUICVersionNegotiationResponder.reply(to: longCID) != nil)
    }
}
