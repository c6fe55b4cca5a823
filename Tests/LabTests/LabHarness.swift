// Runs scripts/natlab and other commands for the NAT lab tests, with bounded time and captured output.
//
// The lab needs root, `ip` and `nft` (network namespaces, nftables routers). Without them a test
// prints why and returns; under CI=true a missing prerequisite is a failure instead, so a CI job
// that silently skipped the lab cannot look green.
import Foundation
import P2PTestSupport
import Testing

/// Every lab test, one at a time: labs share one name prefix per test process and fixed addresses,
/// and the machine has few cores. `.serialized` here covers the nested suites too.
@Suite("NAT lab", .serialized)
enum NATLab {}

/// Where things are, and how to run them.
enum Lab {
    /// The package root: Tests/LabTests/LabHarness.swift -> three levels up.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let natlab = repoRoot.appendingPathComponent("scripts/natlab").path
    /// The binary under test: $P2PTUI_BIN, else this checkout's debug build.
    static let p2ptui = ProcessInfo.processInfo.environment["P2PTUI_BIN"]
        ?? repoRoot.appendingPathComponent(".build/debug/p2ptui").path

    /// One prefix per test process, so a developer's own lab or a parallel run never collides.
    static let prefix = "p2plt\(getpid())"

    /// STUN servers in the lab's simulated internet (see `scripts/natlab list`).
    static let p2ptuiServer = "203.0.113.10:3478"
    static let coturnServer = "203.0.113.20:3478"
    static let coturnHost = "203.0.113.20"
    static let routerWAN = "198.51.100.2"

    /// PATH for child processes: the lab's tools live in sbin directories.
    static let path: String = {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return ([inherited] + ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .filter { !$0.isEmpty }.joined(separator: ":")
    }()

    static func which(_ tool: String) -> String? {
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Why the lab cannot run here, or nil when it can. `tools` are extra commands a test needs.
    static func missingPrerequisite(tools: [String] = []) -> String? {
        if getuid() != 0 { return "the NAT lab needs root (network namespaces, nftables)" }
        // Root mapped inside a user namespace (scripts/test without root) cannot mount /run/netns.
        let uidMap = (try? String(contentsOfFile: "/proc/self/uid_map", encoding: .utf8)) ?? ""
        if uidMap.split(whereSeparator: \.isWhitespace) != ["0", "0", "4294967295"] {
            return "the NAT lab needs real root, not root in a user namespace"
        }
        for tool in ["ip", "nft", "ss", "turnserver"] + tools where which(tool) == nil {
            return "the NAT lab needs `\(tool)` (install with scripts/deps)"
        }
        if !FileManager.default.isExecutableFile(atPath: natlab) { return "no executable \(natlab)" }
        return nil
    }

    /// True when the test may go on. Otherwise prints the reason (skip), or records a failure
    /// under CI=true.
    static func available(tools: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard let reason = missingPrerequisite(tools: tools) else { return true }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("NAT lab prerequisite missing under CI=true: \(reason)", sourceLocation: sourceLocation)
        } else {
            print("LabTests: skipped: \(reason)")
        }
        return false
    }

    typealias Outcome = Subprocess.Outcome

    /// Runs `arguments[0]` (looked up in the lab's PATH unless it has a slash) with the lab's
    /// environment (NATLAB_PREFIX, P2PTUI_BIN). After `timeout` seconds the child gets SIGTERM
    /// (natlab then tears its lab down) and, 5 s later, SIGKILL.
    static func run(_ arguments: [String], timeout: Double = 120,
                    environment extra: [String: String] = [:]) throws -> Outcome {
        precondition(!arguments.isEmpty)
        let executable = arguments[0].contains("/") ? arguments[0] : (which(arguments[0]) ?? arguments[0])
        var env = ProcessInfo.processInfo.environment
        env["PATH"] = path
        env["NATLAB_PREFIX"] = prefix
        env["P2PTUI_BIN"] = p2ptui
        for (key, value) in extra { env[key] = value }
        return try Subprocess.run([executable] + arguments.dropFirst(), timeout: timeout, environment: env)
    }

    /// `scripts/natlab run SCENARIO COMMAND...`: builds the scenario, runs the command in the client
    /// namespace, always tears down.
    static func inScenario(_ scenario: String, _ command: [String], timeout: Double = 120) throws -> Outcome {
        try run([natlab, "run", scenario] + command, timeout: timeout)
    }

    /// `inScenario` on a thread of its own: the wait takes seconds, and blocking the cooperative
    /// pool (two threads on a 2-core machine) would stall every test running beside it.
    static func inScenarioAsync(_ scenario: String, _ command: [String], timeout: Double = 120) async throws -> Outcome {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try inScenario(scenario, command, timeout: timeout) }) }.start()
        }
    }

    /// Running and not a zombie (a container's PID 1 may never reap the daemons natlab leaves to
    /// it, so `kill(pid, 0)` alone would call a dead daemon alive).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != nil && state != "Z"
    }

    /// Namespaces this test process's prefix left behind (should always be empty).
    static func leftoverNamespaces() throws -> [String] {
        let listing = try run(["ip", "netns", "list"], timeout: 10)
        return listing.stdout.split(separator: "\n")
            .map { String($0.split(separator: " ").first ?? "") }
            .filter { $0.hasPrefix(prefix + "-") }
    }
}
