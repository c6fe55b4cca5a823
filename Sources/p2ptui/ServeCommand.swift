import ArgumentParser
import Dispatch
import Foundation
import P2PServer
import P2PSocket
import STUNCodec

/// `p2ptui serve`: the project's own RFC 5780 STUN server.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run an RFC 5780 STUN server (behaviour discovery needs two addresses).",
        discussion: """
            With --primary and --alternate, listens on four sockets (each address with --port and \
            --alternate-port) and answers CHANGE-REQUEST from the right one, so clients can test NAT \
            mapping and filtering. With one address it is a plain binding server and rejects \
            CHANGE-REQUEST with error 420, so no client mistakes it for a behaviour-test server.

            Egress mode (--egress-ports LOW-HIGH): the server also answers a STUN Binding request and \
            a QUIC Version Negotiation probe on every UDP port of that range of --primary, so \
            `p2ptui check --egress-target ADDR` proves outbound UDP to a random sample of ports by \
            answers, and tells QUIC filtering from a closed port. Run it on any public host (next \
            to the Connector, say) with the range open in its firewall. As root with nftables \
            (--egress-mode nftables, the default for root) one socket serves the whole range: an \
            nftables table p2ptui_egress_<pid> DNATs new UDP flows to the range on --primary to it \
            (other programs' ports on that address in the range are taken over; this command's own \
            STUN ports are left alone) and is removed on exit. Otherwise (--egress-mode sockets) each \
            port takes a socket, so the range is bounded by the open-file limit (ulimit -n); ports \
            already in use are skipped.

            SIGINT and SIGTERM stop it (exit status 0, counters printed). So does SIGHUP, sent when \
            the terminal it runs in closes, unless --ignore-hup is given or it was started with \
            SIGHUP ignored (nohup): use one of those to keep it serving after you log out; under a \
            service manager (systemd) it has no terminal, and no flag is needed.

            --metrics HOST:PORT serves Prometheus metrics at http://HOST:PORT/metrics: requests, \
            answers, drops by reason, QUIC Version Negotiation and egress answers, and a latency \
            histogram. The package's p2ptui-serve.service runs it as its own user with only \
            CAP_NET_BIND_SERVICE, with the options of /etc/p2ptui/serve.conf, and restarts it on \
            failure.
            """)

    @Option(help: "Primary address to listen on (IPv4 or IPv6 literal).")
    var primary: String

    @Option(help: "Alternate address (a second address of this host) for behaviour tests.")
    var alternate: String?

    // Numbers are Int/Double parsed unconditionally so that 0, 70000 or -1 get a message with
    // the bounds (from validate()) rather than "invalid value" or "missing value".
    @Option(parsing: .unconditional, help: "Primary UDP port (1-65535).")
    var port: Int = 3478

    @Option(parsing: .unconditional, help: "Alternate UDP port (1-65535; default: --port + 1).")
    var alternatePort: Int?

    @Option(parsing: .unconditional, help: "Requests per second allowed from one source address (0: unlimited).")
    var rateLimit: Double = 500

    @Option(parsing: .unconditional, help: "Print counters every N seconds (0: only on exit).")
    var statsInterval: Double = 0

    @Option(parsing: .unconditional, help: "Also answer QUIC long-header packets with Version Negotiation on this UDP port of the primary address (a stand-in QUIC server, e.g. 443).")
    var quicPort: Int?

    @Option(help: ArgumentHelp("Also answer STUN and QUIC Version Negotiation on every UDP port of this range of the primary address (egress mode, e.g. 1-65535).",
                               valueName: "LOW-HIGH"))
    var egressPorts: String?

    @Option(help: "How egress mode covers the range: nftables (root; one socket, any range) or sockets (one per port, bounded by ulimit -n). Default: nftables when root and nft is installed, else sockets.")
    var egressMode: EgressServerMode?

    /// "LOW-HIGH" (or one port) as a range of ports 1-65535; nil when malformed.
    static func parseRange(_ text: String) -> ClosedRange<UInt16>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let lo = UInt16(parts[0].trimmingCharacters(in: .whitespaces)), lo >= 1 else { return nil }
        let hi = parts.count == 2 ? UInt16(parts[1].trimmingCharacters(in: .whitespaces)) : lo
        guard let hi, hi >= lo else { return nil }
        return lo...hi
    }

    @Option(help: ArgumentHelp("Serve Prometheus metrics (requests, answers, drops by reason, QUIC Version Negotiation and egress answers, a latency histogram) over HTTP at http://HOST:PORT/metrics.",
                               valueName: "HOST:PORT"))
    var metrics: String?

    @Flag(name: .customLong("ignore-hup"),
          help: "Keep serving when the terminal closes (SIGHUP is ignored); SIGINT/SIGTERM still stop it.")
    var ignoreHup = false

    func validate() throws {
        if let egressPorts, Self.parseRange(egressPorts) == nil {
            throw ValidationError("--egress-ports must be LOW-HIGH with 1 <= LOW <= HIGH <= 65535, got \(FlagCheck.quote(egressPorts))")
        }
        if let metrics, MetricsEndpoint.parse(metrics) == nil {
            throw ValidationError("--metrics \(FlagCheck.quote(metrics)) is not HOST:PORT with an IP literal and a port 1 to 65535, such as 127.0.0.1:9469 or [::1]:9469")
        }
        if egressMode != nil && egressPorts == nil { throw ValidationError("--egress-mode needs --egress-ports") }
        guard IPAddress(primary) != nil else {
            throw ValidationError("--primary must be an IP address literal such as 192.0.2.1 or 2001:db8::1, got \(FlagCheck.quote(primary))")
        }
        try FlagCheck.port(port, flag: "--port")
        if let alternatePort { try FlagCheck.port(alternatePort, flag: "--alternate-port") }
        if let quicPort { try FlagCheck.port(quicPort, flag: "--quic-port") }
        if alternatePort == nil, alternate != nil, port == 65535 {
            throw ValidationError("--port 65535 leaves no room for the default --alternate-port (--port + 1): give --alternate-port")
        }
        try FlagCheck.nonNegative(rateLimit, flag: "--rate-limit", meaning: "requests per second, 0 for unlimited")
        try FlagCheck.nonNegative(statsInterval, flag: "--stats-interval", meaning: "seconds, 0 for only on exit")
        if let alternate {
            guard let a = IPAddress(alternate) else {
                throw ValidationError("--alternate must be an IP address literal such as 192.0.2.2, got \(FlagCheck.quote(alternate))")
            }
            guard a.isIPv4 == IPAddress(primary)!.isIPv4 else { throw ValidationError("--primary and --alternate must be the same IP version") }
            guard a != IPAddress(primary) else { throw ValidationError("--alternate must differ from --primary") }
        }
        if let alternatePort, alternatePort == port { throw ValidationError("--alternate-port must differ from --port") }
    }

    func run() throws {
        let addresses = ServerAddresses(primary: IPAddress(primary)!, alternate: alternate.flatMap { IPAddress($0) },
                                        port: UInt16(port), alternatePort: alternatePort.map { UInt16($0) })
        let endpoint = startMetrics()
        let server: STUNServer
        // In egress mode the STUN ports carry the egress marker too: a client recognises the
        // egress server through any port that answers, these included.
        let egressRange = egressPorts.flatMap { Self.parseRange($0) }
        do {
            server = try STUNServer(addresses: addresses, ratePerSecond: rateLimit,
                                    software: egressRange.map { EgressMarker.software(range: $0) },
                                    metrics: endpoint?.metrics)
        } catch {
            fail(error)
        }
        let listening = server.boundAddresses.map(\.description).joined(separator: ", ")
        if addresses.alternate == nil {
            emit("p2ptui serve: plain binding server on \(listening); no alternate address, so it cannot do behaviour tests (CHANGE-REQUEST gets error 420)")
        } else {
            emit("p2ptui serve: RFC 5780 server on \(listening); OTHER-ADDRESS \(addresses.otherAddress!)")
        }

        let egress = egressRange.map { startEgress(range: $0, addresses: addresses, metrics: endpoint?.metrics) }
        let quic = startQUIC(addresses: addresses, egressRange: egressRange, metrics: endpoint?.metrics)
        serveUntilStopped(server, quic: quic, egress: egress)
        endpoint?.stop()
    }

    /// Starts the egress server on its own thread (`--egress-ports`) and says what it covers.
    func startEgress(range egressRange: ClosedRange<UInt16>, addresses: ServerAddresses,
                     metrics: ServerMetrics?) -> EgressServer {
        let mode = egressMode ?? (getuid() == 0 && Self.which("nft") != nil ? .nftables : .sockets)
        var own: Set<UInt16> = [addresses.port]
        if addresses.alternate != nil { own.insert(addresses.alternatePort) }
        if let quicPort, let q = UInt16(exactly: quicPort), !egressRange.contains(q) { own.insert(q) }
        let egress: EgressServer
        do {
            egress = try EgressServer(primary: addresses.primary, range: egressRange, exclude: own, mode: mode,
                                      ratePerSecond: rateLimit > 0 ? max(rateLimit, 2000) : 0,
                                      nftPath: Self.which("nft") ?? "nft", metrics: metrics)
        } catch {
            fail(error)
        }
        let how = mode == .nftables ? "nftables DNAT to port \(egress.redirectPort.map(String.init) ?? "?")" : "\(egress.socketCount) sockets"
        let skipped = egress.skipped
        let skipText = skipped.isEmpty ? "" : "; not covered (this server's STUN ports or in use): \(skipped.prefix(20).map(String.init).joined(separator: ", "))\(skipped.count > 20 ? ", ..." : "")"
        emit("p2ptui serve: egress mode: STUN and QUIC Version Negotiation on UDP \(addresses.primary) ports \(egressRange.lowerBound)-\(egressRange.upperBound) (\(how))\(skipText)")
        let t = Thread { egress.run() }
        t.name = "egress"
        t.start()
        return egress
    }

    /// Starts the QUIC Version Negotiation responder (`--quic-port`) unless the egress range covers its port.
    func startQUIC(addresses: ServerAddresses, egressRange: ClosedRange<UInt16>?,
                   metrics: ServerMetrics?) -> QUICVersionNegotiationServer? {
        guard let quicPort, !(egressRange.map { r in UInt16(exactly: quicPort).map(r.contains) ?? false } ?? false) else {
            return nil
        }
        let quic: QUICVersionNegotiationServer
        do {
            quic = try QUICVersionNegotiationServer(bindTo: TransportAddress(addresses.primary, UInt16(quicPort)),
                                                    metrics: metrics)
        } catch {
            fail(error)
        }
        emit("p2ptui serve: QUIC Version Negotiation responder on \(quic.boundAddress?.description ?? "?")")
        let t = Thread { quic.run() }
        t.name = "quic-vn"
        t.start()
        return quic
    }

    /// Runs the STUN server on its own thread until a signal stops it, printing the counters every
    /// `--stats-interval` and on the way out.
    func serveUntilStopped(_ server: STUNServer, quic: QUICVersionNegotiationServer?, egress: EgressServer?) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            server.run()
            done.signal()
        }
        thread.name = "stun-server"
        thread.start()

        // Signals and the stats timer run on a background queue; this thread just waits for the server.
        // A dead terminal must not stop the counters' writer either (emit ignores write errors).
        signal(SIGPIPE, SIG_IGN)
        let stop = StopSignals(ignoringHangup: ignoreHup) { [quic, egress] _ in
            server.stop()
            quic?.stop()
            egress?.stop()
        }
        let queue = DispatchQueue(label: "serve-control")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        if statsInterval > 0 {
            timer.schedule(deadline: .now() + statsInterval, repeating: statsInterval)
            timer.setEventHandler { [egress] in
                emit("p2ptui serve: \(server.stats)")
                if let egress { emit("p2ptui serve: \(egress.stats)") }
            }
        }
        timer.resume()
        done.wait()
        withExtendedLifetime(stop) { timer.cancel() }
        if let egress {
            // The egress thread removes its nftables table on the way out; make sure it is gone.
            egress.stop()
            egress.removeTable()
            emit("p2ptui serve: \(egress.stats)")
        }
        let why = stop.received == SIGHUP ? " (SIGHUP: the terminal closed; --ignore-hup keeps serving)" : ""
        emit("p2ptui serve: stopped\(why); \(server.stats)")
    }
}

extension ServeCommand {
    /// With --metrics: the endpoint, listening (a port that cannot be bound ends the command).
    func startMetrics() -> MetricsEndpoint? {
        guard let metrics, let (ip, port) = MetricsEndpoint.parse(metrics) else { return nil }
        let endpoint: MetricsEndpoint
        do { endpoint = try MetricsEndpoint(ip: ip, port: port) } catch { fail(error) }
        if let why = endpoint.start() {
            fail(UserError("--metrics \(endpoint.address): cannot serve metrics there: \(why)", status: ExitStatus.couldNotRun))
        }
        emit("p2ptui serve: Prometheus metrics on http://\(endpoint.address)/metrics")
        return endpoint
    }

    /// Full path of `tool` in PATH (plus the sbin directories, where nft lives), or nil.
    static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/local/sbin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
            return "\(dir)/\(tool)"
        }
        return nil
    }
}

extension EgressServerMode: ExpressibleByArgument {}

/// Unbuffered line to stdout (the lab and scripts read it while the server runs). Errors are
/// ignored: a closed terminal or log reader must not stop (or crash) the server.
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if n > 0 { off += n } else if n < 0 && errno == EINTR { continue } else { return }
    }
}
