// What an end-to-end test needs from the machine (root, the NAT lab's tools, a third-party
// program), as one Swift Testing trait checked before the test runs: `@Suite(.needsLab)`,
// `@Test(.needsLab(tools: ["python3"]))`, `@Test(.needsTools("stun"))`.
//
// Where something is missing the test does not run and says why (it shows as cancelled, with the
// reason). Under CI=true a missing prerequisite is a failure instead, so a CI job that silently
// skipped the lab cannot look green.
import Foundation
import Testing

public struct Needs: TestTrait, SuiteTrait, TestScoping {
    /// Why the test cannot run here, or nil when it can.
    let missing: @Sendable () -> String?

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // A suite's scope is provided again for each of its tests, which is where it is judged.
        guard !test.isSuite, let reason = missing() else { return try await function() }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            Issue.record("prerequisite missing under CI=true (CI must run every test): \(reason)",
                         sourceLocation: test.sourceLocation)
            return
        }
        print("skipped: \(test.name): \(reason)")
        try Test.cancel("skipped: \(reason)")
    }
}

extension Trait where Self == Needs {
    /// The NAT lab (scripts/natlab): real root, ip, nft, ss, turnserver, the built p2ptui, and
    /// `tools`.
    public static func needsLab(tools: [String] = []) -> Self {
        Needs { Machine.labMissing ?? Machine.missingTool(tools) }
    }

    public static var needsLab: Self { needsLab() }

    /// Root (real or mapped) and `tools`.
    public static func needsRoot(tools: [String] = []) -> Self {
        Needs { getuid() != 0 ? "needs root" : Machine.missingTool(tools) }
    }

    /// Programs on the PATH (scripts/deps installs them).
    public static func needsTools(_ tools: String...) -> Self {
        Needs { Machine.missingTool(tools) }
    }
}

/// What this machine has, looked up once per test process.
public enum Machine {
    /// The package root: Tests/Support/Needs.swift -> three levels up.
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let natlab = repoRoot.appendingPathComponent("scripts/natlab").path
    /// The binary under test: $P2PTUI_BIN, else this checkout's debug build.
    public static let p2ptui = ProcessInfo.processInfo.environment["P2PTUI_BIN"]
        ?? repoRoot.appendingPathComponent(".build/debug/p2ptui").path

    /// PATH for child processes: the lab's tools live in sbin directories.
    public static let path: String = {
        let inherited = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return ([inherited] + ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .filter { !$0.isEmpty }.joined(separator: ":")
    }()

    /// The first of `tools` that is not installed, as a reason; nil when all are.
    public static func missingTool(_ tools: [String]) -> String? {
        tools.first { Subprocess.which($0, path: path) == nil }.map { "needs `\($0)` (install with scripts/deps)" }
    }

    /// Why the NAT lab cannot run here, or nil when it can.
    public static let labMissing: String? = {
        if getuid() != 0 { return "the NAT lab needs root (network namespaces, nftables)" }
        // Root mapped inside a user namespace (scripts/test without root) cannot mount /run/netns.
        let uidMap = (try? String(contentsOfFile: "/proc/self/uid_map", encoding: .utf8)) ?? ""
        if uidMap.split(whereSeparator: \.isWhitespace) != ["0", "0", "4294967295"] {
            return "the NAT lab needs real root, not root in a user namespace"
        }
        if let tool = missingTool(["ip", "nft", "ss", "turnserver"]) { return "the NAT lab \(tool)" }
        if !FileManager.default.isExecutableFile(atPath: natlab) { return "no executable \(natlab)" }
        if !FileManager.default.isExecutableFile(atPath: p2ptui) { return "no p2ptui binary at \(p2ptui): run `swift build`" }
        return nil
    }()
}
