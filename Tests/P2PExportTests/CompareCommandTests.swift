// End-to-end tests of `p2ptui compare` and of saving on file systems that refuse the write.
//
// As root, chmod does not stop writes, so "read-only" and "disk full" are real file systems: a
// tmpfs mounted read-only, and a 16 KiB tmpfs filled up, each inside a private mount namespace
// (`unshare --mount`) so nothing shows outside the test. The writer is the real binary
// (`p2ptui compare --output`), which goes through AtomicFile.
import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Binary {
    /// `p2ptui`, built next to the test bundle by `swift build --build-tests`.
    static var path: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("p2ptui").path
    }

    static func run(_ exe: String, _ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: e, as: UTF8.self))
    }

    static func p2ptui(_ args: String...) throws -> Run { try run(path, args) }
}

@Suite(.serialized) struct CompareCommandTests {
    let dir: TempDir
    let client: String
    let connector: String
    let friendly: String

    init() throws {
        dir = try TempDir()
        client = dir.path + "/client.json"
        connector = dir.path + "/connector.json"
        friendly = dir.path + "/friendly.json"
        try Data(try ReportJSON.encode(ReportFixtures.homeAllPass)).write(to: URL(fileURLWithPath: client))
        try Data(try ReportJSON.encode(ReportFixtures.cloudAllFail)).write(to: URL(fileURLWithPath: connector))
        var other = ReportFixtures.homeAllPass
        other.run.role = .connector
        other.nat.publicEndpoint = "198.51.100.99:5000"
        try Data(try ReportJSON.encode(other)).write(to: URL(fileURLWithPath: friendly))
    }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Binary.path), "\(Binary.path)")
    }

    @Test func likelyExitsZero() throws {
        let r = try Binary.p2ptui("compare", client, friendly)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Direct connection: LIKELY"))
    }

    @Test func possibleOrUnlikelyExitsOneAndOrderFollowsRoles() throws {
        // Connector's report first: the roles inside put them back in order.
        let r = try Binary.p2ptui("compare", connector, client)
        #expect(r.status == 1)
        #expect(r.stdout.contains("Fix first: Connector"))
        let j = try Binary.p2ptui("compare", "--json", client, connector)
        #expect(j.status == 1)
        let c = try JSONDecoder().decode(Comparison.self, from: Data(j.stdout.utf8))
        #expect(c == Compare.compare(client: ReportFixtures.homeAllPass, connector: ReportFixtures.cloudAllFail))
    }

    @Test func badInputExitsTwoWithAClearMessage() throws {
        let missing = try Binary.p2ptui("compare", client, dir.path + "/nope.json")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read \(dir.path)/nope.json: no such file"))

        let text = dir.path + "/summary.txt"
        try Data(SummaryText.render(ReportFixtures.homeAllPass).utf8).write(to: URL(fileURLWithPath: text))
        let notJSON = try Binary.p2ptui("compare", text, client)
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr.contains("not a JSON file"))

        let v3 = dir.path + "/v3.json"
        try Data(#"{"schemaVersion": 3}"#.utf8).write(to: URL(fileURLWithPath: v3))
        let version = try Binary.p2ptui("compare", client, v3)
        #expect(version.status == 2)
        #expect(version.stderr.contains("schema version 3"))

        let other = dir.path + "/other.json"
        try Data(#"{"hello": "world"}"#.utf8).write(to: URL(fileURLWithPath: other))
        let notReport = try Binary.p2ptui("compare", other, client)
        #expect(notReport.status == 2)
        #expect(notReport.stderr.contains("not a p2ptui report"))
    }

    @Test func outputIsNotOverwrittenWithoutForce() throws {
        let out = dir.path + "/cmp.txt"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: out))
        let r = try Binary.p2ptui("compare", client, friendly, "--output", out)
        #expect(r.status == 3)
        #expect(r.stderr.contains("already exists; use --force"))
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self) == "keep me")
        let f = try Binary.p2ptui("compare", client, friendly, "--output", out, "--force")
        #expect(f.status == 0)
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self) == f.stdout)
    }

    /// Runs `script` in a private mount namespace (root only; everything it mounts vanishes with it).
    func inMountNamespace(_ script: String) throws -> Run {
        try Binary.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script])
    }

    @Test(.enabled(if: geteuid() == 0, "needs root for a private mount namespace"))
    func readOnlyDirectory() throws {
        let mnt = dir.path + "/ro"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        let r = try inMountNamespace("""
            mount -t tmpfs -o ro,size=64k tmpfs '\(mnt)' || exit 90
            '\(Binary.path)' compare '\(client)' '\(friendly)' --output '\(mnt)/cmp.txt' >/dev/null
            s=$?; ls -A '\(mnt)' >&2; exit $s
            """)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("read-only file system; choose another place"))
        #expect(!r.stderr.contains("cmp.txt"))
    }

    @Test(.enabled(if: geteuid() == 0, "needs root for a private mount namespace"))
    func fullDiskLeavesNoHalfWrittenFile() throws {
        let mnt = dir.path + "/full"
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        let r = try inMountNamespace("""
            mount -t tmpfs -o size=16k tmpfs '\(mnt)' || exit 90
            dd if=/dev/zero of='\(mnt)/filler' bs=1024 count=64 2>/dev/null
            '\(Binary.path)' compare --json '\(client)' '\(connector)' --output '\(mnt)/cmp.json' >/dev/null
            s=$?; echo "entries: $(ls -A '\(mnt)')" >&2; exit $s
            """)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("is full"))
        #expect(r.stderr.contains("entries: filler\n"), "only the filler remains: \(r.stderr)")
    }
}
