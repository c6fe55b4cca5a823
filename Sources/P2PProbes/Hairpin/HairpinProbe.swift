import P2PExchange
import P2PReport
import P2PSocket
import STUNCodec

/// What the hairpin test saw, judged by `HairpinClassifier.classify`.
public struct HairpinObservations: Sendable, Equatable {
    /// A's public endpoint from STUN; nil when the server did not answer.
    public var aPublic: TransportAddress?
    /// B's public endpoint from STUN; nil when the server did not answer B.
    public var bPublic: TransportAddress?
    /// B's local endpoint (route source address and bound port), to spot a non-translated source.
    public var bLocal: TransportAddress?
    public var localAddresses: Set<IPAddress> = []
    /// Binding requests B sent to A's public endpoint.
    public var sends = 0
    /// Where B's request arrived at A from; nil when it never arrived.
    public var receivedFrom: TransportAddress?
    /// A local failure that stopped the test.
    public var failure: String?
    /// The NAT answered B's packet to A's public endpoint with ICMP port-unreachable (it delivered
    /// it to itself instead of looping it back), so B stopped sending: each further send would only
    /// spend the router's ICMP budget toward this host, which the path trace needs.
    public var refusedByNAT = false

    public init() {}
}

/// The pure hairpin decision (RFC 4787 section 6, REQ-9).
public enum HairpinClassifier {
    public static func classify(_ o: HairpinObservations) -> HairpinSection {
        var s = HairpinSection(status: .checked)
        if let f = o.failure {
            s.status = .inconclusive
            s.evidence = ["hairpin test could not run: \(f)"]
            return s
        }
        guard let a = o.aPublic else {
            s.status = .inconclusive
            s.evidence = ["no STUN answer: this host's public endpoint is unknown, so hairpin cannot be tested"]
            return s
        }
        guard let b = o.bPublic else {
            s.status = .inconclusive
            s.evidence = ["the second socket got no STUN answer: inconclusive"]
            return s
        }
        let noNAT = o.localAddresses.contains(a.ip)
        s.evidence.append("socket A public endpoint \(a), socket B public endpoint \(b); B sent \(o.sends) binding request(s) to A's public endpoint")
        if let from = o.receivedFrom {
            s.supported = true
            s.observedSource = from.description
            if noNAT {
                s.evidence.append("no NAT: \(a.ip) is this host's own address, the packet arrived directly (hairpin not needed)")
            } else if from == b {
                s.evidence.append("A received it from B's public endpoint \(from): the NAT hairpins with the external source, as RFC 4787 REQ-9 requires")
            } else if let local = o.bLocal, from.ip == local.ip || o.localAddresses.contains(from.ip) {
                s.evidence.append("A received it from \(from), B's private address: the NAT hairpins but does not translate the source (RFC 4787 REQ-9 wants the external one); peers may be confused by the source")
            } else {
                s.evidence.append("A received it from \(from), which is neither B's public nor its private endpoint")
            }
        } else {
            s.supported = false
            if noNAT {
                s.evidence.append("no NAT, yet a packet to this host's own public endpoint never arrived: a local firewall drops it")
            } else {
                s.evidence.append("nothing arrived at A although both sockets had sent to each other's public endpoint first (so filtering could not hide it): the NAT does not hairpin (RFC 4787 REQ-9)")
                if o.refusedByNAT {
                    s.evidence.append("the NAT answered ICMP port unreachable for its own public address, so B stopped sending")
                }
            }
        }
        return s
    }
}

/// Hairpin test (RFC 4787 REQ-9): can a host reach another host behind the same NAT through
/// that NAT's public endpoint?
///
/// 1. Sockets A and B each learn their public endpoint from the STUN server (some routers only
///    hairpin for mappings that are active, so B must have sent outward first).
/// 2. A sends a packet to B's public endpoint and B one to A's: with address- or
///    address-and-port-dependent filtering (RFC 4787 section 5), an unsolicited packet from B's
///    public endpoint would be filtered even by a NAT that hairpins, so both holes are opened
///    first to avoid a false "no".
/// 3. B sends binding requests to A's public endpoint (retransmitted for about 0.5 s); A watches
///    for them and records the source: REQ-9 wants B's public endpoint, not its private one.
public struct HairpinProbe: Sendable {
    public var servers: [String]
    public var deadline: Deadline
    public var clock: any MonotonicClock
    /// How long A waits for B's request.
    public var window: Double
    /// Opened by the path trace's first hop (`FirstHopGate`); nil when no trace runs beside.
    public var firstHop: FirstHopGate?

    public init(servers: [String], deadline: Deadline, clock: any MonotonicClock = SystemClock(), window: Double = 0.5,
                firstHop: FirstHopGate? = nil) {
        self.firstHop = firstHop
        self.servers = servers
        self.deadline = deadline
        self.clock = clock
        self.window = window
    }

    public func run(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> HairpinSection {
        HairpinClassifier.classify(await observe(progress: progress))
    }

    public func observe(progress: @escaping @Sendable (String) -> Void = { _ in }) async -> HairpinObservations {
        var o = HairpinObservations()
        o.localAddresses = STUNHelper.localAddresses()
        // Every configured server counts: whichever answers gives the public endpoints.
        let all = await STUNHelper.resolveServers(servers, clock: clock)
        guard let server = all.first else {
            o.failure = "no STUN server resolved"
            return o
        }
        let a: UDPSocket, b: UDPSocket
        do {
            a = try UDPSocket(family: .ipv4)
            b = try UDPSocket(family: .ipv4)
        } catch {
            o.failure = "\(error)"
            return o
        }
        defer { a.close(); b.close() }
        let clock = self.clock, deadline = self.deadline
        async let ra = STUNHelper.bindingAny(a, to: all, deadline: deadline, clock: clock)
        async let rb = STUNHelper.bindingAny(b, to: all, deadline: deadline, clock: clock)
        let (answerA, answerB) = (await ra?.answer, await rb?.answer)
        o.aPublic = answerA?.mapped
        o.bPublic = answerB?.mapped
        if let port = try? b.localAddress().port, let src = try? routeSourceAddress(toward: server) {
            o.bLocal = TransportAddress(src, port)
        }
        guard let aPub = o.aPublic, let bPub = o.bPublic else { return o }
        progress("A is \(aPub), B is \(bPub); B -> A's public endpoint")
        let rtt = max(answerA?.rttMs ?? 0, answerB?.rttMs ?? 0) / 1000
        await sendThroughNAT(&o, from: b, to: a, aPub: aPub, bPub: bPub, rtt: rtt)
        return o
    }

    /// Steps 2 and 3 (see the type's comment), once both public endpoints are known: `rtt` is the
    /// slower STUN round trip, in seconds.
    func sendThroughNAT(_ o: inout HairpinObservations, from b: UDPSocket, to a: UDPSocket,
                        aPub: TransportAddress, bPub: TransportAddress, rtt: Double) async {
        let clock = self.clock
        // B learns of the NAT's ICMP answer to its packets (see `refusedByNAT`).
        try? b.enableErrorQueue()
        // The path trace's TTL-1 probe, started with this probe, goes first: both ask the first
        // router for ICMP, and its per-host budget is small.
        await firstHop?.wait(limit: 1.0, clock: clock)
        // Holes both ways first (see the type's comment).
        let holeA = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: []).encode()
        try? a.send(holeA, to: bPub)
        let id = TransactionID.random()
        let request = STUNMessage(type: .bindingRequest, transactionID: id, attributes: []).encode()
        // A hairpinned packet only crosses the local NAT, never farther than the STUN server: 20
        // round trips to the server (at least 20 ms, at most `window`) is ample, with ten sends
        // spread over it so a lost packet cannot pass for "no hairpin".
        let wait = min(window, max(0.02, rtt * 20))
        let end = min(deadline, Deadline.after(seconds: wait, clock: clock))
        let offsets: [Double] = (0..<10).map { Double($0) * wait / 10 }
        struct RefusedByNAT: Error {}
        enum Ending { case received(TransportAddress), refusedByNAT }
        var sends = 0
        let ending: Ending? = await ScheduledExchange(sends: offsets, end: end, clock: clock).run(
            send: { k in
                if k == 1 { try? a.send(holeA, to: bPub) }  // a second hole-punch, in case the first was lost
                try? b.send(request, to: aPub)
                sends = k + 1
                return nil
            },
            receive: { wake in
                if let r = try? b.readErrorQueue(), r.isPortUnreachable, r.offender == nil || r.offender == aPub.ip {
                    throw RefusedByNAT()
                }
                return try await a.receive(until: wake, clock: clock)
            },
            handle: { got in
                switch got {
                case .success(let d):
                    guard let m = try? STUNMessage.decode(d.bytes), m.transactionID == id else { return nil }
                    return .received(d.source)
                case .failure(let e) where e is RefusedByNAT:
                    return .refusedByNAT
                case .failure:
                    // ICMP errors for A's hole-punch (port unreachable) are expected; keep waiting.
                    while (try? a.readErrorQueue()) != nil {}
                    return nil
                }
            })
        o.sends = sends
        switch ending {
        case .received(let from)?: o.receivedFrom = from
        case .refusedByNAT?: o.refusedByNAT = true
        case nil: break
        }
    }
}
