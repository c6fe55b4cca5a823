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

            SIGINT and SIGTERM stop it (exit status 0, counters printed). So does SIGHUP, sent when \
            the terminal it runs in closes, unless --ignore-hup is given or it was started with \
            SIGHUP ignored (nohup): use one of those to keep it serving after you log out; under a \
            service manager (systemd) it has no terminal, and no flag is needed.
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

    @Flag(name: .customLong("ignore-hup"),
          help: "Keep serving when the terminal closes (SIGHUP is ignored); SIGINT/SIGTERM still stop it.")
    var ignoreHup = false

    func validate() throws {
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
        let server: STUNServer
        do {
            server = try STUNServer(addresses: addresses, ratePerSecond: rateLimit)
        } catch {
            fail(error)
        }
        let listening = server.boundAddresses.map(\.description).joined(separator: ", ")
        if addresses.alternate == nil {
            emit("p2ptui serve: plain binding server on \(listening); no alternate address, so it cannot do behaviour tests (CHANGE-REQUEST gets error 420)")
        } else {
            emit("p2ptui serve: RFC 5780 server on \(listening); OTHER-ADDRESS \(addresses.otherAddress!)")
        }

        let quic: QUICVersionNegotiationServer?
        if let quicPort {
            do {
                quic = try QUICVersionNegotiationServer(bindTo: TransportAddress(addresses.primary, UInt16(quicPort)))
            } catch {
                fail(error)
            }
            emit("p2ptui serve: QUIC Version Negotiation responder on \(quic?.boundAddress?.description ?? "?")")
            let t = Thread { quic?.run() }
            t.name = "quic-vn"
            t.start()
        } else {
            quic = nil
        }

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
        let stop = StopSignals(ignoringHangup: ignoreHup) { [quic] _ in
            server.stop()
            quic?.stop()
        }
        let queue = DispatchQueue(label: "serve-control")
        let timer = DispatchSource.makeTimerSource(queue: queue)
        if statsInterval > 0 {
            timer.schedule(deadline: .now() + statsInterval, repeating: statsInterval)
            timer.setEventHandler {
                emit("p2ptui serve: \(server.stats)")
            }
        }
        timer.resume()
        done.wait()
        withExtendedLifetime(stop) { timer.cancel() }
        let why = stop.received == SIGHUP ? " (SIGHUP: the terminal closed; --ignore-hup keeps serving)" : ""
        emit("p2ptui serve: stopped\(why); \(server.stats)")
    }
}

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
