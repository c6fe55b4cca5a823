import P2PReport

/// What the datagram-size probe saw at one size, over every server.
public struct DatagramSizeObservation: Sendable, Equatable {
    /// Bytes of UDP payload of the requests (and of the padded responses asked for).
    public var size: Int
    /// Servers that answered a request of this size (padded or not): it crossed outbound.
    public var answeredBy: [String] = []
    /// Servers that answered the marked request with a response padded to this size: it crossed inbound.
    public var paddedBy: [String] = []
    /// Servers that padded an answer at another size, answered the unmarked request at this one
    /// (outbound proven toward them), yet whose padded answer never came: lost inbound.
    public var paddedLostFrom: [String] = []
    /// The kernel refused to send this size (EMSGSIZE: larger than the path MTU it knows).
    public var refused = false

    public init(size: Int, answeredBy: [String] = [], paddedBy: [String] = [], paddedLostFrom: [String] = [],
                refused: Bool = false) {
        self.size = size
        self.answeredBy = answeredBy
        self.paddedBy = paddedBy
        self.paddedLostFrom = paddedLostFrom
        self.refused = refused
    }
}

/// Everything the datagram-size probe saw, judged by `DatagramClassifier.classify`.
public struct DatagramObservations: Sendable, Equatable {
    /// One entry per size tried, ascending.
    public var sizes: [DatagramSizeObservation] = []
    /// MTUs from ICMP "fragmentation needed" / "packet too big" or a local EMSGSIZE, with who said it.
    public var mtuReports: [(mtu: Int, from: String)] = []
    /// Why the probe could not run at all.
    public var failure: String?

    public init(sizes: [DatagramSizeObservation] = [], mtuReports: [(mtu: Int, from: String)] = [], failure: String? = nil) {
        self.sizes = sizes
        self.mtuReports = mtuReports
        self.failure = failure
    }

    public static func == (a: DatagramObservations, b: DatagramObservations) -> Bool {
        a.sizes == b.sizes && a.failure == b.failure
            && a.mtuReports.map(\.mtu) == b.mtuReports.map(\.mtu) && a.mtuReports.map(\.from) == b.mtuReports.map(\.from)
    }
}

/// The pure decision: largest size proven each way, and the smallest one that did not cross.
public enum DatagramClassifier {
    public static func classify(_ o: DatagramObservations) -> DatagramSection {
        var s = DatagramSection(status: .checked, sizes: o.sizes.map(\.size))
        if let f = o.failure {
            s.status = .inconclusive
            s.evidence = ["datagram-size test could not run: \(f)"]
            return s
        }
        let out = o.sizes.filter { !$0.answeredBy.isEmpty }.map(\.size).max()
        guard let out else {
            s.status = .inconclusive
            s.evidence = ["no STUN server answered a padded request of any size (\(sizeList(o.sizes.map(\.size)))): nothing proven",
                          "some servers (coturn) pad every answer to a padded request to their own MTU, so the way back "
                              + "must carry that size too; `p2ptui serve` answers small unless asked"]
            return s
        }
        s.outboundMax = out
        s.outboundFailedAt = o.sizes.first { $0.size > out && $0.answeredBy.isEmpty }?.size
        let inbound = o.sizes.filter { !$0.paddedBy.isEmpty }.map(\.size).max()
        s.inboundMax = inbound
        if let inbound {
            s.inboundFailedAt = o.sizes.first { $0.size > inbound && !$0.paddedLostFrom.isEmpty }?.size
        }
        s.reportedMTU = o.mtuReports.map(\.mtu).min()
        s.evidence = evidence(o, s)
        return s
    }

    static func evidence(_ o: DatagramObservations, _ s: DatagramSection) -> [String] {
        var e: [String] = []
        for z in o.sizes {
            var parts: [String] = []
            if !z.answeredBy.isEmpty { parts.append("answered by \(z.answeredBy.joined(separator: ", "))") }
            if !z.paddedBy.isEmpty { parts.append("padded answer of \(z.size) bytes from \(z.paddedBy.joined(separator: ", "))") }
            if !z.paddedLostFrom.isEmpty { parts.append("padded answer lost from \(z.paddedLostFrom.joined(separator: ", "))") }
            if z.refused { parts.append("refused by this host's kernel (EMSGSIZE: larger than the path MTU it knows)") }
            if parts.isEmpty { parts.append("no answer") }
            e.append("\(z.size) bytes with DF: " + parts.joined(separator: "; "))
        }
        var said: Set<String> = []
        for r in o.mtuReports where said.insert("\(r.from) \(r.mtu)").inserted {
            e.append("\(r.from) reported an MTU of \(r.mtu) bytes (largest UDP payload \(r.mtu - 28))")
        }
        if s.inboundMax == nil {
            e.append("inbound not proven: no server padded its answers (only `p2ptui serve` pads on request; public servers ignore it)")
        } else if let inb = s.inboundMax, let outMax = s.outboundMax, inb == outMax, s.inboundFailedAt == nil {
            e.append("inbound tested up to the outbound maximum only (a padded answer is never larger than its request)")
        }
        return e
    }

    static func sizeList(_ sizes: [Int]) -> String { sizes.map(String.init).joined(separator: ", ") }
}
