import Foundation
import P2PTestSupport
import Testing

/// The wizard against a hostile STUN server, metadata service and DMI strings: the
/// screen shows the hostile text as visible escapes, the pane holds no raw control character, and
/// the escape sequences did nothing (the pane's title is not the one the server tried to set).
@Suite(.serialized, .enabled(if: isolatedNetwork, "needs tmux and a network namespace with only lo (scripts/test)"))
struct HostileTUITests {
    @Test func hostileTextIsShownEscapedAndDoesNothing() throws {
        let stun = try HostileSTUNServer()
        let meta = try HostileMetadataServer()
        let dmi = try hostileDMIRoot()
        let cwd = try tempDir()
        defer { stun.stop(); meta.stop(); try? FileManager.default.removeItem(atPath: dmi) }
        let t = try Tmux(cols: 120, rows: 40, cwd: cwd)
        try t.shell("export LANG=C.UTF-8; \(binary) --stun \(stun.name) --timeout 2 --no-hairpin "
                    + "--metadata-endpoint \(meta.endpoint) --dmi-root \(dmi); echo EXIT=$?")
        #expect(t.waitFor(timeout: 5) { $0.contains("Step 1/8") } != nil, "\(t.capture())")
        // Every step, each screen checked once its probe has answered: NAT (the server's SOFTWARE)
        // and Cloud (the Server header, DMI strings) show the escapes.
        var seen = ""
        for step in 2...8 {
            try t.keys("n")
            _ = t.waitFor(timeout: 5) { $0.contains("Step \(step)/8") && !$0.contains("running") }
            let screen = t.capture()
            seen += screen
            if let bad = Hostile.rawControl(in: screen) { Issue.record("step \(step) screen: \(bad)") }
        }
        #expect(seen.contains("\\x1b"), "no visible escape on any screen:\n\(seen)")
        let title = (try? t.tmux(["display-message", "-p", "#{pane_title}"])) ?? ""
        #expect(!title.contains("PWNED"), "the server set the terminal title: \(title)")
        try t.keys("q", "y")
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=") } != nil, "\(t.capture())")
    }
}
