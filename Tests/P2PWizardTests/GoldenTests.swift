import Foundation
import Testing
import P2PReport
import P2PTestSupport
@testable import P2PWizard

/// Golden grids for every screen at 80x24 and 120x40. `P2PTUI_RECORD=1 swift test --filter GoldenTests`
/// rewrites them in the source tree (found from #filePath); otherwise a mismatch fails with a diff.
@Suite struct GoldenTests {
    static let golden = GoldenFiles(
        sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden"),
        bundledDirectory: Bundle.module.url(forResource: "Golden", withExtension: nil))

    static let cases: [(String, Int, Int, Bool)] = [("good", 80, 24, false), ("bad", 80, 24, false),
                                                    ("bad", 120, 40, false), ("good", 120, 40, false),
                                                    ("bad", 80, 24, true)]

    @Test(arguments: Screen.allCases)
    func screens(_ screen: Screen) throws {
        for (name, cols, rows, ascii) in Self.cases {
            var m = Fixtures.finished(name == "good" ? Fixtures.goodReport : Fixtures.badReport,
                                      cols: cols, rows: rows, ascii: ascii)
            m.screen = screen
            let file = "\(screen.number)-\(screen)-\(name)-\(cols)x\(rows)\(ascii ? "-ascii" : "").txt"
            try check(view(m), file)
        }
    }

    @Test func dialogsAndRunning() throws {
        var m = Fixtures.finished(Fixtures.goodReport)
        m.screen = .summary
        _ = update(&m, .key(.char("s")))
        try check(view(m), "dialog-save-80x24.txt")
        _ = update(&m, .saveResult(.failed(path: "/nope/x.txt", reason: "No such file or directory")))
        try check(view(m), "dialog-save-error-80x24.txt")
        _ = update(&m, .saveResult(.exists(path: "x.txt")))
        try check(view(m), "dialog-overwrite-80x24.txt")
        var q = Fixtures.finished(Fixtures.goodReport)
        _ = update(&q, .key(.char("q")))
        try check(view(q), "dialog-quit-80x24.txt")
        _ = update(&q, .key(.char("n")))
        _ = update(&q, .key(.char("?")))
        try check(view(q), "dialog-help-80x24.txt")
        // The live test: this side's code (wrapped), the other's pasted, then the result.
        var p = Fixtures.finished(Fixtures.goodReport)
        p.screen = .summary
        _ = update(&p, .key(.char("p")))
        _ = update(&p, .punchCode("p2p1-aeaqbjkbn7zs4q4bgsl6gimgsuwiqmymarjmbx5eqacqcaakmiccfqabaggeuzaaaerayq3jkdkrtzxshyagbbbbbbbbbb"))
        type(&p, "p2p1-aeaqdkbn7zsy")
        try check(view(p), "dialog-punch-80x24.txt")
        _ = update(&p, .key(.enter))
        _ = update(&p, .punchFinished(PunchSection(direct: true, localEndpoint: "198.51.100.2:40000", remoteEndpoint: "198.51.100.130:50000",
                                                   rttMs: 0.8, elapsedMs: 23, pairsTried: 2, reason: "r"),
                                      headline: "DIRECT path proven: local 198.51.100.2:40000 ↔ peer 198.51.100.130:50000, RTT 0.8 ms, after 23 ms"))
        try check(view(p), "dialog-punch-done-80x24.txt")
        var r = WizardModel(config: Fixtures.config())
        _ = start(&r)
        _ = update(&r, .tick(nowMs: 1234))
        r.screen = .hairpin
        try check(view(r), "5-hairpin-consent-running-80x24.txt")
        _ = update(&r, .resize(cols: 79, rows: 24))
        try check(view(r), "too-small-79x24.txt")
    }

    func check(_ grid: TextGrid, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(grid.cells.count == grid.rows && grid.cells.allSatisfy { $0.count == grid.cols })
        Self.golden.expect(grid.goldenText, matches: name, sourceLocation: sourceLocation)
    }
}
