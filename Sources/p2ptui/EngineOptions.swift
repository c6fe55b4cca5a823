import ArgumentParser
import Foundation
import P2PProbes
import P2PReport

/// Flags shared by `check` and the wizard.
struct EngineOptions: ParsableArguments {
    @Option(name: .customLong("stun"), help: ArgumentHelp(
        "STUN server host[:port] (repeatable; default port 3478). Replaces the config file's and the built-in list.",
        valueName: "host[:port]"))
    var stun: [String] = []

    @Option(help: "Overall deadline in seconds for all probes.")
    var timeout: Double = 3.0

    @Flag(help: "Do not run the hairpin probe (it sends a packet to this host's own public address).")
    var noHairpin = false

    @Option(help: "Which side this machine is: client, connector or unknown.")
    var role: Role = .unknown

    @Option(help: "File listing STUN servers, one host[:port] per line ('#' comments). Default: $XDG_CONFIG_HOME/p2ptui/stun-servers.")
    var config: String?

    @Option(name: .customLong("egress-port"), help: ArgumentHelp(
        "Extra destination port for the UDP egress probe (repeatable; default 443, 53, 123, 40000, 51820).",
        valueName: "port"))
    var egressPorts: [UInt16] = []

    @Option(name: .customLong("egress-target"), help: ArgumentHelp(
        "Host running `p2ptui serve --egress-ports`: the egress ports and a random sample of others are proven by its answers, and QUIC filtering is told apart from a closed port (default: the extra ports go to the first STUN server's host, proven by ICMP).",
        valueName: "host"))
    var egressTarget: String?

    @Option(name: .customLong("egress-sample"), help: ArgumentHelp(
        "How many random ports (spread over 1024-65535) to probe on --egress-target (0-1024).", valueName: "n"))
    var egressSample: Int = EgressPlan.defaultSampleCount

    @Option(name: .customLong("egress-seed"), help: ArgumentHelp(
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

    func validate() throws {
        if egressPorts.contains(0) { throw ValidationError("--egress-port must be between 1 and 65535") }
        guard (0...1024).contains(egressSample) else { throw ValidationError("--egress-sample must be between 0 and 1024") }
        guard timeout > 0, timeout <= 60 else { throw ValidationError("--timeout must be between 0 and 60 seconds") }
    }

    /// Servers from --stun, else the config file, else the built-in list.
    func servers() throws -> [String] {
        if !stun.isEmpty { return stun }
        let path = config ?? Self.defaultConfigPath()
        guard let path, FileManager.default.fileExists(atPath: path) else {
            if let config { throw UserError("config file \(config) does not exist") }
            return CheckOptions.defaultServers
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw UserError("cannot read config file \(path)")
        }
        let servers = Self.parseConfig(text)
        guard !servers.isEmpty else { throw UserError("config file \(path) lists no STUN server") }
        return servers
    }

    static func parseConfig(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
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
        let egressQUIC = egressTarget.flatMap { t -> String? in
            let host = t.hasPrefix("[") ? String(t.dropFirst().prefix { $0 != "]" })
                : (t.filter { $0 == ":" }.count > 1 ? t : String(t.prefix { $0 != ":" }))
            guard !host.isEmpty else { return nil }
            return host.contains(":") ? "[\(host)]:443" : "\(host):443"
        }
        var options = CheckOptions(stunServers: try servers(), timeout: timeout, hairpin: !noHairpin, role: role,
                                   toolVersion: P2PTUI.version,
                                   egressPorts: egressPorts.isEmpty ? EgressPlan.defaultExtraPorts : egressPorts,
                                   egressTarget: egressTarget, quicServer: quic ?? egressQUIC ?? CheckOptions.defaultQUICServer,
                                   metadataEndpoint: endpoint, dmiRoot: dmi)
        options.egressSample = egressSample
        options.egressSeed = egressSeed
        return options
    }
}

extension Role: ExpressibleByArgument {}
