import Foundation
import Glibc
import P2PSocket
import P2PTestSupport
import STUNCodec
import Testing

/// A one-router lab inside the test's own network namespace: this namespace gets 192.0.2.1 on
/// a veth whose peer lives in a child namespace (the "router", 192.0.2.2, forwarding on) that
/// holds 198.51.100.254/24. A datagram to 198.51.100.1 with TTL 1 expires at the router, which
/// answers ICMP time exceeded: the path tracepath(8) and the hop probe rely on.
@Suite("TTL lab (router namespace)")
struct TTLLabTests {
    static let setup = """
        set -e
        unshare --net sleep 30 </dev/null >/dev/null 2>&1 & R=$!
        for i in $(seq 100); do [ "$(readlink /proc/$R/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.02; done
        ip link add p2pt0 type veth peer name p2pt1
        ip link set p2pt1 netns $R
        ip addr add 192.0.2.1/24 dev p2pt0
        ip link set p2pt0 up
        nsenter -t $R -n sh -ec 'ip link set lo up; ip addr add 192.0.2.2/24 dev p2pt1; ip link set p2pt1 up; \
          ip link add r0 type veth peer name r1; ip addr add 198.51.100.254/24 dev r0; ip link set r1 up; \
          ip link set r0 up; sysctl -qw net.ipv4.ip_forward=1'
        ip route add 198.51.100.0/24 via 192.0.2.2
        echo $R > "$1"
        """

    /// Runs `script` with bash and `arguments` ($1...), output discarded; returns the exit
    /// status. posix_spawn + waitpid: Foundation's Process also waits for the background
    /// router process that inherits its descriptors.
    static func bash(_ script: String, _ arguments: [String] = []) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["/bin/bash", "-c", script, "bash"] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", &actions, nil, &cArgs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }

    @Test(.needsRoot()) func ttlExpiryIsReportedWithTheRouterAsOffender() async throws {
        // Network safety: only ever build the lab in an isolated namespace that holds just lo.
        guard try interfaceAddresses().allSatisfy(\.isLoopback) else {
            print("TTL lab skipped: not in an lo-only network namespace")
            return
        }
        let pidFile = "/tmp/p2psocket-ttl-lab-\(getpid())"
        defer { unlink(pidFile) }
        let status = try await offPool { Self.bash(Self.setup, [pidFile]) }
        let out = (try? String(contentsOfFile: pidFile, encoding: .utf8)) ?? ""
        guard status == 0, let router = pid_t(out.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            print("TTL lab skipped: could not build the veth/router namespace (status \(status))")
            _ = Self.bash("ip link del p2pt0 2>/dev/null")
            return
        }
        defer {
            kill(router, SIGKILL)  // SIGKILL: the spawn may inherit a blocked SIGTERM
            _ = Self.bash("ip link del p2pt0 2>/dev/null; ip route del 198.51.100.0/24 2>/dev/null")
        }

        let s = try UDPSocket(family: .ipv4)
        defer { s.close() }
        try s.enableErrorQueue()
        try s.setTTL(1)
        let target = TransportAddress(.v4(198, 51, 100, 1), 33434)
        #expect(try routeSourceAddress(toward: target) == .v4(192, 0, 2, 1))
        try s.send([0x50], to: target)
        // The ICMP error surfaces as the socket error first (EHOSTUNREACH)...
        let outcome = try await offPool { Result { try s.receive(timeout: 2) } }
        let error = #expect(throws: SocketError.self) { _ = try outcome.get() }
        #expect(error?.isUnreachable == true)
        // ...and the error queue says who and why.
        let report = try #require(try s.readErrorQueue())
        #expect(report.origin == ICMPErrorReport.originICMP)
        #expect(report.type == 11)
        #expect(report.code == 0)
        #expect(report.errno == EHOSTUNREACH)
        #expect(report.offender == .v4(192, 0, 2, 2))
        #expect(report.destination == target)
        #expect(report.isTimeExceeded)
        #expect(try s.readErrorQueue() == nil)
    }
}
