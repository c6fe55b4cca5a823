// Progress of a running check, as plain messages. The engine emits them from its tasks; the wizard
// folds them into its model and the headless `check` prints them with -v.

/// The independent probes the engine can run.
public enum ProbeID: String, Codable, Sendable, CaseIterable, Comparable {
    case nat
    case udp
    case quic
    case doubleNat = "double-nat"
    case hairpin
    case cloud
    case ipv6
    /// The largest datagram crossing the path each way (not one of the article's steps).
    case datagram

    public static func < (a: ProbeID, b: ProbeID) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Short name for progress lines.
    public var label: String {
        switch self {
        case .nat: return "NAT behaviour"
        case .udp: return "UDP egress"
        case .quic: return "QUIC egress"
        case .doubleNat: return "Double NAT"
        case .hairpin: return "Hairpin"
        case .cloud: return "Cloud NAT gateway"
        case .ipv6: return "IPv6"
        case .datagram: return "Datagram size"
        }
    }
}

/// What one probe produced: the report section(s) it owns.
public enum ProbeResult: Sendable, Equatable {
    case nat(NATSection)
    case udp(UDPSection)
    case quic(QUICSection)
    case doubleNat(DoubleNATSection, GatewaySection)
    case hairpin(HairpinSection)
    case cloud(CloudSection)
    case ipv6(IPv6Section)
    case datagram(DatagramSection)

    public var probe: ProbeID {
        switch self {
        case .nat: return .nat
        case .udp: return .udp
        case .quic: return .quic
        case .doubleNat: return .doubleNat
        case .hairpin: return .hairpin
        case .cloud: return .cloud
        case .ipv6: return .ipv6
        case .datagram: return .datagram
        }
    }

    /// Writes this result's sections into `report` and re-derives the verdict.
    public func apply(to report: inout Report) {
        switch self {
        case .nat(let s): report.nat = s
        case .udp(let s): report.udp = s
        case .quic(let s): report.quic = s
        case .doubleNat(let d, let g): report.doubleNat = d; report.gateway = g
        case .hairpin(let s): report.hairpin = s
        case .cloud(let s): report.cloud = s
        case .ipv6(let s): report.ipv6 = s
        case .datagram(let s): report.datagram = s
        }
        report.verdict = Verdict.derive(from: report)
    }
}

extension Report {
    /// Takes the section(s) probe `p` owns from `other` (what a finished run holds for it).
    public mutating func copySection(of p: ProbeID, from other: Report) {
        switch p {
        case .nat: nat = other.nat
        case .udp: udp = other.udp
        case .quic: quic = other.quic
        case .doubleNat: doubleNat = other.doubleNat; gateway = other.gateway
        case .hairpin: hairpin = other.hairpin
        case .cloud: cloud = other.cloud
        case .ipv6: ipv6 = other.ipv6
        case .datagram: datagram = other.datagram
        }
    }
}

/// A progress message from a running check.
public enum ProbeEvent: Sendable, Equatable {
    /// The probe started (at `elapsedMs` since the run began).
    case started(ProbeID, elapsedMs: Int)
    /// A step inside the probe, for live display ("test II: 192.0.2.2:3478 answered").
    case progress(ProbeID, String)
    /// The probe finished with its result.
    case finished(ProbeResult, elapsedMs: Int)
}
