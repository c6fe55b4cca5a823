// Runs scripts/natlab and other commands for the NAT lab tests, with bounded time and captured output.
//
// The lab needs root, `ip` and `nft` (network namespaces, nftables routers): every lab suite sits
// under `NATLab`, whose `.needsLab` trait skips it with the reason where they are missing (a
// failure under CI=true).
import Foundation
import P2PTestSupport
import Testing

/// Every lab test, one at a time: labs share one name prefix per test process and fixed addresses,
/// and the machine has few cores. `.serialized` here covers the nested suites too.
@Suite("NAT lab", .serialized, .needsLab)
enum NATLab {}

/// Where things are, and how to run them.
enum Lab {
    static let repoRoot = Machine.repoRoot
    static let natlab = Machine.natlab
    static let p2ptui = Machine.p2ptui

    /// One prefix per test process, so a developer's own lab or a parallel run never collides.
    static let prefix = "p2plt\(getpid())"

    /// STUN servers in the lab's simulated internet (see `scripts/natlab list`).
    static let p2ptuiServer = "203.0.113.10:3478"
    static let coturnServer = "203.0.113.20:3478"
    static let coturnHost = "203.0.113.20"
    static let routerWAN = "198.51.100.2"

    static let path = Machine.path

    static func which(_ tool: String) -> String? { Subprocess.which(tool, path: path) }

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

    /// `run` on a thread of its own: the wait takes seconds, and blocking the cooperative pool
    /// (two threads on a 2-core machine) would stall every test running beside it.
    static func runAsync(_ arguments: [String], timeout: Double = 120,
                         environment: [String: String] = [:]) async throws -> Outcome {
        try await offPool { try run(arguments, timeout: timeout, environment: environment) }
    }

    /// `inScenario` on a thread of its own.
    static func inScenarioAsync(_ scenario: String, _ command: [String], timeout: Double = 120) async throws -> Outcome {
        try await runAsync([natlab, "run", scenario] + command, timeout: timeout)
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
