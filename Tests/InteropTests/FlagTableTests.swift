import Foundation
import P2PTestSupport
import Testing

/// Bad flag and config values are usage errors (exit 2) before anything runs, and the message names
/// the flag (or the config file and line) and what a good value looks like. Each case
/// fails in argument validation, so the table costs well under a second.
@Suite(.serialized) struct FlagTableTests {
    static let bin = InteropTests.binary

    struct Case: CustomStringConvertible, Sendable {
        var args: [String]
        /// Every one of these must appear in stderr.
        var says: [String]
        var description: String { args.joined(separator: " ").debugDescription }
    }

    static let checkCases: [Case] = [
        Case(args: ["--stun", "[::1"], says: ["--stun '[::1'", "no closing ']'", "[2001:db8::1]:3478"]),
        Case(args: ["--stun", "host:99999"], says: ["--stun 'host:99999'", "port '99999'", "1 to 65535"]),
        Case(args: ["--stun", ":3478"], says: ["--stun ':3478'", "no host"]),
        Case(args: ["--stun", "host:0"], says: ["--stun", "port '0'", "1 to 65535"]),
        Case(args: ["--stun", "a b"], says: ["--stun 'a b'", "not a name"]),
        Case(args: ["--stun", "bad\u{1B}[31mhost"], says: ["--stun 'bad\\x1b[31mhost'"]),
        Case(args: ["--stun", "ok.example", "--stun", "2001:db8::1:3478:x"], says: ["--stun", "[v6]:port"]),
        Case(args: ["--quic", "bad::host"], says: ["--quic 'bad::host'", "IPv6 address"]),
        Case(args: ["--egress-target", "x:y"], says: ["--egress-target 'x:y'", "port 'y'"]),
        Case(args: ["--metadata-endpoint", "ftp://x"], says: ["--metadata-endpoint 'ftp://x'", "http://169.254.169.254"]),
        Case(args: ["--metadata-endpoint", "http://:80/"], says: ["--metadata-endpoint"]),
        Case(args: ["--metadata-endpoint", "http://h:0/"], says: ["--metadata-endpoint", "bad host or port"]),
        Case(args: ["--timeout", "0"], says: ["--timeout 0", "more than 0 and at most 60"]),
        Case(args: ["--timeout", "-1"], says: ["--timeout -1", "more than 0 and at most 60"]),
        Case(args: ["--timeout", "61"], says: ["--timeout 61", "at most 60"]),
        Case(args: ["--timeout", "nan"], says: ["--timeout", "at most 60"]),
        Case(args: ["--timeout", "soon"], says: ["--timeout"]),
        Case(args: ["--egress-port", "0"], says: ["--egress-port 0", "1 to 65535"]),
        Case(args: ["--egress-port", "70000"], says: ["--egress-port 70000", "1 to 65535"]),
        Case(args: ["--egress-port", "-5"], says: ["--egress-port -5", "1 to 65535"]),
        Case(args: ["--role", "server"], says: ["--role", "client", "connector"]),
        Case(args: ["--nat-device", "netgear"], says: ["--nat-device", "'netgear'", "pfsense", "cisco-asa", "azure-nat-gateway"]),
        Case(args: ["--nat-device", "FortiGate"], says: ["--nat-device", "fortigate"]),
        Case(args: ["--format", "xml"], says: ["--format", "openmetrics"]),
        Case(args: ["--format", "openmetrics", "--json"], says: ["--json", "--format openmetrics"]),
        Case(args: ["--every", "0s"], says: ["--every", "30s, 5m or 1h", "'0s'"]),
        Case(args: ["--every", "soon"], says: ["--every", "'soon'"]),
        Case(args: ["--every", "5m", "--json"], says: ["--every", "--output FILE"]),
        Case(args: ["--egress-sample", "-1"], says: ["--egress-sample -1", "from 0 to 1024"]),
        Case(args: ["--lifetime", "--lifetime-max", "5"], says: ["--lifetime-max 5", "from 10 to 3600"]),
        Case(args: ["--lifetime-max", "3601"], says: ["--lifetime-max 3601", "from 10 to 3600"]),
        Case(args: ["--egress-sample", "2000"], says: ["--egress-sample 2000", "from 0 to 1024"]),
        Case(args: ["--egress-seed", "-1"], says: ["--egress-seed"]),
        Case(args: ["--dmi-root", "/no/such/dir"], says: ["--dmi-root '/no/such/dir'", "not a directory"]),
        Case(args: ["--config", "/no/such/file"], says: ["config file '/no/such/file' does not exist"]),
    ]

    static let serveCases: [Case] = [
        Case(args: ["--primary", "nope"], says: ["--primary", "IP address literal", "'nope'"]),
        Case(args: ["--primary", "127.0.0.1", "--port", "0"], says: ["--port 0", "1 to 65535"]),
        Case(args: ["--primary", "127.0.0.1", "--port", "70000"], says: ["--port 70000", "1 to 65535"]),
        Case(args: ["--primary", "127.0.0.1", "--port", "-1"], says: ["--port -1", "1 to 65535"]),
        Case(args: ["--primary", "127.0.0.1", "--alternate-port", "99999"], says: ["--alternate-port 99999"]),
        Case(args: ["--primary", "127.0.0.1", "--quic-port", "0"], says: ["--quic-port 0"]),
        Case(args: ["--primary", "127.0.0.1", "--metrics", "localhost:9469"], says: ["--metrics 'localhost:9469'", "127.0.0.1:9469"]),
        Case(args: ["--primary", "127.0.0.1", "--metrics", "::1:9469"], says: ["--metrics", "[::1]:9469"]),
        Case(args: ["--primary", "127.0.0.1", "--metrics", "127.0.0.1:0"], says: ["--metrics", "HOST:PORT"]),
        Case(args: ["--primary", "127.0.0.1", "--alternate", "127.0.0.2", "--port", "65535"],
             says: ["--alternate-port"]),
        Case(args: ["--primary", "127.0.0.1", "--rate-limit", "-1"], says: ["--rate-limit -1", "from 0"]),
        Case(args: ["--primary", "127.0.0.1", "--stats-interval", "-2"], says: ["--stats-interval -2", "from 0"]),
        Case(args: ["--primary", "127.0.0.1", "--alternate", "::1"], says: ["same IP version"]),
        Case(args: ["--primary", "127.0.0.1", "--egress-ports", "0-70000"], says: ["--egress-ports", "65535", "'0-70000'"]),
    ]

    static func expectUsageError(_ argv: [String], _ c: Case, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = try Subprocess.run(argv, timeout: 20)
        #expect(out.status == 2, "\(c): exit \(out.status), stderr \(out.stderr)", sourceLocation: sourceLocation)
        for s in c.says {
            #expect(out.stderr.contains(s), "\(c): stderr lacks \(s.debugDescription):\n\(out.stderr)", sourceLocation: sourceLocation)
        }
        #expect(Hostile.rawControl(in: out.stderr + out.stdout) == nil, "\(c): raw control in \(out.stderr.debugDescription)",
                sourceLocation: sourceLocation)
        // Nothing ran: no probe output, no report.
        #expect(!out.stdout.contains("Verdict"), "\(c)", sourceLocation: sourceLocation)
    }

    @Test(arguments: checkCases) func badCheckFlag(_ c: Case) throws {
        try Self.expectUsageError([Self.bin, "check"] + c.args, c)
    }

    /// `--help` of check and of the wizard names every NAT device `--nat-device` takes.
    @Test(arguments: [["check", "--help"], ["wizard", "--help"]]) func helpListsTheNATDevices(_ args: [String]) throws {
        let out = try Subprocess.run([Self.bin] + args, timeout: 20)
        #expect(out.status == 0, "\(out.stderr)")
        let help = out.stdout.replacingOccurrences(of: "\n", with: " ").split(separator: " ").joined(separator: " ")
        #expect(help.contains("--nat-device"))
        for d in ["pfsense", "opnsense", "fortigate", "paloalto", "cisco-asa", "juniper-srx", "sonicwall", "linux",
                  "aws-nat-gateway", "aws-eks", "gcp-cloud-nat", "azure-nat-gateway"] {
            #expect(help.contains(d), "\(args): --help lacks \(d)")
        }
    }

    @Test(arguments: serveCases) func badServeFlag(_ c: Case) throws {
        try Self.expectUsageError([Self.bin, "serve"] + c.args, c)
    }

    /// The wizard checks its flags before it asks for a terminal.
    @Test func badWizardFlag() throws {
        let c = Case(args: ["--stun", "host:99999"], says: ["--stun 'host:99999'", "1 to 65535"])
        try Self.expectUsageError([Self.bin] + c.args, c)
    }

    @Test func badConfigLinesAreNamedWithTheirNumbers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("p2ptui-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("stun-servers").path
        try """
        # servers
        stun.example.net:3478
        :::bad::

        host:99999   # a comment
        evil\u{1B}[31mred
        [2001:db8::1]:3478
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let c = Case(args: ["--config", path],
                     says: ["config file '\(path)' has 3 bad lines", "line 3: ':::bad::'", "line 5: 'host:99999'",
                            "port '99999'", "line 6: 'evil\\x1b[31mred'", "host[:port]"])
        try Self.expectUsageError([Self.bin, "check", "--config", path], c)
        // Named with --config, it is checked even when --stun replaces it.
        try Self.expectUsageError([Self.bin, "check", "--config", path, "--stun", "127.0.0.1"], c)
        // The same file through XDG_CONFIG_HOME (the default path) is checked just the same.
        let xdg = dir.appendingPathComponent("xdg")
        try FileManager.default.createDirectory(at: xdg.appendingPathComponent("p2ptui"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path, toPath: xdg.appendingPathComponent("p2ptui/stun-servers").path)
        var env = ProcessInfo.processInfo.environment
        env["XDG_CONFIG_HOME"] = xdg.path
        let out = try Subprocess.run([Self.bin, "check"], timeout: 20, environment: env)
        #expect(out.status == 2, "\(out.stderr)")
        #expect(out.stderr.contains("line 3: ':::bad::'"), "\(out.stderr)")
        // A good file and --stun replacing a bad one are accepted (checked with a bad --timeout so
        // that nothing runs: the message is then about --timeout, not the config).
        try "stun.example.net\n[2001:db8::1]:3478 # v6\n".write(toFile: path, atomically: true, encoding: .utf8)
        let good = try Subprocess.run([Self.bin, "check", "--config", path, "--timeout", "0"], timeout: 20)
        #expect(good.status == 2 && good.stderr.contains("--timeout") && !good.stderr.contains("config"), "\(good.stderr)")
    }

    @Test func badMetadataEndpointFromTheEnvironmentIsNamed() throws {
        var env = ProcessInfo.processInfo.environment
        env["P2PTUI_METADATA_ENDPOINT"] = "ftp://x"
        let out = try Subprocess.run([Self.bin, "check"], timeout: 20, environment: env)
        #expect(out.status == 2)
        #expect(out.stderr.contains("P2PTUI_METADATA_ENDPOINT 'ftp://x'"), "\(out.stderr)")
    }
}
