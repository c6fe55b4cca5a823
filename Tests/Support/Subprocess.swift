// Runs commands for the end-to-end tests (lab, interop) with bounded time and captured output.
import Foundation

public enum Subprocess {
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
        public var timedOut: Bool
    }

    /// Runs `arguments[0]` (an absolute path, or looked up in PATH) with `environment` (default:
    /// this process's). Output goes to temporary files, so a chatty child can never block on a full pipe.
    /// After `timeout` seconds the child gets SIGTERM (natlab then tears its lab down) and,
    /// 5 s later, SIGKILL.
    ///
    /// posix_spawn + waitpid rather than Foundation's `Process`: on Linux, `Process` did not notice
    /// that `natlab up` had exited once it left daemons running (seen with swift-corelibs-foundation
    /// in this container), which hung the suite.
    public static func run(_ arguments: [String], timeout: Double = 120,
                           environment: [String: String]? = nil) throws -> Outcome {
        precondition(!arguments.isEmpty)
        let env = environment ?? ProcessInfo.processInfo.environment
        let executable = arguments[0].contains("/") ? arguments[0] : (which(arguments[0], path: env["PATH"]) ?? arguments[0])
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("p2ptui-subprocess-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("stdout").path
        let errPath = dir.appendingPathComponent("stderr").path


        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments.dropFirst()).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        let start = Date()
        var pid: pid_t = 0
        let spawned = withCleanSignals { posix_spawn(&pid, executable, &actions, $0, argv, envp) }
        guard spawned == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "posix_spawn \(executable): \(String(cString: strerror(spawned)))"])
        }
        var status: Int32 = 0
        var timedOut = false
        var killed = false
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0, errno != EINTR { throw CocoaError(.executableLoad) }
            let elapsed = Date().timeIntervalSince(start)
            if elapsed > timeout + 5, !killed {
                killed = true
                kill(pid, SIGKILL)
            } else if elapsed > timeout, !timedOut {
                timedOut = true
                kill(pid, SIGTERM)
            }
            usleep(10_000)
        }
        // Exit code, or 128 + signal like a shell.
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        return Outcome(status: code,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                       seconds: Date().timeIntervalSince(start), timedOut: timedOut)
    }


    /// First executable `tool` in `path` (default: this process's PATH plus the sbin directories).
    public static func which(_ tool: String, path: String? = nil) -> String? {
        let dirs = (path ?? ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin"
        for dir in dirs.split(separator: ":") {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts a long-running child (a server) with output to /dev/null; stop it with `stop`.
    public static func start(_ arguments: [String]) throws -> pid_t {
        let executable = arguments[0].contains("/") ? arguments[0] : (which(arguments[0]) ?? arguments[0])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = withCleanSignals { posix_spawn(&pid, executable, &actions, $0, argv, environ) }
        guard rc == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "posix_spawn \(executable): \(String(cString: strerror(rc)))"])
        }
        return pid
    }

    /// SIGTERM, then SIGKILL after a second, and reap.
    public static func stop(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}

/// Calls `body` with posix_spawn attributes under which the child starts with no signal blocked
/// and every signal at its default action. Tests run on Swift concurrency's worker threads, which
/// block SIGHUP, SIGINT, SIGTERM and most others, and a child inherits its parent thread's mask:
/// a tmux server spawned so ignored `kill-server` (a SIGTERM to itself) and outlived the tests,
/// and a program under test could never see the hang-up of its terminal.
public func withCleanSignals<T>(_ body: (UnsafePointer<posix_spawnattr_t>) throws -> T) rethrows -> T {
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attr, &none)
    var all = sigset_t()
    sigfillset(&all)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return try body(&attr)
}
