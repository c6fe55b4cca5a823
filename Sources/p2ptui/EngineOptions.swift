import ArgumentParser
import Foundation
import P2PAddress
import P2PProbes
import P2PReport
import P2PSocket

/// Flags shared by `check` and the wizard.
struct EngineOptions: ParsableArguments {
    @Option(name: .customLong("stun"), help: ArgumentHelp(
        "STUN server host[:port] (repeatable; default port 3478). Replaces the config file's and the built-in list.",
        valueName: "host[:port]"))
    var stun: [String] = []

    // `.unconditional`: "--timeout -1" is a value to refuse with the bounds, not a missing one.
    @Option(parsing: .unconditional, help: "Overall deadline in seconds for all probes (more than 0, at most 60).")
    var timeout: Double = 3.0

    // Opt-in: the probe sends a packet to this host's own public address, which some firewalls
    // take for a LAND attack (README "Hairpin: why it is opt-in").
    @Flag(help: "check: also run the hairpin probe (it sends a packet to this host's own public address, which some firewalls take for an attack). The wizard asks before running it.")
    var hairpin = false

    @Flag(help: "Never run the hairpin probe: the wizard does not offer it (for check this is already the default).")
    var noHairpin = false

    @Option(help: "Which side this machine is: client, connector or unknown.")
    var role: Role = .unknown

    @Option(help: "File listing STUN servers, one host[:port] per line ('#' comments). Default: $XDG_CONFIG_HOME/p2ptui/stun-servers.")
    var config: String?

    // Int, not UInt16, so that 0, 70000 and -1 get a message with the bounds.
    @Option(name: .customLong("egress-port"), parsing: .unconditionalSingleValue, help: ArgumentHelp(
        "Extra destination port for the UDP egress probe (repeatable, 1-65535; default 443, 53, 123, 40000, 51820).",
        valueName: "port"))
    var egressPorts: [Int] = []

    @Option(name: .customLong("egress-target"), help: ArgumentHelp(
        "Host running `p2ptui serve --egress-ports`: the egress ports and a random sample of others are proven by its answers, and QUIC filtering is told apart from a closed port (default: the extra ports go to the first STUN server's host, proven by ICMP).",
        valueName: "host"))
    var egressTarget: String?

    @Option(name: .customLong("egress-sample"), parsing: .unconditional, help: ArgumentHelp(
        "How many random ports (spread over the egress server's range, above 1023 where it reaches) to probe on --egress-target (0-1024).", valueName: "n"))
    var egressSample: Int = EgressPlan.defaultSampleCount

    @Option(name: .customLong("egress-seed"), parsing: .unconditional, help: ArgumentHelp(
        "Seed of the random port sample (default: fresh each run; the report names it), to repeat a run.", valueName: "n"))
    var egressSeed: UInt64?

    @Option(name: .customLong("quic"), help: ArgumentHelp(
        "QUIC server for the Version Negotiation probe (default: port 443 of --egress-target, else \(CheckOptions.defaultQUICServer)).",
        valueName: "host[:port]"))
    var quic: String?
    @Option(help: ArgumentHelp("Cloud metadata service base URL (default http://169.254.169.254, asked only on a cloud VM; given, it is always asked). Env P2PTUI_METADATA_ENDPOINT.",
                               valueName: "url"))
    var metadataEndpoint: String?

    @Option(help: ArgumentHelp("Directory of DMI strings used to recognise a cloud VM (default /sys/class/dmi/id). Env P2PTUI_DMI_ROOT.",
                               valueName: "path"))
    var dmiRoot: String?

    @Option(name: .customLong("nat-device"), help: ArgumentHelp(
        "The device that does NAT for this network, for its exact fix; overrides what the check identifies. One of: "
            + NATDevice.allCases.map(\.rawValue).joined(separator: ", ") + ".", valueName: "name"))
    var natDevice: NATDevice?

    /// Every value is checked here, before anything runs (ArgumentParser calls this after parsing):
    /// a bad one is a usage error naming the flag, or the config file and line.
    func validate() throws {
        if hairpin && noHairpin { throw ValidationError("--hairpin and --no-hairpin contradict each other: give one") }
        try FlagCheck.seconds(timeout, flag: "--timeout", max: 60)
        for p in egressPorts { try FlagCheck.port(p, flag: "--egress-port") }
        guard (0...1024).contains(egressSample) else {
            throw ValidationError("--egress-sample \(egressSample) is out of range: give a number of ports from 0 to 1024")
        }
        for s in stun { try FlagCheck.hostPort(s, flag: "--stun", defaultPort: 3478) }
        if let egressTarget { try FlagCheck.hostPort(egressTarget, flag: "--egress-target", defaultPort: 1) }
        if let quic { try FlagCheck.hostPort(quic, flag: "--quic", defaultPort: 443) }
        if let metadataEndpoint { try FlagCheck.httpURL(metadataEndpoint, flag: "--metadata-endpoint") }
        else if let env = Self.env("P2PTUI_METADATA_ENDPOINT") { try FlagCheck.httpURL(env, flag: "P2PTUI_METADATA_ENDPOINT") }
        if let (root, name) = dmiRoot.map({ ($0, "--dmi-root") }) ?? Self.env("P2PTUI_DMI_ROOT").map({ ($0, "P2PTUI_DMI_ROOT") }) {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("\(name) \(FlagCheck.quote(root)) is not a directory (default /sys/class/dmi/id)")
            }
        }
        // The config file (when --stun does not replace it): every line, now. A ValidationError,
        // so that it is a usage error (2) and --help still wins.
        do { _ = try servers() } catch let e as UserError { throw ValidationError(e.message) }
    }

    private static func env(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Servers from --stun, else the config file, else the built-in list.
    /// A file named with --config is checked even when --stun replaces it (a broken file the
    /// person pointed at is never silently ignored); the default file only when it is used.
    func servers() throws -> [String] {
        if !stun.isEmpty {
            if config != nil { _ = try serversFromConfig() }
            return stun
        }
        return try serversFromConfig()
    }

    private func serversFromConfig() throws -> [String] {
        let path = config ?? Self.defaultConfigPath()
        guard let path, FileManager.default.fileExists(atPath: path) else {
            if let config { throw UserError("config file \(FlagCheck.quote(config)) does not exist") }
            return CheckOptions.defaultServers
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UserError("cannot read config file \(FlagCheck.quote(path)) (it must be UTF-8 text)")
        }
        let servers: [String]
        switch Self.parseConfig(text) {
        case .success(let list): servers = list
        case .failure(let list):
            let bad = list.lines
            // Every bad line, with its number; nothing runs with half a configuration.
            let lines = bad.prefix(5).map { "  line \($0.line): \(FlagCheck.quote($0.text)): \($0.error)" }
            throw UserError("config file \(FlagCheck.quote(path)) has \(bad.count) bad line\(bad.count == 1 ? "" : "s"):\n"
                            + lines.joined(separator: "\n")
                            + (bad.count > 5 ? "\n  ..." : "")
                            + "\nEach line holds one STUN server host[:port] (default port 3478), e.g. \(HostPort.examples); '#' starts a comment.")
        }
        guard !servers.isEmpty else { throw UserError("config file \(FlagCheck.quote(path)) lists no STUN server") }
        return servers
    }

    /// A config line that is not a host[:port].
    struct BadLine: Error, Equatable {
        var line: Int
        var text: String
        var error: HostPort.ParseError
    }

    /// The servers of a config file: one host[:port] per line, '#' comments, blank lines skipped.
    /// Every line is checked with the parser the probes use; any bad line fails the whole file.
    static func parseConfig(_ text: String) -> Result<[String], BadLineList> {
        var servers: [String] = []
        var bad: [BadLine] = []
        // Split on LF and CRLF only (a stray CR or other control stays in its line and is reported).
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (i, raw) in lines.enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let entry = line.trimmingCharacters(in: .whitespaces)
            if entry.isEmpty { continue }
            switch HostPort.parse(entry, defaultPort: 3478) {
            case .success: servers.append(entry)
            case .failure(let e): bad.append(BadLine(line: i + 1, text: entry, error: e))
            }
        }
        return bad.isEmpty ? .success(servers) : .failure(BadLineList(lines: bad))
    }

    struct BadLineList: Error, Equatable {
        var lines: [BadLine]
    }

    static func defaultConfigPath() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let x = env["XDG_CONFIG_HOME"], !x.isEmpty { return x + "/p2ptui/stun-servers" }
        if let h = env["HOME"], !h.isEmpty { return h + "/.config/p2ptui/stun-servers" }
        return nil
    }

    func checkOptions() throws -> CheckOptions {
        let env = ProcessInfo.processInfo.environment
        let endpoint = metadataEndpoint ?? env["P2PTUI_METADATA_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
        let dmi = dmiRoot ?? env["P2PTUI_DMI_ROOT"].flatMap { $0.isEmpty ? nil : $0 } ?? "/sys/class/dmi/id"
        // An egress server answers QUIC Version Negotiation on every port: its 443 is the QUIC server.
        let egressQUIC = egressTarget.flatMap { HostPort($0, defaultPort: 443) }.map { HostPort(host: $0.host, port: 443).description }
        var options = CheckOptions(stunServers: try servers(), timeout: timeout, hairpin: hairpin, role: role,
                                   toolVersion: P2PTUI.version,
                                   egressPorts: egressPorts.isEmpty ? EgressPlan.defaultExtraPorts : egressPorts.map { UInt16($0) },
                                   egressTarget: egressTarget, quicServer: quic ?? egressQUIC ?? CheckOptions.defaultQUICServer,
                                   metadataEndpoint: endpoint, dmiRoot: dmi)
        options.egressSample = egressSample
        options.egressSeed = egressSeed
        options.natDevice = natDevice
        return options
    }
}

extension Role: ExpressibleByArgument {}
extension NATDevice: ExpressibleByArgument {}
