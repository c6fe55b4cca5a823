/// What one server counted: datagrams received, answers sent by kind, drops by reason. A server
/// counts each datagram once, into its running total (`stats`) and into the batch it hands to
/// `ServerMetrics`, so the exit line and the metrics read the same numbers.
struct ServerTally: Sendable, Equatable {
    /// Why a server left a datagram unanswered: the responder's reasons (`DropReason`), a reply the
    /// kernel refused, or a packet that is no probe the egress or QUIC server answers.
    enum Drop: Hashable, Sendable {
        case responder(DropReason)
        case sendFailed
        case notAProbe

        static let rateLimited = Drop.responder(.rateLimited)

        /// The `reason` label of `p2ptui_serve_drops_total`.
        var label: String {
            switch self {
            case .responder(let reason): return reason.rawValue
            case .sendFailed: return "send-failed"
            case .notAProbe: return "not-a-probe"
            }
        }
    }

    /// What became of one datagram.
    enum Outcome: Sendable {
        /// `other`: the server's second kind of answer (`otherAnswers`); `padded`: padded to the
        /// request's size.
        case answered(other: Bool = false, padded: Bool = false)
        case dropped(Drop)
    }

    var received = 0
    /// Answers of the server's first kind (STUN: Binding success; egress: STUN; QUIC: Version
    /// Negotiation); the metrics' first series in `ServerMetrics.answerSeries`.
    var answered = 0
    /// STUN: 420 answers; egress: QUIC Version Negotiation answers.
    var otherAnswers = 0
    /// Answers padded to their request's size (`PaddedResponseMarker`), also counted above.
    var padded = 0
    /// Drops by reason (a batch without drops allocates nothing).
    var drops: [Drop: Int] = [:]

    subscript(drop: Drop) -> Int { drops[drop] ?? 0 }

    /// Counts one datagram received.
    mutating func count(_ outcome: Outcome) {
        received += 1
        switch outcome {
        case let .answered(other, wasPadded):
            if other { otherAnswers += 1 } else { answered += 1 }
            if wasPadded { padded += 1 }
        case .dropped(let drop):
            drops[drop, default: 0] += 1
        }
    }
}
