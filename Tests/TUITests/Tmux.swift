import Foundation
import Glibc
import P2PTestSupport

/// A private tmux server (own socket) holding one shell pane, driven like a person would.
final class Tmux {
    let socket: String
    let dir: URL

    init(cols: Int = 80, rows: Int = 24, cwd: URL) throws {
        socket = "p2ptui-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        dir = cwd
        try tmux(["-f", "/dev/null", "new-session", "-d", "-x", "\(cols)", "-y", "\(rows)", "-c", cwd.path,
                  "env -i PATH=/usr/bin:/bin HOME=\(cwd.path) TERM=screen-256color bash --norc --noprofile"])
        serverPid = pid_t((try? tmux(["display-message", "-p", "#{pid}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        try tmux(["set-option", "-g", "status", "off"])
        try shell("export PS1='PROMPT$ '; clear")
        _ = waitFor(timeout: 3) { $0.contains("PROMPT$") }
    }

    /// The server's process, to make sure it is gone at the end.
    private(set) var serverPid: pid_t = 0

    deinit { kill() }

    /// Ends the server (and with it the pane's shell and whatever runs there: they get SIGHUP).
    /// Every test calls it in a `defer`; `deinit` is the backstop. Idempotent.
    func kill() {
        _ = try? tmux(["kill-server"])
        guard serverPid > 0 else { return }
        let deadline = Date().addingTimeInterval(5)
        while processAlive(serverPid), Date() < deadline { usleep(10_000) }
        if processAlive(serverPid) { Glibc.kill(serverPid, SIGKILL) }
        serverPid = 0
    }

    static let minimumWait = 20.0

    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        // The server forks from the first command: it must inherit no pipe of ours (it would never
        // close it), so output is captured only for commands that talk to a running server.
        try spawn(["/usr/bin/tmux", "-L", socket] + args, capture: !args.contains("new-session"))
    }

    /// Types a command line and Enter.
    func shell(_ line: String) throws { try tmux(["send-keys", "-l", line]); try tmux(["send-keys", "Enter"]) }

    /// Sends tmux key names ("n", "Enter", "C-c", "PageDown").
    func keys(_ names: String...) throws { try tmux(["send-keys"] + names) }

    func literal(_ text: String) throws { try tmux(["send-keys", "-l", text]) }

    func capture() -> String { (try? tmux(["capture-pane", "-p"])) ?? "" }

    func resize(_ cols: Int, _ rows: Int) throws {
        try tmux(["resize-window", "-x", "\(cols)", "-y", "\(rows)"])
    }

    var alternateScreenOn: Bool { ((try? tmux(["display-message", "-p", "#{alternate_on}"])) ?? "").hasPrefix("1") }

    /// Polls the pane until `pred` holds; returns the seconds it took, or nil on timeout.
    /// `timeout` is a hang guard: never under `minimumWait`, since a shared 2-core CI machine can
    /// stall process start and redraws for seconds (the screen ends the wait, not the clock).
    func waitFor(timeout: Double, _ pred: (String) -> Bool) -> Double? {
        let timeout = max(timeout, Self.minimumWait)
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if pred(capture()) { return Date().timeIntervalSince(start) }
            usleep(2000)
        }
        return nil
    }
}

/// posix_spawn with every descriptor above stderr closed in the child (Foundation's Process leaks
/// its bookkeeping descriptors into tmux's daemonised server, and then waits for them forever).
func spawn(_ argv: [String], capture: Bool) throws -> String {
    var fds: [Int32] = [-1, -1]
    if capture { guard pipe(&fds) == 0 else { throw POSIXError(.EIO) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if capture {
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    for fd in open where fd > 2 && fd != fds[1] && fcntl(fd, F_GETFD) != -1 {
        posix_spawn_file_actions_addclose(&actions, fd)
    }
    if capture { posix_spawn_file_actions_addclose(&actions, fds[1]) }
    var cargs = argv.map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) } }
    var pid: pid_t = 0
    let rc = withCleanSignals { posix_spawn(&pid, argv[0], &actions, $0, &cargs, environ) }
    if capture { close(fds[1]) }
    guard rc == 0 else {
        if capture { close(fds[0]) }
        throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
    }
    var out = [UInt8]()
    if capture {
        var buf = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n > 0 { out += buf[0..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        close(fds[0])
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    return String(decoding: out, as: UTF8.self)
}

/// Alive and not a zombie (orphans are reparented to a PID 1 that may never reap them).
func processAlive(_ pid: pid_t) -> Bool {
    guard let st = procStat(pid) else { return false }
    return st.state != "Z"
}

/// State letter, parent, and CPU time (user + system, in clock ticks) from /proc/PID/stat.
func procStat(_ pid: pid_t) -> (state: Character, ppid: pid_t, cpuTicks: Int)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")") else { return nil }
    // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    let f = text[text.index(after: close)...].split(separator: " ")
    guard f.count > 12, let state = f[0].first, let ppid = pid_t(f[1]),
          let utime = Int(f[11]), let stime = Int(f[12]) else { return nil }
    return (state, ppid, utime + stime)
}
