import Foundation
import P2PReport
import P2PTestSupport
import Testing

/// `p2ptui serve --egress-ports` and `check --egress-target` as binaries, on loopback (the lo-only
/// namespace): flags wired through, the sample repeatable by seed, bad input refused up front.
@Suite(.serialized) struct EgressServeCLITests {
    static let bin = InteropTests.binary

    @Test func socketsModeServerProvesEveryProbedPortAndTheSeedRepeatsTheSample() throws {
        // Fixed ports inside the server's range; a sample confined to it by --egress-port choice is
        // not possible (it spans 1024-65535), so the sample is 0 here and 4 in the second run.
        let server = try InteropTests.start([Self.bin, "serve", "--primary", "127.0.0.6", "--port", "22478",
                                             "--egress-ports", "22000-22063", "--egress-mode", "sockets"])
        defer { InteropTests.stop(server) }
        let base = [Self.bin, "check", "--json", "--no-hairpin", "--timeout", "3", "--stun", "127.0.0.6:22478",
                    "--egress-target", "127.0.0.6", "--egress-port", "22001", "--egress-port", "22443"]
        let out = try Subprocess.run(base + ["--egress-sample", "0"], timeout: 30)
        let r = try JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8))
        #expect(r.udp.status == .open, "\(r.udp.evidence)")
        #expect(r.udp.ports == [22478: .reached, 22001: .reached, 22443: .reached])
        #expect(r.udp.evidence.contains { $0.contains("port 22001") && $0.contains("the egress server answered") })
        // No --quic: the QUIC probe goes to port 443 of the egress target (closed here: not proven).
        #expect(r.quic.server == "127.0.0.6:443")
        let seeded = base + ["--egress-sample", "4", "--egress-seed", "99"]
        let a = try JSONDecoder().decode(Report.self, from: Data(try Subprocess.run(seeded, timeout: 30).stdout.utf8))
        let b = try JSONDecoder().decode(Report.self, from: Data(try Subprocess.run(seeded, timeout: 30).stdout.utf8))
        #expect(a.udp.ports.count == 7 && a.udp.ports.keys.sorted() == b.udp.ports.keys.sorted())
        #expect(a.udp.evidence.contains("random ports drawn with --egress-seed 99"))
    }

    /// nftables mode as the binary runs it (root, lo-only namespace): its table is in place while
    /// it serves, answers come through the redirect, and SIGTERM removes the table.
    @Test(.needsRoot(tools: ["nft"])) func nftablesModeInstallsItsTableAndRemovesItOnSIGTERM() throws {
        let nft = try #require(Subprocess.which("nft"))
        let server = try InteropTests.start([Self.bin, "serve", "--primary", "127.0.0.8", "--port", "24478",
                                             "--egress-ports", "24000-24099", "--egress-mode", "nftables"])
        let table = "p2ptui_egress_\(server)"
        var stopped = false
        defer { if !stopped { InteropTests.stop(server) } }
        // Up once its table is in (polled, bounded: a hang guard, not a speed test).
        var installed = false
        for _ in 0..<200 where !installed {
            installed = try Subprocess.run([nft, "list", "tables"], timeout: 10).stdout.contains(table)
            if !installed { usleep(50_000) }
        }
        #expect(installed)
        let out = try Subprocess.run([Self.bin, "check", "--json", "--no-hairpin", "--timeout", "3", "--stun", "127.0.0.8:24478",
                                      "--egress-target", "127.0.0.8", "--egress-port", "24001", "--egress-sample", "0"], timeout: 30)
        let r = try JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8))
        #expect(r.udp.ports[24001] == .reached, "\(r.udp.evidence)")
        #expect(r.udp.evidence.contains { $0.contains("port 24001") && $0.contains("the egress server answered") })
        InteropTests.stop(server)
        stopped = true
        #expect(!(try Subprocess.run([nft, "list", "tables"], timeout: 10).stdout.contains(table)), "table removed on SIGTERM")
    }

    @Test func badEgressFlagsAreUsageErrors() throws {
        for (args, flag) in [(["serve", "--primary", "127.0.0.6", "--egress-ports", "10-5"], "--egress-ports"),
                             (["serve", "--primary", "127.0.0.6", "--egress-ports", "0-5"], "--egress-ports"),
                             (["serve", "--primary", "127.0.0.6", "--egress-mode", "sockets"], "--egress-mode"),
                             (["check", "--egress-sample", "5000"], "--egress-sample")] {
            let out = try Subprocess.run([Self.bin] + args, timeout: 10)
            #expect(out.status == 2, "\(args)")
            #expect(out.stderr.contains(flag), "\(args): \(out.stderr)")
        }
        // A range beyond the open-file limit in sockets mode: a clear error naming the way out.
        let big = try Subprocess.run([Self.bin, "serve", "--primary", "127.0.0.6", "--port", "22479",
                                      "--egress-ports", "1-65535", "--egress-mode", "sockets"], timeout: 10)
        #expect(big.status != 0)
        #expect(big.stderr.contains("open-file limit") || big.stdout.contains("open-file limit"), "\(big.stderr)")
    }
}
