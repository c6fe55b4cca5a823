import STUNCodec

/// How one STUN transaction ended. Kept apart from the classification so the RFC 5780 decision
/// logic is a pure function over plain values (`NATClassifier.classify`), tested without sockets.
public enum TransactionOutcome: Sendable, Equatable {
    /// A valid response came from the expected source.
    case answered(Answer)
    /// No valid response before the per-test deadline, after `sends` transmissions.
    case silent(sends: Int)
    /// Responses with our transaction ID came, but only from an unexpected source (a server that
    /// ignores CHANGE-REQUEST answers from its primary address: never evidence of open filtering).
    case wrongSource(TransportAddress, sends: Int)
    /// The server answered with a STUN error response.
    case errorResponse(code: Int, reason: String)
    /// Sending failed locally (no route, ICMP unreachable seen as ECONNREFUSED, ...).
    case failed(kind: String, detail: String)
    /// The test was not run, with the reason.
    case notRun(String)

    public struct Answer: Sendable, Equatable {
        /// XOR-MAPPED-ADDRESS (or MAPPED-ADDRESS for RFC 3489 servers).
        public var mapped: TransportAddress
        /// Source address the response came from.
        public var source: TransportAddress
        /// OTHER-ADDRESS or CHANGED-ADDRESS, if the server sent one.
        public var other: TransportAddress?
        /// MAPPED-ADDRESS differs from XOR-MAPPED-ADDRESS: a router rewrote the payload.
        public var payloadRewritten: Bool
        public var rttMs: Double
        public var sends: Int
        public var software: String?
        /// Bytes of the response datagram (UDP payload).
        public var size: Int

        public init(mapped: TransportAddress, source: TransportAddress, other: TransportAddress? = nil,
                    payloadRewritten: Bool = false, rttMs: Double = 0, sends: Int = 1, software: String? = nil,
                    size: Int = 0) {
            self.mapped = mapped
            self.source = source
            self.other = other
            self.payloadRewritten = payloadRewritten
            self.rttMs = rttMs
            self.sends = sends
            self.software = software
            self.size = size
        }
    }

    public var answer: Answer? {
        if case .answered(let a) = self { return a }
        return nil
    }

    /// Number of requests sent, for loss estimation.
    public var sends: Int {
        switch self {
        case .answered(let a): return a.sends
        case .silent(let n), .wrongSource(_, let n): return n
        case .errorResponse: return 1
        case .failed, .notRun: return 0
        }
    }
}
