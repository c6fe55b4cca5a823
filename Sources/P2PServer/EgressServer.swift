import Foundation
import P2PSocket
import STUNCodec
import Synchronization

/// How the egress-mode server covers every port of its range.
public enum EgressServerMode: String, Sendable, CaseIterable {
    /// One socket, and an nftables table (root only) that DNATs the range on the primary address to
    /// it; conntrack rewrites each reply's source back to the port the client addressed. Any range
    /// size, one file descriptor.
    case nftables
    /// One socket per port. No root needed, but each port costs a file descriptor, so the range is
    /// bounded by RLIMIT_NOFILE.
    case sockets
}

public enum EgressServerError: Error, CustomStringConvertible, Equatable {
    case tooManyPorts(needed: Int, limit: Int)
    case nftFailed(String)

    public var description: String {
        switch self {
        case let .tooManyPorts(n, l):
            return "--egress-ports needs \(n) sockets but the open-file limit is \(l): narrow the range, raise `ulimit -n`, or run as root with nftables (--egress-mode nftables) to serve any range from one socket"
        case let .nftFailed(why):
            return "nftables redirect failed: \(why)"
        }
    }
}

/// Counters of the egress-mode server.
public struct EgressServerStats: Sendable, Equatable, CustomStringConvertible {
    var tally = ServerTally()

    public var received: Int { tally.received }
    public var stunAnswered: Int { tally.answered }
    public var quicAnswered: Int { tally.otherAnswers }
    /// Packets that are no probe, and answers the kernel refused.
    public var dropped: Int { tally[.notAProbe] + tally[.sendFailed] }
    public var rateLimited: Int { tally[.rateLimited] }

    public var description: String {
        "egress: received \(received), answered STUN \(stunAnswered), QUIC VN \(quicAnswered); dropped \(dropped), rate-limited \(rateLimited)"
    }
}

/// `p2ptui serve --egress-ports LOW-HIGH`: answers a STUN Binding request and a QUIC Version
/// Negotiation probe on every UDP port of a range of the primary address (`EgressResponder`), so
/// `p2ptui check --egress-target` proves egress by answers instead of ICMP.
public final class EgressServer: Sendable {
    public let range: ClosedRange<UInt16>
    public let mode: EgressServerMode
    /// Ports of the range not answered here: taken by the serve command's other sockets or
    /// (sockets mode) already in use by another program.
    public let skipped: [UInt16]
    private let sockets: [UDPSocket]
    private let nftTable: String?
    private let nftPath: String
    private let family: String
    private let state: Mutex<(stats: EgressServerStats, limiter: RateLimiter)>
    private let stopFlag = Atomic<Bool>(false)
    private let clock: any MonotonicClock
    private let metrics: ServerMetrics?

    /// Sockets kept free for everything else the process opens (STUN, QUIC, stdio, nft).
    public static let reservedDescriptors = 64

    /// Binds now (and installs the nftables table), so errors surface before `run`. `exclude`:
    /// ports of `primary` other sockets of this process use; they are left alone.
    public init(primary: IPAddress, range: ClosedRange<UInt16>, exclude: Set<UInt16> = [], mode: EgressServerMode,
                ratePerSecond: Double = 2000, nftPath: String = "nft", clock: any MonotonicClock = SystemClock(),
                metrics: ServerMetrics? = nil) throws {
        self.range = range
        self.metrics = metrics
        self.mode = mode
        self.clock = clock
        self.nftPath = nftPath
        self.family = primary.isIPv4 ? "ip" : "ip6"
        let fam = AddressFamily(of: primary)
        state = Mutex((EgressServerStats(), RateLimiter(ratePerSecond: ratePerSecond)))
        switch mode {
        case .sockets:
            let wanted = range.filter { !exclude.contains($0) }
            let limit = Self.raiseFileLimit()
            let needed = wanted.count + Self.reservedDescriptors
            guard needed <= limit else { throw EgressServerError.tooManyPorts(needed: needed, limit: limit) }
            var socks: [UDPSocket] = []
            var skipped = range.filter { exclude.contains($0) }
            for port in wanted {
                do {
                    socks.append(try UDPSocket(family: fam, bindTo: TransportAddress(primary, port)))
                } catch let e as SocketError where e.code == EADDRINUSE {
                    skipped.append(port)
                } catch {
                    for s in socks { s.close() }
                    throw error
                }
            }
            sockets = socks
            self.skipped = skipped.sorted()
            nftTable = nil
        case .nftables:
            let socket = try UDPSocket(family: fam, bindTo: TransportAddress(primary, 0))
            let port = try socket.localAddress().port
            Self.removeStaleTables(nftPath)
            let table = "p2ptui_egress_\(getpid())"
            let rules = Self.nftRules(table: table, family: family, primary: primary, range: range,
                                      exclude: exclude.filter { range.contains($0) }, to: port)
            do {
                try Self.nft(nftPath, input: rules)
            } catch {
                socket.close()
                throw error
            }
            sockets = [socket]
            skipped = range.filter { exclude.contains($0) }
            nftTable = table
        }
    }

    /// The nftables table: new UDP flows to the range on `primary` (arriving, or sent from this
    /// host) are DNATed to the one socket; replies are un-NATed by conntrack. Pure, for tests.
    public static func nftRules(table: String, family: String, primary: IPAddress, range: ClosedRange<UInt16>,
                                exclude: Set<UInt16>, to port: UInt16) -> String {
        let daddr = family == "ip" ? "ip daddr \(primary)" : "ip6 daddr \(primary)"
        let target = TransportAddress(primary, port).description
        let excl = exclude.isEmpty ? "" : " udp dport != { \(exclude.sorted().map(String.init).joined(separator: ", ")) }"
        let rule = "\(daddr) udp dport \(range.lowerBound)-\(range.upperBound)\(excl) dnat to \(target)"
        return """
            table \(family) \(table) {
              chain pre { type nat hook prerouting priority -100; policy accept; \(rule); }
              chain out { type nat hook output priority -100; policy accept; \(rule); }
            }

            """
    }

    /// Tables `p2ptui_egress_<pid>` whose process is gone (a server killed with SIGKILL cannot
    /// remove its own): they would DNAT the range to a closed port, ahead of the new server's rule.
    static func removeStaleTables(_ path: String) {
        guard let listing = try? nftOutput(path, ["list", "tables"]) else { return }
        for table in staleTables(in: listing, isAlive: { kill($0, 0) == 0 || errno == EPERM }) {
            try? nft(path, input: "delete table \(table)\n")
        }
    }

    /// "family name" of every p2ptui egress table in `nft list tables` output whose PID `isAlive`
    /// denies. Pure, for tests.
    public static func staleTables(in listing: String, isAlive: (pid_t) -> Bool) -> [String] {
        listing.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, words[0] == "table", ["ip", "ip6"].contains(words[1]),
                  words[2].hasPrefix("p2ptui_egress_"), let pid = pid_t(words[2].dropFirst("p2ptui_egress_".count)),
                  !isAlive(pid) else { return nil }
            return "\(words[1]) \(words[2])"
        }
    }

    static func nftOutput(_ path: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path.contains("/") ? path : "/usr/bin/env")
        p.arguments = path.contains("/") ? args : [path] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data.prefix(65_536), as: UTF8.self)
    }

    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
    static func raiseFileLimit() -> Int {
        var r = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &r) == 0 else { return 1024 }
        if r.rlim_cur < r.rlim_max {
            var raised = r
            raised.rlim_cur = r.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { r = raised }
        }
        return r.rlim_cur > UInt(Int32.max) ? Int(Int32.max) : Int(r.rlim_cur)
    }

    static func nft(_ path: String, input: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path.contains("/") ? path : "/usr/bin/env")
        p.arguments = path.contains("/") ? ["-f", "-"] : [path, "-f", "-"]
        let stdin = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardError = stderr
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch { throw EgressServerError.nftFailed("cannot run \(path): \(error)") }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: err.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw EgressServerError.nftFailed("nft exited \(p.terminationStatus): \(text)")
        }
    }

    /// Sockets mode: how many ports are answered here.
    public var socketCount: Int { sockets.count }

    /// The local port of the one socket in nftables mode (every port of the range is sent there).
    public var redirectPort: UInt16? { mode == .nftables ? (try? sockets.first?.localAddress())?.port : nil }

    public var stats: EgressServerStats { state.withLock { $0.stats } }

    /// Asks `run` to return (within its poll interval).
    public func stop() { stopFlag.store(true, ordering: .relaxed) }

    /// Serves until `stop()`, then closes the sockets and removes the nftables table. Blocks the
    /// calling thread: run it on a thread of its own.
    public func run() {
        var tick: UInt = 0
        var buffer: [UInt8] = []
        while !stopFlag.load(ordering: .relaxed) {
            guard let ready = try? pollReadable(sockets, timeout: 0.1) else { continue }
            for index in ready {
                var tally = ServerTally()
                for _ in 0..<32 {
                    guard let d = try? sockets[index].receiveNow(into: &buffer) else { break }
                    tick &+= 1
                    let outcome = handle(d, on: sockets[index], timed: tick % ServerMetrics.latencySampling == 0)
                    tally.count(outcome)
                    state.withLock { $0.stats.tally.count(outcome) }
                }
                metrics?.egress.add(tally)
            }
        }
        removeTable()
        for s in sockets { s.close() }
    }

    /// Removes the nftables table (idempotent; also called by `run` on the way out).
    public func removeTable() {
        guard let nftTable else { return }
        try? Self.nft(nftPath, input: "delete table \(family) \(nftTable)\n")
    }

    private func handle(_ d: Datagram, on socket: UDPSocket, timed: Bool) -> ServerTally.Outcome {
        let start = clock.nowNanos()
        guard state.withLock({ $0.limiter.allow(d.source.ip, nowNanos: start) }) else { return .dropped(.rateLimited) }
        guard let answer = EgressResponder.reply(to: d.bytes, from: d.source, range: range,
                                                 quicUnusedBits: UInt8.random(in: 0...63)) else { return .dropped(.notAProbe) }
        let (bytes, isQUIC): ([UInt8], Bool)
        switch answer {
        case .stun(let b): (bytes, isQUIC) = (b, false)
        case .quic(let b): (bytes, isQUIC) = (b, true)
        }
        guard (try? socket.send(bytes, to: d.source)) != nil else { return .dropped(.sendFailed) }
        if timed, let metrics { metrics.egress.answered(startNanos: start, endNanos: clock.nowNanos()) }
        return .answered(other: isQUIC)
    }
}
