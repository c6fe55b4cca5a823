import Foundation
import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization

/// What a check runs against. Every outside endpoint is a parameter so tests and the lab can point
/// the probes at servers they control.
public struct CheckOptions: Sendable {
    /// STUN servers, "host[:port]" (default port 3478). Order matters: the first answering one with an
    /// alternate address runs the behaviour tests.
    public var stunServers: [String]
    /// Overall deadline for the whole check, in seconds.
    public var timeout: Double
    /// Run the hairpin probe (it sends a packet to our own public address).
    public var hairpin: Bool
    /// Which side of the connection this machine is.
    public var role: Role
    /// Written into the report.
    public var toolVersion: String
    /// Ports probed by the UDP egress probe besides the STUN servers' own (ICMP-aware).
    public var egressPorts: [UInt16]
    /// Host those ports are probed on; nil: the first STUN server's host. Given, it is expected to
    /// run `p2ptui serve --egress-ports`: the ports are proven by its answers, plus a random sample.
    public var egressTarget: String?
    /// How many random ports (spread over the range the egress server advertises, above 1023 where
    /// it reaches) are probed on `egressTarget`; 0: none.
    public var egressSample: Int = EgressPlan.defaultSampleCount
    /// Seed of that sample; nil: a fresh random one (named in the evidence).
    public var egressSeed: UInt64?
    /// QUIC server for the Version Negotiation probe, "host[:port]" (default port 443).
    public var quicServer: String
    /// Cloud metadata service base URL; nil means the standard http://169.254.169.254, queried only
    /// when DMI names a cloud. Given explicitly, it is queried whatever DMI says (the lab's fake).
    public var metadataEndpoint: String?
    /// Where the DMI strings are read (/sys/class/dmi/id; tests point it at fixtures).
    public var dmiRoot: String
    /// The NAT device named by the person (`--nat-device`, the wizard); it overrides what the
    /// probes identify. Nil: identify it, or leave it unknown.
    public var natDevice: NATDevice?
    /// The latest time (engine clock, nanoseconds) anyone but this run may have spent the ICMP
    /// budgets the probes ask for: the process's start, for its first check. A token spent then
    /// is due within a second of it, so the long ICMP windows count from it, not from each
    /// probe's start. Nil: from each probe's start (a later run in the same process, the wizard).
    public var icmpBudgetSince: UInt64?

    /// Public STUN servers used when neither `--stun` nor the config file name any: three plain
    /// binding servers for the across-servers mapping comparison (Google's has no OTHER-ADDRESS),
    /// then `behaviourCandidates`, all asked at once. README "What the built-in servers can tell"
    /// says what a user gets.
    public static let defaultServers = [
        "stun.l.google.com:19302",
        "stun.cloudflare.com:3478",
        "stun.nextcloud.com:3478",
    ] + behaviourCandidates

    /// Public servers that public sources show advertising an OTHER-ADDRESS (RFC 5780), so they
    /// may answer filtering and the classic type; never trusted blindly: the NAT probe validates
    /// the alternate at run time and moves on to the next one, with the reason, when it fails.
    /// Not verified from CI (tests never contact public servers).
    /// - stun.hot-chilli.net: OTHER-ADDRESS 49.12.125.24:3479 in an RFC 5780 run shown in
    ///   https://github.com/F-TD5X/nattypetester-rs (readme.md).
    /// - stun.voipgate.com: the default server of pion's RFC 5780 behaviour discovery,
    ///   https://github.com/pion/stun/blob/master/cmd/stun-nat-behaviour/README.md
    public static let behaviourCandidates = [
        "stun.hot-chilli.net:3478",
        "stun.voipgate.com:3478",
    ]

    /// A well-known public QUIC endpoint that answers Version Negotiation on UDP 443.
    public static let defaultQUICServer = "www.google.com:443"

    public init(stunServers: [String] = CheckOptions.defaultServers, timeout: Double = 3.0,
                hairpin: Bool = true, role: Role = .unknown, toolVersion: String = "dev",
                egressPorts: [UInt16] = EgressPlan.defaultExtraPorts, egressTarget: String? = nil,
                quicServer: String = CheckOptions.defaultQUICServer,
                metadataEndpoint: String? = nil, dmiRoot: String = "/sys/class/dmi/id") {
        self.stunServers = stunServers
        self.timeout = timeout
        self.hairpin = hairpin
        self.role = role
        self.toolVersion = toolVersion
        self.egressPorts = egressPorts
        self.egressTarget = egressTarget
        self.quicServer = quicServer
        self.metadataEndpoint = metadataEndpoint
        self.dmiRoot = dmiRoot
    }
}

/// Runs probes concurrently and folds their results into a report.
public struct Engine: Sendable {
    public let options: CheckOptions
    public let clock: any MonotonicClock

    public init(options: CheckOptions, clock: any MonotonicClock = SystemClock()) {
        // Host names come from flags, a config file or a caller: they are quoted in every section,
        // so they are cleaned once here (the CLI has already refused malformed ones).
        var options = options
        options.stunServers = options.stunServers.map { UntrustedText.clean($0, limit: 255) }
        options.quicServer = UntrustedText.clean(options.quicServer, limit: 255)
        options.egressTarget = options.egressTarget.map { UntrustedText.clean($0, limit: 255) }
        self.options = options
        self.clock = clock
    }

    /// Runs `probes` concurrently under the options' deadline, reporting progress through `events`
    /// (called from probe tasks, so it must be thread-safe), and returns the finished report.
    /// Probes not in `probes` stay "not-checked".
    public func run(_ probes: [ProbeID] = ProbeID.allCases,
                    events: @escaping @Sendable (ProbeEvent) -> Void = { _ in }) async -> Report {
        let start = clock.nowNanos()
        var report = Report()
        report.run = RunInfo(toolVersion: options.toolVersion, startedAt: Self.isoNow(), durationMs: 0,
                             hostname: Self.hostname(), os: Self.osDescription(), role: options.role,
                             stunServers: options.stunServers)
        if probes.contains(.datagram) { report.datagram = DatagramSection() }
        report.mappingLifetime = MappingLifetimeSection()  // measured only on request (`check --lifetime`)
        let deadline = Deadline.after(seconds: options.timeout, clock: clock)
        let wanted = probes.filter { $0 != .hairpin || options.hairpin }
        let clock = self.clock
        let elapsed: @Sendable () -> Int = { Int((clock.nowNanos() &- start) / 1_000_000) }
        // The path trace's first hop goes before the other askers of the first router's ICMP.
        let gate = FirstHopGate()
        if !wanted.contains(.doubleNat) { gate.open() }
        // The QUIC probe's name lookup does not hold the report once every other probe is done.
        let othersLeft = Countdown(wanted.filter { $0 != .quic }.count)
        // Nor do the double-NAT probe's waits on the first router's ICMP (probes that wait on the
        // first-hop gate themselves are not waited for).
        let beforeRouter: Set<ProbeID> = [.quic, .doubleNat, .hairpin, .datagram]
        let routerRest = Countdown(wanted.filter { !beforeRouter.contains($0) }.count)
        await withTaskGroup(of: ProbeResult.self) { group in
            for probe in wanted {
                group.addTask {
                    events(.started(probe, elapsedMs: elapsed()))
                    let result = await self.runProbe(probe, deadline: deadline, firstHop: gate,
                                                     restDone: { probe == .doubleNat ? routerRest.isDone : othersLeft.isDone }) {
                        events(.progress(probe, UntrustedText.clean($0, limit: 2000)))
                    }
                    if probe != .quic { othersLeft.countDown() }
                    if !beforeRouter.contains(probe) { routerRest.countDown() }
                    events(.finished(result, elapsedMs: elapsed()))
                    return result
                }
            }
            for await result in group { result.apply(to: &report) }
        }
        report.run.durationMs = elapsed()
        report.natDevice = NATDeviceIdentity.resolve(report, chosen: options.natDevice)
        report.verdict = Verdict.derive(from: report)
        return report
    }

    /// One probe, by identity. Each returns the section(s) it owns.
    func runProbe(_ probe: ProbeID, deadline: Deadline, firstHop: FirstHopGate = FirstHopGate(),
                  restDone: @escaping @Sendable () -> Bool = { false },
                  progress: @escaping @Sendable (String) -> Void) async -> ProbeResult {
        switch probe {
        case .nat:
            return .nat(await NATProbe(servers: options.stunServers, deadline: deadline, clock: clock).run(progress: progress))
        case .udp:
            var targets = EgressPlan.build(stunServers: options.stunServers, extraPorts: options.egressPorts,
                                           extraTarget: options.egressTarget)
            var seed: UInt64?
            if let t = options.egressTarget, let host = HostPort(t, defaultPort: 1)?.host {
                // Toward an egress server every fixed port is proven by answers, plus a random sample
                // (drawn again, with the same seed, from the range the server advertises).
                let stun = targets.filter { $0.method == .stun }
                let s = options.egressSeed ?? UInt64.random(in: 0...UInt64.max)
                let taken = Set(options.egressPorts).union(stun.filter { $0.host == host }.map(\.port))
                let sample = EgressPlan.samplePorts(count: options.egressSample, seed: s, excluding: taken)
                targets = stun + EgressPlan.egressServerTargets(host: host, fixedPorts: options.egressPorts, sample: sample, existing: stun)
                if !sample.isEmpty { seed = s }
            }
            var probe = EgressProbe(targets: targets, deadline: deadline, clock: clock)
            probe.icmpBudgetSince = options.icmpBudgetSince
            probe.sampleSeed = seed
            probe.followAnsweringServer = options.egressTarget == nil
            return .udp(await probe.run(progress: progress))
        case .quic:
            var quic = QUICProbe(server: options.quicServer, deadline: deadline, clock: clock)
            quic.restDone = restDone
            return .quic(await quic.run(progress: progress))
        case .doubleNat:
            var probe = DoubleNATProbe(servers: options.stunServers, deadline: deadline, clock: clock, firstHop: firstHop)
            probe.restDone = restDone
            probe.icmpBudgetSince = options.icmpBudgetSince
            let (d, g) = await probe.run(progress: progress)
            return .doubleNat(d, g)
        case .hairpin:
            return .hairpin(await HairpinProbe(servers: options.stunServers, deadline: deadline, clock: clock,
                                               firstHop: firstHop).run(progress: progress))
        case .cloud:
            return .cloud(await CloudProbe(servers: options.stunServers, deadline: deadline, clock: clock,
                                           metadataEndpoint: options.metadataEndpoint, dmiRoot: options.dmiRoot).run(progress: progress))
        case .ipv6:
            return .ipv6(await IPv6Probe(servers: options.stunServers, deadline: deadline, clock: clock).run(progress: progress))
        case .datagram:
            return .datagram(await DatagramProbe(servers: options.stunServers, deadline: deadline, clock: clock,
                                                 firstHop: firstHop).run(progress: progress))
        }
    }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    /// The host name is whatever an administrator (or DHCP) set: outside text, cleaned.
    static func hostname() -> String {
        UntrustedText.clean(ProcessInfo.processInfo.hostName, limit: 255)
    }

    static func osDescription() -> String {
        var u = utsname()
        uname(&u)
        func field<T>(_ v: T) -> String {
            withUnsafeBytes(of: v) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return UntrustedText.clean("\(field(u.sysname)) \(field(u.release)) \(field(u.machine))")
    }
}

/// Probes still running, shared by the probe tasks of one run.
final class Countdown: Sendable {
    private let left: Atomic<Int>

    init(_ count: Int) { left = Atomic(count) }

    func countDown() { left.subtract(1, ordering: .releasing) }

    var isDone: Bool { left.load(ordering: .acquiring) <= 0 }
}
