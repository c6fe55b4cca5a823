import CoreMetrics

/// The counters and the latency histogram of `p2ptui serve --metrics`, through swift-metrics
/// (whatever backend the command bootstraps; Prometheus there). Made once, before the servers
/// start. The hot path stays cheap: a server tallies a batch of datagrams (up to one poll's
/// worth) on its own thread and adds the tally to the counters once per batch (`ServerTally`), and
/// times one request in `latencySampling`. A server given none does no metrics work at all.
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

    /// One server's request counter, answer counters, drop counters and latency histogram.
    struct PerServer: Sendable {
        let requests: Counter
        /// In the order of `ServerTally.answered`, `ServerTally.otherAnswers` (`answerSeries`).
        let answers: [Counter]
        let drops: [ServerTally.Drop: Counter]
        let latency: Timer

        /// Records the time from `startNanos` (when the request was admitted) to `endNanos`.
        func answered(startNanos: UInt64, endNanos: UInt64) {
            latency.recordNanoseconds(Int64(truncatingIfNeeded: endNanos &- startNanos))
        }

        /// Adds a batch's answers, drops and requests; the requests last, so a scrape that sees a
        /// request counted also sees what became of it.
        func add(_ t: ServerTally) {
            for (n, counter) in zip([t.answered, t.otherAnswers], answers) where n > 0 {
                counter.increment(by: Int64(n))
            }
            for (drop, n) in t.drops { drops[drop]?.increment(by: Int64(n)) }
            if t.received > 0 { requests.increment(by: Int64(t.received)) }
        }
    }

    let stun: PerServer
    let egress: PerServer
    let quic: PerServer

    /// Every metric, made by `factory` (every label set made now, so all show from the start).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        func perServer(_ s: Server) -> PerServer {
            PerServer(requests: Counter(label: "p2ptui_serve_requests_total", dimensions: [("server", s.rawValue)], factory: factory),
                      answers: Self.answerSeries(s).map { Counter(label: $0.label, dimensions: $0.dimensions, factory: factory) },
                      drops: Dictionary(uniqueKeysWithValues: Self.dropReasons(s).map { drop in
                          (drop, Counter(label: "p2ptui_serve_drops_total",
                                         dimensions: [("server", s.rawValue), ("reason", drop.label)], factory: factory))
                      }),
                      latency: Timer(label: Self.latencyLabel, dimensions: [("server", s.rawValue)], factory: factory))
        }
        stun = perServer(.stun)
        egress = perServer(.egress)
        quic = perServer(.quic)
    }

    /// Each server's answer counters, in the order of `ServerTally.answered`, `ServerTally.otherAnswers`.
    static func answerSeries(_ s: Server) -> [(label: String, dimensions: [(String, String)])] {
        switch s {
        case .stun:
            return [("p2ptui_serve_answers_total", [("server", "stun"), ("kind", "binding")]),
                    ("p2ptui_serve_answers_total", [("server", "stun"), ("kind", "error")])]
        case .egress:
            return [("p2ptui_serve_egress_answers_total", []),
                    ("p2ptui_serve_quic_vn_answers_total", [("server", "egress")])]
        case .quic:
            return [("p2ptui_serve_quic_vn_answers_total", [("server", "quic")])]
        }
    }

    /// The drop reasons each server can have: the STUN server's (`DropReason`), a packet the egress
    /// server does not answer, and a reply the kernel refused.
    static func dropReasons(_ s: Server) -> [ServerTally.Drop] {
        switch s {
        case .stun: return DropReason.allCases.map(ServerTally.Drop.responder) + [.sendFailed]
        case .egress: return [.notAProbe, .rateLimited, .sendFailed]
        case .quic: return [.notAProbe, .sendFailed]
        }
    }
}
