import Testing
import P2PReport
@testable import P2PWizard

/// The live-test dialog as a pure state machine: keys and the command's messages in, effects out.
@Suite struct PunchDialogTests {
    static let code = "p2p1-aeaqbjkbn7zs4q4bgsl6gimgsuwiqmym"

    @Test func onlyTheSummaryStepOpensIt() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .step(.natType)
        #expect(press(&m, .char("p")).isEmpty)
        #expect(m.dialog == nil)
        m.screen = .summary
        #expect(press(&m, .char("p")) == [.punchPrepare(role: m.role)])
        guard case .punch(.gathering, _, nil)? = m.dialog else { Issue.record("\(String(describing: m.dialog))"); return }
    }

    @Test func codeThenPasteThenResultGoesIntoTheReport() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        _ = press(&m, .char("p"))
        _ = update(&m, .punchCode(Self.code))
        // Enter on an empty field asks for the code; no effect.
        #expect(press(&m, .enter).isEmpty)
        guard case .punch(.ready, _, let err?)? = m.dialog else { Issue.record("no error shown"); return }
        #expect(err.contains("Paste"))
        type(&m, "  p2p1-other  ")
        #expect(press(&m, .enter) == [.punchStart(peerCode: "p2p1-other")])
        // A refused code goes back to the field with the reason.
        _ = update(&m, .punchRejected("expired code: ..."))
        guard case .punch(.ready(let c), _, "expired code: ...")? = m.dialog else { Issue.record("\(String(describing: m.dialog))"); return }
        #expect(c == Self.code)
        #expect(press(&m, .enter) == [.punchStart(peerCode: "p2p1-other")])
        let section = PunchSection(direct: false, pairsTried: 2, reason: "symmetric NAT on both sides", fix: "x")
        _ = update(&m, .punchFinished(section, headline: "no direct path in 15 s: traffic would go through a relay"))
        #expect(m.report.punch == section)
        // The saved summary now carries it, and is stale if it was saved before.
        #expect(m.summaryUnsaved)
        #expect(press(&m, .enter) == [.punchCancel])
        #expect(m.dialog == nil)
    }

    @Test func aMeasuredPathTooSmallForQUICShowsTheMeasurementAndTheWarning() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        _ = press(&m, .char("p"))
        _ = update(&m, .punchCode(Self.code))
        type(&m, "p2p1-other")
        _ = press(&m, .enter)
        let q = PathQuality(seconds: 3, rttSamples: 60, rttMedianMs: 1, rttP99Ms: 2, outboundLossPercent: 0,
                            inboundLossPercent: 0, outboundSizesTried: true, inboundSizesTried: true, inboundMaxBytes: 1472, datagramStatus: "too-small")
        let section = PunchSection(direct: true, code: .quicWouldFail, reason: "direct path proven, but QUIC would fail", quality: q)
        _ = update(&m, .punchFinished(section, headline: "DIRECT path proven"))
        guard case .punch(.finished(_, let shown), _, _)? = m.dialog else { Issue.record("\(String(describing: m.dialog))"); return }
        #expect(shown == "DIRECT path proven\nPath: \(q.line)\nBut QUIC would fail: no 1200-byte datagram crosses this path.")
        #expect(m.report.punch?.quality == q)
    }

    @Test func escapeCancelsAtEveryStage() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        _ = press(&m, .char("p"))
        #expect(press(&m, .escape) == [.punchCancel])
        _ = press(&m, .char("p"))
        _ = update(&m, .punchCode(Self.code))
        type(&m, "p2p1-x")
        _ = press(&m, .enter)
        #expect(press(&m, .escape) == [.punchCancel])
        #expect(m.dialog == nil)
        // A result arriving after the dialog closed is still kept.
        _ = update(&m, .punchFinished(PunchSection(direct: true, reason: "ok"), headline: "DIRECT"))
        #expect(m.report.punch?.direct == true)
    }

    @Test func unavailableSaysWhy() {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        _ = press(&m, .char("p"))
        _ = update(&m, .punchUnavailable("No STUN server answered"))
        guard case .punch(.unavailable(let why), _, _)? = m.dialog else { Issue.record("not unavailable"); return }
        #expect(why.contains("No STUN"))
        #expect(press(&m, .enter) == [.punchCancel])
    }
}
