import P2PReport
import STUNCodec

/// One TTL-limited probe's outcome (tracepath style).
public struct Hop: Sendable, Equatable {
    public var ttl: Int
    /// The router that answered "time exceeded", or the destination; nil when nothing answered.
    public var address: IPAddress?
    /// The destination itself answered (STUN response or port unreachable).
    public var isDestination: Bool

    public init(ttl: Int, address: IPAddress?, isDestination: Bool = false) {
        self.ttl = ttl
        self.address = address
        self.isDestination = isDestination
    }

    /// The hop as the report holds it (and writes it: "1 192.168.1.1", "2 *").
    public var reported: PathHop {
        PathHop(ttl: ttl, address: address.map(ReportedAddress.ip), isDestination: isDestination)
    }

    /// "1 192.168.1.1", "2 *", "3 203.0.113.10 (destination)", as the report writes it.
    public var text: String { reported.description }
}

/// What the gateway said about its external address, by protocol ("upnp", "nat-pmp", "pcp").
public struct GatewayReport: Sendable, Equatable {
    public var via: GatewayProtocol
    /// Nil when the protocol answered but gave no address (error result, empty field).
    public var externalAddress: IPAddress?
    public var detail: String
    /// What the device description says the gateway is (UPnP only).
    public var device: UPnPDeviceInfo?

    public init(via: GatewayProtocol, externalAddress: IPAddress?, detail: String = "", device: UPnPDeviceInfo? = nil) {
        self.via = via
        self.externalAddress = externalAddress
        self.detail = detail
        self.device = device
    }
}

/// Everything the double-NAT probe observed, judged by `DoubleNATClassifier.classify`.
public struct DoubleNATObservations: Sendable, Equatable {
    public var localAddresses: Set<IPAddress> = []
    public var gateway: IPAddress?
    public var gatewayReports: [GatewayReport] = []
    /// A PCP server answered ADDRESS_MISMATCH (RFC 6887 section 8.3).
    public var pcpAddressMismatch = false
    /// Public address the STUN server saw; nil when no STUN answer.
    public var stunMapped: IPAddress?
    /// Hops in TTL order; empty when hops were not traced.
    public var hops: [Hop] = []

    public init() {}
}

/// The pure double-NAT decision, signal by signal, strongest first.
public enum DoubleNATClassifier {
    public static func classify(_ o: DoubleNATObservations) -> (section: DoubleNATSection, gateway: GatewaySection) {
        var evidence: [String] = []
        var detected: Bool?
        var gw = GatewaySection(address: o.gateway?.description,
                                protocols: o.gatewayReports.map(\.via))
        gw.evidence = o.gatewayReports.map { "\($0.via.rawValue): " + ($0.externalAddress.map { "external address \($0)" } ?? "no address") + ($0.detail.isEmpty ? "" : " (\($0.detail))") }
        let external = o.gatewayReports.compactMap(\.externalAddress).first
        gw.externalAddress = external?.description
        gw.device = o.gatewayReports.compactMap(\.device).first

        // 0. No NAT at all: the STUN server saw one of our own addresses.
        if let m = o.stunMapped, o.localAddresses.contains(m) {
            evidence.append("STUN mapped address \(m) is this host's own address: no NAT on the path")
            detected = false
        }
        // 1. Strong signals from the gateway itself.
        if detected == nil {
            if o.pcpAddressMismatch {
                evidence.append("PCP server answered ADDRESS_MISMATCH: a NAT sits between this host and the gateway (RFC 6887 section 8.3)")
                detected = true
            }
            for r in o.gatewayReports {
                guard let ext = r.externalAddress else { continue }
                let scope = AddressScope(ext)
                if scope.isNATInside {
                    evidence.append("gateway reports external address \(ext) via \(r.via.rawValue), a \(scope == .sharedCGNAT ? "CGNAT (100.64.0.0/10)" : "private") address: another NAT sits beyond the gateway")
                    detected = true
                } else if let m = o.stunMapped, m != ext {
                    evidence.append("gateway reports external address \(ext) via \(r.via.rawValue), but the STUN server saw \(m): another NAT sits beyond the gateway")
                    detected = true
                } else if let m = o.stunMapped, m == ext, detected == nil {
                    evidence.append("gateway's external address \(ext) (\(r.via.rawValue)) equals the STUN-mapped address: a single NAT")
                    detected = false
                }
            }
        }
        // 2. Hops: a private or CGNAT router beyond the first one (weaker: evidence, not proof).
        let beyondFirst = o.hops.filter { $0.ttl >= 2 && !$0.isDestination }
        let insideHops = beyondFirst.filter { h in h.address.map { AddressScope($0).isNATInside } ?? false }
        if !insideHops.isEmpty {
            let list = insideHops.map(\.text).joined(separator: ", ")
            let cgnat = insideHops.contains { AddressScope($0.address!) == .sharedCGNAT }
            if detected == nil {
                evidence.append("\(cgnat ? "CGNAT" : "private") address on the path beyond the first router (\(list)): likely another NAT (evidence, not proof: some ISPs use private addresses inside their core)")
                detected = true
            } else {
                evidence.append("path also shows \(list) beyond the first router")
            }
        } else if detected == nil, let last = o.hops.last, last.isDestination,
                  !o.hops.contains(where: { $0.address == nil }), o.stunMapped != nil {
            evidence.append("path traced to the destination in \(o.hops.count) hop(s), no private or CGNAT router beyond the first: no sign of a second NAT (a NAT that does not answer with ICMP would stay hidden)")
            detected = false
        }
        if detected == nil {
            if o.gatewayReports.isEmpty { evidence.append("the gateway did not answer UPnP IGD, NAT-PMP or PCP") }
            if o.hops.isEmpty { evidence.append("no hop information") }
            if o.stunMapped == nil { evidence.append("no STUN answer: public address unknown") }
            evidence.append("not enough evidence to tell whether a second NAT exists")
        }
        let status: ProbeStatus = detected == nil ? .inconclusive : .checked
        return (DoubleNATSection(status: status, detected: detected, evidence: evidence, hops: o.hops.map(\.reported)), gw)
    }
}
