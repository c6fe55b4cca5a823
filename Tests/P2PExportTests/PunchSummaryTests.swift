import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

/// The summary's section for the live test (`p2ptui punch --save-to`), only when it was run.
@Suite struct PunchSummaryTests {
    static let proven = PunchSection(direct: true, localEndpoint: "198.51.100.2:40000", remoteEndpoint: "198.51.100.130:50000",
                                     rttMs: 0.84, elapsedMs: 23, pairsTried: 2, reason: "each side reached the other's public endpoint",
                                     localMapping: "endpoint-independent", peerMapping: "endpoint-independent")
    static let failed = PunchSection(direct: false, pairsTried: 2, reason: "symmetric NAT on both sides",
                                     fix: "give one side (the Connector first) a NAT with endpoint-independent mapping",
                                     localMapping: "varies-by-destination", peerMapping: "varies-by-destination")

    /// `base` with `punch` as its live test.
    static func with(_ punch: PunchSection, _ base: Report = ReportFixtures.homeAllPass) -> Report {
        var r = base
        r.punch = punch
        return r
    }

    @Test func absentWhenNotRun() {
        let text = SummaryText.render(ReportFixtures.homeAllPass)
        #expect(!text.contains("Live test with the other side"))
    }

    @Test func provenPathIsShownWithBothEnds() {
        let r = Self.with(Self.proven)
        let text = SummaryText.render(r)
        #expect(text.contains("Live test with the other side (p2ptui punch)"))
        #expect(text.contains("DIRECT path proven: local 198.51.100.2:40000 ↔ peer"))
        #expect(text.contains("RTT 0.8 ms, after 23 ms"))
        let ascii = SummaryText.render(r, options: SummaryOptions(ascii: true))
        #expect(ascii.contains("<->") && ascii.utf8.allSatisfy { $0 < 0x80 })
        #expect(text.split(separator: "\n").allSatisfy { $0.unicodeScalars.count <= 80 })
    }

    @Test func theMeasuredPathIsOneLineAndSurvivesTheSavedReport() throws {
        var r = ReportFixtures.homeAllPass
        var p = Self.proven
        p.quality = PathQuality(seconds: 3, rttSamples: 60, rttMedianMs: 0.84, rttP99Ms: 2.1, outboundLossPercent: 0,
                                inboundLossPercent: 1.7, outboundSizesTried: true, inboundSizesTried: true, outboundMaxBytes: nil, inboundMaxBytes: 1472, datagramStatus: "too-small")
        r.punch = p
        // Wrapped at 80 columns: compared with the line breaks and indents folded to spaces.
        let text = SummaryText.render(r).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("Path measured: RTT median 0.8 ms, p99 2.1 ms (60 samples); loss out 0.0%, in 1.7%;"
            + " largest datagram out under 1200, in 1472 bytes"))
        let back = try ReportJSON.decode(ReportJSON.encodeExport(r, redact: false))
        #expect(back.punch?.quality == p.quality)
    }

    @Test func failureNamesTheReasonAndTheFix() {
        let text = SummaryText.render(Self.with(Self.failed, ReportFixtures.cloudAllFail))
        #expect(text.contains("no direct path: traffic would go through a relay"))
        #expect(text.contains("Why: symmetric NAT on both sides"))
        #expect(text.contains("Change first: give one side"))
    }

    @Test func redactionCoversTheLiveTestAndJSONRoundTrips() throws {
        let r = Self.with(Self.proven)
        let redacted = SummaryText.render(r, options: SummaryOptions(redact: true))
        #expect(!redacted.contains("198.51.100.130"))
        let back = try ReportJSON.decode(try ReportJSON.encode(r))
        #expect(back.punch == Self.proven)
        // Older reports without the field still load.
        let old = ReportFixtures.homeAllPass
        #expect(old.punch == nil)
        #expect(try ReportJSON.decode(try ReportJSON.encode(old)).punch == nil)
        #expect(!String(decoding: try ReportJSON.encode(old), as: UTF8.self).contains("\"punch\""))
    }
}
