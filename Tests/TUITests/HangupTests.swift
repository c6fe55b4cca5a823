import Foundation
import Glibc
import P2PTestSupport
import Testing

/// A closed terminal (window closed, SSH session dropped) ends p2ptui at once and leaves
/// nothing spinning. Each test finds the p2ptui process under the pane's shell, closes the terminal
/// (or signals it), and watches /proc until the process is gone, measuring the time and the CPU
/// it spent after the close. The 10 s limit is only a hang guard (the figure printed is typically
/// tens of milliseconds); a spinning process also fails the CPU guard.
@Suite(.serialized, .enabled(if: isolatedNetwork, "needs tmux and a network namespace with only lo (scripts/test)"))
struct HangupTests {
    static let hangGuard = 10.0
    /// CPU the process may use between the close and its end (a spinning one uses a core).
    static let cpuGuard = 0.5

    struct Ending {
        var gone: Bool
        var seconds: Double
        var cpuSeconds: Double
    }

    /// Runs `close`, then polls /proc until `pid` is gone or a zombie (hang guard), and kills it if
    /// it is still there so nothing outlives the test.
    static func watchEnd(of pid: pid_t, _ what: String, close: () throws -> Void) rethrows -> Ending {
        let before = procStat(pid)?.cpuTicks ?? 0
        var last = before
        let start = Date()
        try close()
        var gone = false
        while Date().timeIntervalSince(start) < hangGuard {
            guard let st = procStat(pid) else { gone = true; break }
            last = st.cpuTicks
            if st.state == "Z" { gone = true; break }
            usleep(2_000)
        }
        let seconds = Date().timeIntervalSince(start)
        if !gone { kill(pid, SIGKILL) }
        let end = Ending(gone: gone, seconds: seconds,
                         cpuSeconds: Double(last - before) / Double(sysconf(Int32(_SC_CLK_TCK))))
        print("Hang-up (\(what)): process \(gone ? "gone" : "STILL RUNNING") after \(Int(seconds * 1000)) ms, "
              + "CPU after the close \(Int(end.cpuSeconds * 1000)) ms")
        return end
    }

    static func expectEnded(_ e: Ending, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(e.gone, "\(what): p2ptui still running \(hangGuard) s after the close", sourceLocation: sourceLocation)
        #expect(e.cpuSeconds < cpuGuard, "\(what): \(e.cpuSeconds) s of CPU after the close", sourceLocation: sourceLocation)
    }

    /// The p2ptui process started from the pane: a descendant of the pane's shell.
    static func findP2PTUI(in t: Tmux, timeout: Double = 5) -> pid_t? {
        guard let shell = pid_t((try? t.tmux(["display-message", "-p", "#{pane_pid}"]))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else { return nil }
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
            for pid in pids {
                guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                      comm.hasPrefix("p2ptui") else { continue }
                var p = pid
                for _ in 0..<8 {
                    guard let st = procStat(p), st.ppid > 1 else { break }
                    if st.ppid == shell { return pid }
                    p = st.ppid
                }
            }
            usleep(20_000)
        }
        return nil
    }

    /// A loopback UDP socket that never answers: probes against it keep running until --timeout.
    final class SilentServer {
        let fd: Int32
        let target: String

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
                }
            }
            guard ok else { close(fd); throw POSIXError(.EADDRNOTAVAIL) }
            target = "127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
        }

        deinit { close(fd) }
    }

    /// Starts `command` (the wizard unless told otherwise) in a fresh pane and waits until its
    /// probes are running; returns the pane and p2ptui's PID.
    static func startMidProbe(_ prefix: String = "", _ args: String = "", silent: SilentServer) throws -> (Tmux, pid_t?) {
        let t = try Tmux(cwd: try tempDir())
        try t.shell("export LANG=C.UTF-8; \(prefix)\(binary) \(args) --stun \(silent.target) --timeout 30; echo EXIT=$?")
        if args.isEmpty {
            #expect(t.waitFor(timeout: 8) { $0.contains("Step 1/8") && $0.contains("Running:") } != nil,
                    "probes not running:\n\(t.capture())")
        }
        return (t, findP2PTUI(in: t))
    }

    @Test func closingTheWindowMidProbeEndsIt() throws {
        let silent = try SilentServer()
        let (t, found) = try Self.startMidProbe(silent: silent)
        defer { t.kill() }
        let pid = try #require(found, "no p2ptui under the pane")
        let e = try Self.watchEnd(of: pid, "window closed mid-probe") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "window closed mid-probe")
    }

    @Test func closingTheWindowOnAnIdleScreenEndsIt() throws {
        let t = try Tmux(cwd: try tempDir())
        defer { t.kill() }
        try t.shell("export LANG=C.UTF-8; \(binary) --stun 127.0.0.1:9 --timeout 1; echo EXIT=$?")
        #expect(t.waitFor(timeout: 10) { $0.contains("Step 1/8") && !$0.contains("Running:") } != nil,
                "probes did not finish:\n\(t.capture())")
        let pid = try #require(Self.findP2PTUI(in: t), "no p2ptui under the pane")
        usleep(300_000)
        let e = try Self.watchEnd(of: pid, "window closed on an idle screen") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "window closed on an idle screen")
    }

    /// `kill -HUP` with the terminal still there: status 129, no save prompt, terminal restored.
    @Test func sighupEndsItWith129() throws {
        let silent = try SilentServer()
        let (t, found) = try Self.startMidProbe(silent: silent)
        defer { t.kill() }
        let pid = try #require(found, "no p2ptui under the pane")
        let e = Self.watchEnd(of: pid, "kill -HUP mid-probe") { kill(pid, SIGHUP) }
        Self.expectEnded(e, "kill -HUP")
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=129") } != nil, "\(t.capture())")
        #expect(!t.capture().contains("has not been saved"))
        try expectRestored(t)
    }

    /// The terminal hangs up under a p2ptui that gets no SIGHUP (another session: `setsid`), so
    /// only the dead descriptor tells: reads end of file at once, forever. Today's main spun here.
    @Test func terminalGoneWithoutASignalEndsIt() throws {
        let silent = try SilentServer()
        let (t, found) = try Self.startMidProbe("setsid -w ", silent: silent)
        defer { t.kill() }
        let pid = try #require(found, "no p2ptui under the pane")
        let e = try Self.watchEnd(of: pid, "terminal gone, no signal") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "terminal gone, no signal")
    }

    /// Started with SIGHUP blocked (a parent's thread mask is inherited through exec: how a
    /// reported process caught SIGHUP and still never saw it), then the window closes.
    @Test func windowClosedWithSIGHUPBlockedEndsIt() throws {
        let silent = try SilentServer()
        let blocker = "python3 -c 'import os,signal,sys; signal.pthread_sigmask(signal.SIG_BLOCK,{signal.SIGHUP}); os.execv(sys.argv[1],sys.argv[1:])' "
        let (t, found) = try Self.startMidProbe(blocker, silent: silent)
        defer { t.kill() }
        let pid = try #require(found, "no p2ptui under the pane")
        let e = try Self.watchEnd(of: pid, "window closed, SIGHUP blocked") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "window closed, SIGHUP blocked")
    }

    /// `check` keeps SIGHUP's default action: a closed window ends it too.
    @Test func closingTheWindowEndsCheck() throws {
        let silent = try SilentServer()
        let (t, found) = try Self.startMidProbe("", "check", silent: silent)
        defer { t.kill() }
        let pid = try #require(found, "no p2ptui check under the pane")
        usleep(300_000)
        let e = try Self.watchEnd(of: pid, "check, window closed") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "check, window closed")
    }

    // MARK: serve

    static func bindingAnswered(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        // Binding request (RFC 8489 section 5): type 0x0001, length 0, magic cookie, transaction ID.
        let request: [UInt8] = [0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42] + (0..<12).map { _ in UInt8.random(in: 0...255) }
        let sent = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, request, request.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == request.count else { return false }
        var buf = [UInt8](repeating: 0, count: 1500)
        let n = recv(fd, &buf, buf.count, 0)
        return n >= 20 && buf[0] == 0x01 && buf[1] == 0x01 && Array(buf[8..<20]) == Array(request[8..<20])
    }

    /// Waits (hang guard) for `pid` to exit; its status like a shell's, or nil if it did not.
    static func waitExit(_ pid: pid_t, timeout: Double = hangGuard) -> Int32? {
        let start = Date()
        var status: Int32 = 0
        while Date().timeIntervalSince(start) < timeout {
            if waitpid(pid, &status, WNOHANG) == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }

    static func startServe(port: UInt16, _ extra: [String] = []) throws -> pid_t {
        let pid = try Subprocess.start([binary, "serve", "--primary", "127.0.0.1", "--port", "\(port)"] + extra)
        let start = Date()
        while Date().timeIntervalSince(start) < 5, !bindingAnswered(port: port) { usleep(50_000) }
        return pid
    }

    /// Without --ignore-hup, SIGHUP stops `serve` like SIGTERM (its terminal is gone).
    @Test func serveStopsOnSIGHUP() throws {
        let port = UInt16(21000 + getpid() % 9000)
        let pid = try Self.startServe(port: port)
        #expect(Self.bindingAnswered(port: port))
        kill(pid, SIGHUP)
        #expect(Self.waitExit(pid) == 0, "serve should stop cleanly on SIGHUP")
    }

    /// With --ignore-hup (a service manager, nohup), SIGHUP changes nothing; SIGTERM still stops it.
    @Test func serveIgnoreHupKeepsServing() throws {
        let port = UInt16(31000 + getpid() % 9000)
        let pid = try Self.startServe(port: port, ["--ignore-hup"])
        defer { kill(pid, SIGKILL); var s: Int32 = 0; waitpid(pid, &s, WNOHANG) }
        kill(pid, SIGHUP)
        usleep(300_000)
        #expect(processAlive(pid))
        #expect(Self.bindingAnswered(port: port), "serve --ignore-hup stopped answering after SIGHUP")
        kill(pid, SIGTERM)
        #expect(Self.waitExit(pid) == 0)
    }
}

extension HangupTests {
    /// The terminal's input descriptor reaches end of file under the wizard (test hook: fd 0
    /// replaced by a pipe at EOF; no signal): it ends with 129 and the screen, still there, is
    /// restored. Today's main spun here at full speed.
    @Test func inputAtEndOfFileEndsIt() throws {
        let t = try Tmux(cwd: try tempDir())
        defer { t.kill() }
        try t.shell("export LANG=C.UTF-8; \(binary) --stun 127.0.0.1:9 --test-stdin-eof-after-ms 1500; echo EXIT=$?")
        #expect(t.waitFor(timeout: 8) { $0.contains("Step 1/8") } != nil, "\(t.capture())")
        let pid = try #require(Self.findP2PTUI(in: t), "no p2ptui under the pane")
        let e = Self.watchEnd(of: pid, "input at end of file; time includes the wait for the hook") {}
        Self.expectEnded(e, "terminal input at end of file")
        #expect(t.waitFor(timeout: 5) { $0.contains("EXIT=129") } != nil, "\(t.capture())")
        try expectRestored(t)
    }
}

extension HangupTests {
    /// `punch` waiting for the other side's code on its terminal keeps SIGHUP's default action and
    /// reads stdin line by line (end of file ends it): a closed window ends it too.
    @Test func closingTheWindowEndsPunch() throws {
        let stun = StunServer()
        let t = try Tmux(cwd: try tempDir())
        defer { t.kill() }
        try t.shell("export LANG=C.UTF-8; \(binary) punch --stun \(stun.target); echo EXIT=$?")
        let pid = try #require(Self.findP2PTUI(in: t), "no p2ptui punch under the pane")
        // Its code is out (the first line): it now waits for the peer's.
        #expect(t.waitFor(timeout: 8) { $0.split(separator: "\n").count >= 2 } != nil, "\(t.capture())")
        usleep(300_000)
        let e = try Self.watchEnd(of: pid, "punch, window closed") { try t.tmux(["kill-session"]) }
        Self.expectEnded(e, "punch, window closed")
    }
}
