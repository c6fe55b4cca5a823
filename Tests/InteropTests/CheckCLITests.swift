import Foundation
import P2PReport
import P2PTestSupport
import Testing

/// `p2ptui check` as a script uses it: exit statuses, JSON on stdout, saved summaries, errors.
/// Loopback only (the suite runs in the lo-only namespace); the server is the project's own.
@Suite(.serialized) struct CheckCLITests {
    static let bin = InteropTests.binary

    static func check(_ args: [String]) throws -> Subprocess.Outcome {
        try Subprocess.run([bin, "check", "--no-hairpin", "--timeout", "3"] + args, timeout: 30)
    }

    @Test func exitStatusesFollowTheFindings() throws {
        let server = try InteropTests.ownServer(port: 15478)
        defer { InteropTests.stop(server) }
        // Loopback: no NAT, open filtering, nothing in the way.
        let ok = try Self.check(["--json", "--stun", "127.0.0.1:15478"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(ok.stdout.utf8))
        #expect(report.nat.classicType == .openInternet)
        #expect(report.verdict.directConnection == .likely)
        // Nothing listens: UDP looks blocked, a finding (1).
        let blocked = try Self.check(["--stun", "127.0.0.1:15999"])
        #expect(blocked.status == 1)
        #expect(blocked.stdout.contains("Verdict: direct connection unlikely"))
        // A name that does not resolve: the check cannot decide (3), and says why.
        let dns = try Self.check(["--stun", "no-such-host.invalid"])
        #expect(dns.status == 3)
        #expect(dns.stdout.contains("DNS") || dns.stdout.contains("dns"), "\(dns.stdout)")
        // A bad flag is a usage error (2) with argument parser's message.
        let usage = try Self.check(["--timeout", "0"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--timeout"))
    }

    @Test func outputIsSavedAtomicallyAndNeverOverwrittenWithoutForce() throws {
        let server = try InteropTests.ownServer(port: 15488)
        defer { InteropTests.stop(server) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let txt = dir.appendingPathComponent("summary.txt").path
        let first = try Self.check(["--stun", "127.0.0.1:15488", "--output", txt, "--role", "connector"])
        #expect(first.status == 0, "\(first.stderr)")
        let saved = try String(contentsOfFile: txt, encoding: .utf8)
        #expect(saved.contains("Connector"))
        #expect(saved.split(separator: "\n").allSatisfy { $0.count <= 80 })
        // Existing file, no --force: refused with a clear message, old file kept.
        try "old\n".write(toFile: txt, atomically: true, encoding: .utf8)
        let refused = try Self.check(["--stun", "127.0.0.1:15488", "--output", txt])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("already exists"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: txt, encoding: .utf8) == "old\n")
        let forced = try Self.check(["--stun", "127.0.0.1:15488", "--output", txt, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: txt, encoding: .utf8).contains("NAT type"))
        // JSON by extension, redacted: loopback stays (not public), the report still decodes.
        let json = dir.appendingPathComponent("r.json").path
        let j = try Self.check(["--stun", "127.0.0.1:15488", "--output", json, "--redact"])
        #expect(j.status == 0)
        let r = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: json)))
        #expect(r.nat.mapping == .noNAT)
        // A missing directory: clear error, nothing written.
        let missing = try Self.check(["--stun", "127.0.0.1:15488", "--output", dir.path + "/nope/s.txt"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("does not exist"))
    }

    @Test func hairpinRunsOnlyWithTheHairpinFlag() throws {
        let server = try InteropTests.ownServer(port: 15508)
        defer { InteropTests.stop(server) }
        func report(_ flags: [String]) throws -> Report? {
            let out = try Subprocess.run([Self.bin, "check", "--json", "--timeout", "3", "--stun", "127.0.0.1:15508"] + flags,
                                         timeout: 30)
            return try? JSONDecoder().decode(Report.self, from: Data(out.stdout.utf8))
        }
        // By default the probe that sends a packet to this host's own public address stays off.
        #expect(try report([])?.hairpin.status == .notChecked)
        #expect(try report(["--no-hairpin"])?.hairpin.status == .notChecked)
        let asked = try report(["--hairpin"])
        #expect(asked != nil && asked?.hairpin.status != .notChecked, "\(asked?.hairpin.evidence ?? [])")
        let both = try Subprocess.run([Self.bin, "check", "--hairpin", "--no-hairpin"], timeout: 30)
        #expect(both.status == 2 && both.stderr.contains("--no-hairpin"), "\(both.stderr)")
    }

    @Test func anOutputPathThatCannotBeSavedToIsRefusedBeforeAnyProbe() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let existing = dir.appendingPathComponent("old.txt").path
        try "old\n".write(toFile: existing, atomically: true, encoding: .utf8)
        // -v prints "started" for every probe on stderr: none may appear, and no report either.
        for (path, words) in [(dir.path + "/nope/s.txt", "does not exist"), (existing, "already exists"),
                              (dir.path, "is a directory")] {
            let out = try Self.check(["-v", "--stun", "127.0.0.1:15998", "--output", path])
            #expect(out.status == 2, "\(path): \(out.stderr)")
            #expect(out.stderr.contains(words), "\(out.stderr)")
            #expect(!out.stderr.contains("started"), "\(out.stderr)")
            #expect(out.stdout.isEmpty, "\(out.stdout)")
        }
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "old\n")
    }

    @Test func aSaveThatFailsAfterTheRunHasItsOwnExitStatus() throws {
        // /proc passes the check made before the run (it exists, root may write), but no file can
        // be created in it: the save fails after the report was printed.
        guard geteuid() == 0 else { return }
        let server = try InteropTests.ownServer(port: 15498)
        defer { InteropTests.stop(server) }
        let out = try Self.check(["--stun", "127.0.0.1:15498", "--output", "/proc/p2ptui-summary.txt"])
        #expect(out.status == 4, "\(out.stderr)")
        #expect(out.stdout.contains("Verdict"), "\(out.stdout)")
        #expect(out.stderr.contains("/proc"), "\(out.stderr)")
    }
}
