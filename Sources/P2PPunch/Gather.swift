import Foundation
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// The candidates of the one socket `punch` keeps for the whole test.
public struct Gathered: Sendable {
    public var socket: UDPSocket
    /// The IPv6 socket, when this side has a global IPv6 address: its host candidates need no
    /// NAT traversal, only firewalls that let the checks through.
    public var socket6: UDPSocket?
    public var host: [Candidate]
    /// The public endpoint the first answering STUN server saw for this socket.
    public var serverReflexive: Candidate?
    /// What each STUN server saw ("server -> endpoint", or "server: no answer").
    public var stunEvidence: [String]
    public var hint: MappingHint
    /// The resolved servers, for keepalives while a person pastes the other code.
    public var servers: [TransportAddress]

    public var candidates: [Candidate] { host + (serverReflexive.map { [$0] } ?? []) }

    /// Closes the socket(s).
    public func close() {
        socket.close()
        socket6?.close()
    }
}

/// Gathers candidates (RFC 8445 section 5.1.1) on ONE UDP socket: its local interface addresses
/// (host) and the public endpoint STUN saw for that very socket (server-reflexive). Asking up to
/// three servers also tells whether the mapping changes per destination.
public struct Gatherer: Sendable {
    public var servers: [String]
    /// Bind here (tests: 127.0.0.1); nil: the wildcard address.
    public var bind: TransportAddress?
    /// Host addresses; nil: the machine's interfaces (up, not loopback, IPv4).
    public var hostAddresses: [IPAddress]?
    /// IPv6 host addresses for a second socket; nil: the machine's global IPv6 addresses (2000::/3)
    /// unless `bind` is given; empty: no IPv6 socket.
    public var hostAddresses6: [IPAddress]?
    /// IPv6 candidates a code carries at most (each takes 19 of the code's bytes).
    public static let maxIPv6Candidates = 2
    public var clock: any MonotonicClock
    /// How long to wait for STUN answers.
    public var wait: Double

    public init(servers: [String], bind: TransportAddress? = nil, hostAddresses: [IPAddress]? = nil,
                hostAddresses6: [IPAddress]? = nil, clock: any MonotonicClock = SystemClock(), wait: Double = 1.5) {
        self.servers = servers
        self.hostAddresses6 = hostAddresses6
        self.bind = bind
        self.hostAddresses = hostAddresses
        self.clock = clock
        self.wait = wait
    }

    public func gather() async throws -> Gathered {
        let socket = try UDPSocket(family: .ipv4, bindTo: bind)
        let port = try socket.localAddress().port
        let hostIPs: [IPAddress]
        if let hostAddresses {
            hostIPs = hostAddresses
        } else if let bind, bind.ip != .v4(0, 0, 0, 0) {
            hostIPs = [bind.ip]
        } else {
            hostIPs = ((try? interfaceAddresses()) ?? [])
                .filter { $0.isUp && !$0.isLoopback && $0.address.isIPv4 && $0.address.scope != .linkLocal }
                .map(\.address)
        }
        var host: [Candidate] = []
        for ip in hostIPs where !host.contains(where: { $0.address.ip == ip }) {
            host.append(Candidate(.host, TransportAddress(ip, port)))
        }
        let (socket6, host6) = ipv6Host()
        host = Array(host.prefix(ConnectionCode.maxCandidates - 1 - host6.count)) + host6

        // Resolve (IP literals at once; names with getaddrinfo on a thread of their own).
        var resolved: [(String, TransportAddress?)] = []
        for name in servers.prefix(3) {
            let r: TransportAddress? = await resolveBounded(name)
            resolved.append((name, r))
        }
        let targets = resolved.compactMap(\.1)
        let deadline = Deadline.after(seconds: wait, clock: clock)
        var stats = TransactionStats()
        let specs = targets.map { TransactionSpec(destination: $0, sendOffsets: Schedule.firstContact, deadline: deadline) }
        // No server text reaches punch's evidence; cleaned anyway, where it enters.
        let outcomes = specs.isEmpty ? [] : await runTransactions(
            specs, on: socket, clock: clock, stats: &stats, serverText: { UntrustedText.clean($0, limit: 128) })
        var evidence: [String] = []
        var mapped: [TransportAddress] = []
        var k = 0
        for (name, addr) in resolved {
            guard addr != nil else {
                evidence.append("\(name): could not resolve")
                continue
            }
            if let a = outcomes[k].answer {
                mapped.append(a.mapped)
                evidence.append("\(name) saw this socket as \(a.mapped) (\(Int(a.rttMs.rounded())) ms)")
            } else {
                evidence.append("\(name): no answer")
            }
            k += 1
        }
        let hint: MappingHint
        if mapped.isEmpty {
            hint = .noSTUN
        } else if host.contains(where: { $0.address == mapped[0] }) {
            hint = .noNAT
        } else if mapped.count < 2 {
            hint = .unknown
        } else {
            hint = Set(mapped).count == 1 ? .independent : .varies
        }
        let srflx = mapped.first.flatMap { m in host.contains { $0.address == m } ? nil : Candidate(.serverReflexive, m) }
        return Gathered(socket: socket, socket6: socket6, host: host, serverReflexive: srflx, stunEvidence: evidence,
                        hint: hint, servers: targets)
    }

    /// The IPv6 socket (bound to every address, one port) and its host candidates; none when this
    /// side has no global IPv6 address or the socket cannot be opened.
    private func ipv6Host() -> (UDPSocket?, [Candidate]) {
        let ips: [IPAddress]
        if let hostAddresses6 {
            ips = hostAddresses6
        } else if bind != nil {
            ips = []
        } else {
            ips = globalIPv6Addresses((try? interfaceAddresses()) ?? [])
        }
        guard !ips.isEmpty, let s = try? UDPSocket(family: .ipv6, bindTo: nil), let port = try? s.localAddress().port else { return (nil, []) }
        return (s, ips.prefix(Self.maxIPv6Candidates).map { Candidate(.host, TransportAddress($0, port)) })
    }

    private func resolveBounded(_ name: String) async -> TransportAddress? {
        // An IP literal (with or without a port) needs no name lookup.
        if let hp = HostPort(name, defaultPort: 3478), let ip = hp.ip { return TransportAddress(ip, hp.port) }
        return await withCheckedContinuation { (c: CheckedContinuation<TransportAddress?, Never>) in
            let thread = Thread { c.resume(returning: try? resolve(name, defaultPort: 3478, family: .ipv4).first) }
            thread.start()
        }
    }
}

/// Sends one Binding request to `server` from the punching socket: keeps the NAT mapping (and so
/// the code's public endpoint) alive while a person pastes the other side's code.
public func keepalive(_ socket: UDPSocket, to server: TransportAddress) {
    try? socket.send(STUNMessage(type: .bindingRequest).encode(), to: server)
}
