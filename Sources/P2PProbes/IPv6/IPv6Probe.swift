import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// What the IPv6 probe saw (no judgement).
public struct IPv6Observations: Sendable, Equatable {
    /// Global unicast addresses (2000::/3) on up, non-loopback interfaces.
    public var globalAddresses: [IPAddress] = []
    /// Source address the kernel picks toward the first IPv6 STUN server, when there is one.
    public var routeSource: IPAddress?
    /// Per STUN server: its IPv6 address (nil: no AAAA) and the binding outcome.
    public var servers: [(name: String, address: TransportAddress?, outcome: TransactionOutcome)] = []

    public init() {}

    public static func == (a: IPv6Observations, b: IPv6Observations) -> Bool {
        a.globalAddresses == b.globalAddresses && a.routeSource == b.routeSource
            && a.servers.elementsEqual(b.servers) { $0.name == $1.name && $0.address == $1.address && $0.outcome == $1.outcome }
    }
}

/// Does this host have a global IPv6 address, and does STUN over IPv6 work? A working IPv6 path with
/// the host's own address as the mapped address has no NAT at all.
public struct IPv6Probe: Sendable {
    public var servers: [String]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// AAAA resolution (injectable for tests).
    public var resolver: @Sendable (String) throws -> [TransportAddress]
    /// Interface addresses (injectable for tests).
    public var interfaces: @Sendable () -> [InterfaceAddress]

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(),
                resolver: @escaping @Sendable (String) throws -> [TransportAddress] = { try resolve($0, defaultPort: 3478, family: .ipv6) },
                interfaces: @escaping @Sendable () -> [InterfaceAddress] = { (try? interfaceAddresses()) ?? [] }) {
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.resolver = resolver
        self.interfaces = interfaces
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> IPv6Section {
        IPv6Classifier.classify(await observe(progress: progress))
    }

    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> IPv6Observations {
        var obs = IPv6Observations()
        obs.globalAddresses = IPv6Classifier.globalAddresses(interfaces())
        guard !obs.globalAddresses.isEmpty else {
            progress("no global IPv6 address")
            return obs
        }
        progress("global IPv6 address \(obs.globalAddresses[0]); resolving STUN servers over IPv6")
        let resolver = self.resolver
        let clock = self.clock
        let deadline = self.deadline
        let resolved: [(String, TransportAddress?, String?)] = await withTaskGroup(of: (Int, String, TransportAddress?, String?).self) { group in
            for (i, name) in servers.enumerated() {
                group.addTask {
                    let r = await blockingUntil(Schedule.resolveDeadline(deadline, clock: clock), clock: clock) { () -> (TransportAddress?, String?) in
                        do {
                            guard let a = try resolver(name).first(where: { !$0.ip.isIPv4 }) else { return (nil, "no IPv6 address") }
                            return (a, nil)
                        } catch {
                            return (nil, "dns-failure: \(error)")
                        }
                    }
                    return (i, name, r?.0, r?.1 ?? (r == nil ? "dns-failure: no answer before the deadline" : nil))
                }
            }
            var out: [(Int, String, TransportAddress?, String?)] = []
            for await r in group { out.append(r) }
            return out.sorted { $0.0 < $1.0 }.map { ($0.1, $0.2, $0.3) }
        }
        let targets = resolved.compactMap(\.1)
        if let first = targets.first { obs.routeSource = try? routeSourceAddress(toward: first) }
        var outcomes: [TransactionOutcome] = []
        if !targets.isEmpty {
            do {
                let socket = try UDPSocket(family: .ipv6)
                defer { socket.close() }
                var stats = TransactionStats()
                let d = min(deadline, Deadline.after(seconds: Schedule.silenceWindow, clock: clock))
                outcomes = await runTransactions(targets.map { TransactionSpec(destination: $0, sendOffsets: Schedule.firstContact, deadline: d) },
                                                 on: socket, clock: clock, stats: &stats, serverText: serverText)
            } catch {
                outcomes = targets.map { _ in .failed(kind: "error", detail: "IPv6 socket: \(error)") }
            }
        }
        var k = 0
        for (name, address, err) in resolved {
            if let address {
                obs.servers.append((name, address, outcomes[k]))
                k += 1
            } else {
                obs.servers.append((name, nil, .notRun(err ?? "not resolved")))
            }
        }
        for s in obs.servers { progress("\(s.name) over IPv6: \(NATClassifier.short(s.outcome))") }
        return obs
    }
}

/// Pure decisions of the IPv6 probe.
public enum IPv6Classifier {
    /// Global unicast (2000::/3): `isGlobalIPv6`.
    public static func isGlobal(_ ip: IPAddress) -> Bool { isGlobalIPv6(ip) }

    public static func globalAddresses(_ interfaces: [InterfaceAddress]) -> [IPAddress] { globalIPv6Addresses(interfaces) }

    public static func classify(_ obs: IPv6Observations) -> IPv6Section {
        var s = IPv6Section()
        guard let firstGlobal = obs.globalAddresses.first else {
            s.status = .noGlobalAddress
            s.evidence = ["no global IPv6 address (2000::/3) on any interface; link-local and ULA addresses do not reach the internet"]
            return s
        }
        s.globalAddress = (obs.routeSource.flatMap { isGlobal($0) ? $0 : nil } ?? firstGlobal).description
        s.evidence.append("global IPv6 address\(obs.globalAddresses.count > 1 ? "es" : ""): \(obs.globalAddresses.map(\.description).joined(separator: ", "))")
        for srv in obs.servers {
            s.evidence.append("\(srv.name)\(srv.address.map { " (\($0))" } ?? ""): \(NATClassifier.short(srv.outcome))")
        }
        let tried = obs.servers.filter { $0.address != nil }
        guard !tried.isEmpty else {
            s.status = .notChecked
            s.evidence.append("no STUN server has an IPv6 address, so IPv6 reachability was not tested")
            return s
        }
        guard let answer = tried.lazy.compactMap({ $0.outcome.answer }).first else {
            s.status = .blocked
            s.evidence.append("a global IPv6 address exists but no STUN server answered over IPv6")
            return s
        }
        s.status = .works
        s.publicEndpoint = answer.mapped.description
        if obs.globalAddresses.contains(answer.mapped.ip) {
            s.evidence.append("IPv6 works: a direct IPv6 path avoids NAT entirely (the server saw this host's own address \(answer.mapped.ip))")
        } else {
            s.evidence.append("IPv6 works, but the server saw \(answer.mapped.ip), not an address of this host: a NAT66/NPTv6 translates it")
        }
        return s
    }
}
