import Foundation
import P2PTestSupport
import Testing

/// The wizard inside a NAT lab scenario, so what it shows live comes from a real Linux NAT, not
/// from loopback: behind the `symmetric` router the NAT step must say "Symmetric NAT" and the
/// summary must not say a direct connection is likely.
@Suite(.serialized, .enabled(if: isolatedNetwork, "needs tmux and a network namespace with only lo (scripts/test)"),
       .needsLab)
struct LabTUITests {
    static let natlab = packageRoot.appendingPathComponent("scripts/natlab").path

    /// A natlab under a prefix of this process's own (`tag` keeps two tests apart): `natlab ARGS...`
    /// with `up`, then the environment that reaches it and the `down` to defer; nil after
    /// recording why it did not come up.
    static func lab(_ tag: String, _ args: [String]) throws -> (prefix: String, env: [String: String], down: () -> Void)? {
        let prefix = "\(tag)\(getpid() % 100_000)"
        var env = ProcessInfo.processInfo.environment
        env["NATLAB_PREFIX"] = prefix
        env["NATLAB_QUIET"] = "1"
        env["P2PTUI_BIN"] = binary
        env["PATH"] = "/usr/local/sbin:/usr/sbin:/sbin:" + (env["PATH"] ?? "/usr/bin:/bin")
        let up = try Subprocess.run([natlab] + args, timeout: 60, environment: env)
        let downArgs = args.first == "pair" ? ["pair", "down"] : ["down"]
        let down = { [env] in _ = try? Subprocess.run([natlab] + downArgs, timeout: 60, environment: env) }
        guard up.status == 0 else {
            Issue.record("natlab \(args.joined(separator: " ")): \(up.stderr)")
            down()
            return nil
        }
        return (prefix, env, down)
    }

    @Test func liveResultsBehindASymmetricNAT() throws {
        guard let (prefix, _, down) = try Self.lab("p2pw", ["up", "symmetric"]) else { return }
        defer { down() }

        let t = try Tmux(cwd: try tempDir())
        defer { t.kill() }
        try t.shell("export LANG=C.UTF-8 PATH=/usr/sbin:/sbin:$PATH NATLAB_PREFIX=\(prefix); "
                    + "\(Self.natlab) exec client \(binary) --stun 203.0.113.10:3478 --stun 203.0.113.20:3478 "
                    + "--no-hairpin --role client; echo EXIT=$?")
        #expect(t.waitFor(timeout: 8) { $0.contains("Step 1/8") } != nil, "\(t.capture())")
        try t.keys("n", "n")
        // The spinner gives way to the live result: a fail naming the lab router's behaviour.
        let nat = t.waitFor(timeout: 8) { $0.contains("Step 3/8: NAT type") && $0.contains("✘ fail")
            && $0.contains("(Symmetric NAT)") }
        #expect(nat != nil, "the NAT step shows the lab router's behaviour:\n\(t.capture())")
        try t.keys("n", "n", "n", "n", "n")
        // Waits for the verdict too: a screen captured mid-draw may not show it yet.
        #expect(t.waitFor(timeout: 5) { $0.contains("Step 8/8: Summary") && !$0.contains("still running")
            && $0.contains("Direct connection: ") } != nil, "\(t.capture())")
        let summary = t.capture()
        #expect(summary.contains("Direct connection: UNLIKELY"), "a symmetric NAT is never 'likely':\n\(summary)")
        // Under the verdict, what decides comes first: the NAT's mapping, not a QUIC note.
        let lines = summary.split(separator: "\n").map(String.init)
        let verdictAt = lines.firstIndex { $0.contains("Direct connection: UNLIKELY") } ?? lines.endIndex
        let firstReason = lines[verdictAt...].first { $0.contains("•") }
        #expect(firstReason?.contains("The public port changes per destination") == true,
                "the verdict's first reason names the symmetric NAT:\n\(summary)")
        try t.keys("q")
        if t.waitFor(timeout: 2, { $0.contains("The summary has not been saved.") }) != nil { try t.keys("y") }
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=0") } != nil, "\(t.capture())")
        try expectRestored(t)
    }

    /// The Summary step's keepalive measurement against a router whose conntrack forgets idle UDP
    /// flows after 20 s: `l` starts it, a progress bar runs, the result names the interval.
    @Test func keepaliveMeasuresTheIdleTimeout() throws {
        guard let (prefix, _, down) = try Self.lab("p2pk", ["up", "udp-timeout-20"]) else { return }
        defer { down() }

        let t = try Tmux(cwd: try tempDir())
        defer { t.kill() }
        try t.shell("export LANG=C.UTF-8 PATH=/usr/sbin:/sbin:$PATH NATLAB_PREFIX=\(prefix); "
                    + "\(Self.natlab) exec client \(binary) --stun 203.0.113.10:3478 --no-hairpin; echo EXIT=$?")
        #expect(t.waitFor(timeout: 8) { $0.contains("Step 1/8") } != nil, "\(t.capture())")
        try t.keys("n", "n", "n", "n", "n", "n", "n")
        #expect(t.waitFor(timeout: 5) { $0.contains("Step 8/8: Summary") } != nil, "\(t.capture())")
        try t.keys("l", "End")
        #expect(t.waitFor(timeout: 10) { $0.contains("s left") && $0.contains("█") } != nil,
                "a progress bar while it runs:\n\(t.capture())")
        // The 20 s timeout lies between the rungs at 15 and 25 s; the search stops at 25 s.
        #expect(t.waitFor(timeout: 60) { $0.contains("Idle mapping lifetime: between 15 and 25 s") } != nil,
                "\(t.capture())")
        try t.keys("q")
        if t.waitFor(timeout: 2, { $0.contains("The summary has not been saved.") }) != nil { try t.keys("y") }
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=0") } != nil, "\(t.capture())")
        try expectRestored(t)
    }
}

/// Under CI=true the tmux tests must run, never be skipped as disabled.
@Test func tuiTestsAreNotSkippedUnderCI() {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        #expect(isolatedNetwork, "TUITests need tmux and the lo-only namespace scripts/test provides")
    }
}
