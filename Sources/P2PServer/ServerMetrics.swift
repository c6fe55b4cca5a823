import CoreMetrics

/// The counters and the latency histogram of `p2ptui serve --metrics`, through swift-metrics
/// (whatever backend the command bootstraps; Prometheus there). Made once, before the servers
/// start. The hot path stays cheap: a server tallies a batch of datagrams (up to one poll's
/// worth) in plain integers and adds the tally to the counters once per batch (`Tally`), and times
/// one request in `latencySampling`. A server given none does no metrics work at all.
public struct ServerMetrics: Sendable {
    /// Which of the serve command's servers a metric is about.
    public enum Server: String, Sendable, CaseIterable {
        /// The RFC 5780 STUN server (up to four sockets).
        case stun
        /// The egress-mode server (`--egress-ports`).
        case egress
        /// The stand-in QUIC server (`--quic-port`).
        case quic
    }

    public static let latencyLabel = "p2ptui_serve_response_seconds"
    /// One request in this many is timed (the help text says 8).
    public static let latencySampling: UInt = 8

    /// What each metric counts, for the exposition's HELP lines.
    public static let help: [String: String] = [
        "p2ptui_serve_requests_total": "UDP datagrams received, by server.",
        "p2ptui_serve_answers_total": "STUN Binding answers sent (kind binding: success; error: 420 Unknown Attribute).",
        "p2ptui_serve_drops_total": "Datagrams not answered, by server and reason.",
        "p2ptui_serve_quic_vn_answers_total": "QUIC Version Negotiation answers sent, by server.",
        "p2ptui_serve_egress_answers_total": "STUN Binding answers sent on the egress port range.",
        latencyLabel: "Time from admitting a request to its answer leaving the socket, by server; sampled: every 8th request received, when answered.",
    ]
    /// Buckets of the latency histogram: a reply takes microseconds unless the host is loaded.
    public static let latencyBuckets: [Duration] = [10, 25, 50, 100, 250, 500, 1000, 2500, 10_000, 100_000]
        .map { Duration.microseconds($0) }

    /// One server's request counter, drop counters and latency histogram.
    struct PerServer: Sendable {
        let requests: Counter
        let drops: [String: Counter]
        let latency: Timer

        /// Records the time from `startNanos` (when the request was admitted) to `endNanos`.
        func answered(startNanos: UInt64, endNanos: UInt64) {
            latency.recordNanoseconds(Int64(truncatingIfNeeded: endNanos &- startNanos))
        }

        /// Adds a batch's requests and drops.
        func add(_ t: Tally) {
            add(t.received, requests)
            for (reason, n) in [("malformed", t.malformed), ("not-binding-request", t.notBindingRequest),
                                ("rate-limited", t.rateLimited), ("send-failed", t.sendFailed),
                                ("not-a-probe", t.notAProbe)] where n > 0 {
                drops[reason]?.increment(by: Int64(n))
            }
        }

        func add(_ n: Int, _ counter: Counter) {
            if n > 0 { counter.increment(by: Int64(n)) }
        }
    }

    let stun: PerServer
    let egress: PerServer
    let quic: PerServer
    let stunAnswers: Counter
    let stunErrors: Counter
    let egressAnswers: Counter
    let egressQUICAnswers: Counter
    let quicAnswers: Counter

    /// Every metric, made by `factory` (every label set made now, so all show from the start).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        func counter(_ label: String, _ dims: [(String, String)]) -> Counter {
            Counter(label: label, dimensions: dims, factory: factory)
        }
        func perServer(_ s: Server) -> PerServer {
            PerServer(requests: counter("p2ptui_serve_requests_total", [("server", s.rawValue)]),
                      drops: Dictionary(uniqueKeysWithValues: Self.dropReasons(s).map { reason in
                          (reason, counter("p2ptui_serve_drops_total", [("server", s.rawValue), ("reason", reason)]))
                      }),
                      latency: Timer(label: Self.latencyLabel, dimensions: [("server", s.rawValue)], factory: factory))
        }
        stun = perServer(.stun)
        egress = perServer(.egress)
        quic = perServer(.quic)
        stunAnswers = counter("p2ptui_serve_answers_total", [("server", "stun"), ("kind", "binding")])
        stunErrors = counter("p2ptui_serve_answers_total", [("server", "stun"), ("kind", "error")])
        egressAnswers = counter("p2ptui_serve_egress_answers_total", [])
        egressQUICAnswers = counter("p2ptui_serve_quic_vn_answers_total", [("server", "egress")])
        quicAnswers = counter("p2ptui_serve_quic_vn_answers_total", [("server", "quic")])
    }

    /// A batch's counts, kept in plain integers on the serving thread.
    struct Tally {
        var received = 0
        var answered = 0
        /// STUN: 420 answers; egress: QUIC Version Negotiation answers.
        var otherAnswers = 0
        var malformed = 0
        var notBindingRequest = 0
        var rateLimited = 0
        var sendFailed = 0
        var notAProbe = 0

        mutating func dropped(_ reason: DropReason) {
            switch reason {
            case .malformed: malformed += 1
            case .notBindingRequest: notBindingRequest += 1
            case .rateLimited: rateLimited += 1
            }
        }
    }

    /// Adds a batch of the STUN server.
    func addSTUN(_ t: Tally) {
        stun.add(t)
        stun.add(t.answered, stunAnswers)
        stun.add(t.otherAnswers, stunErrors)
    }

    /// Adds a batch of the egress server.
    func addEgress(_ t: Tally) {
        egress.add(t)
        egress.add(t.answered, egressAnswers)
        egress.add(t.otherAnswers, egressQUICAnswers)
    }

    /// Adds a batch of the QUIC Version Negotiation server.
    func addQUIC(_ t: Tally) {
        quic.add(t)
        quic.add(t.answered, quicAnswers)
    }

    /// The drop reasons each server can have: the STUN server's (`DropReason`), a packet the egress
    /// server does not answer, and a reply the kernel refused.
    static func dropReasons(_ s: Server) -> [String] {
        switch s {
        case .stun: return DropReason.allCases.map(\.rawValue) + ["send-failed"]
        case .egress: return ["not-a-probe", "rate-limited", "send-failed"]
        case .quic: return ["not-a-probe", "send-failed"]
        }
    }
}
