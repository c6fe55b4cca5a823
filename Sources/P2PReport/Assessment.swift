// Pure judgement over a report: per-step status (the article's checklist) and the overall verdict.
// Both the headless `check`, the wizard and the summary use these, so all three always agree.

/// The support article's checks, in the article's order.
public enum Step: String, Codable, Sendable, CaseIterable {
    /// Outbound UDP to any port of any public IP, no P2P/QUIC filtering.
    case firewall
    /// Endpoint-independent mapping NAT (pystun3's "Full Cone" family).
    case natType = "nat-type"
    /// Only one NAT between the host and the internet.
    case doubleNat = "double-nat"
    /// Hairpin NAT, needed when both sides sit on one LAN.
    case hairpin
    /// No cloud NAT gateway with endpoint-dependent mapping.
    case cloudNat = "cloud-nat"

    /// Title as shown in the wizard and the summary.
    public var title: String {
        switch self {
        case .firewall: return "Firewall: outbound UDP and QUIC"
        case .natType: return "NAT type"
        case .doubleNat: return "Double NAT"
        case .hairpin: return "Hairpin NAT"
        case .cloudNat: return "Cloud NAT gateway"
        }
    }
}

public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pass
    case warning
    case fail
    case notChecked = "not-checked"
}

/// One line of the checklist: a step, its status and the one-line finding behind it.
public struct StepAssessment: Codable, Sendable, Equatable {
    public var step: Step
    public var status: StepStatus
    /// One plain sentence: what was found.
    public var finding: String

    public init(step: Step, status: StepStatus, finding: String) {
        self.step = step
        self.status = status
        self.finding = finding
    }
}

extension Report {
    /// The checklist, one entry per article step, in order.
    public func assessSteps() -> [StepAssessment] {
        Step.allCases.map { assess($0) }
    }

    public func assess(_ step: Step) -> StepAssessment {
        switch step {
        case .firewall: return assessFirewall()
        case .natType: return assessNAT()
        case .doubleNat: return assessDoubleNAT()
        case .hairpin: return assessHairpin()
        case .cloudNat: return assessCloud()
        }
    }

    private func assessFirewall() -> StepAssessment {
        if quic.status == .filtered && udp.status != .blocked {
            return .init(step: .firewall, status: .fail,
                         finding: "QUIC is filtered: plain UDP to port \(quic.server.flatMap { $0.split(separator: ":").last.map(String.init) } ?? "443") gets through, QUIC-shaped packets do not.")
        }
        switch udp.status {
        case .open:
            let quicNote = quic.status == .open ? " and QUIC is not filtered" : ""
            return .init(step: .firewall, status: .pass, finding: "Outbound UDP reached every probed port\(quicNote).")
        case .partial:
            let blocked = udp.ports.filter { $0.value == .blocked }.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
            return .init(step: .firewall, status: .fail,
                         finding: "Outbound UDP is blocked to some ports: \(blocked.joined(separator: ", ")).")
        case .blocked:
            return .init(step: .firewall, status: .fail, finding: "Outbound UDP is blocked.")
        case .unknown:
            // STUN answering proves UDP to the STUN port at least.
            if nat.publicEndpoint != nil {
                return .init(step: .firewall, status: .warning,
                             finding: "UDP to the STUN server works; other ports could not be proven.")
            }
            return .init(step: .firewall, status: .warning, finding: "Outbound UDP could not be proven either way.")
        case .notChecked:
            if nat.classicType == .blocked {
                return .init(step: .firewall, status: .fail, finding: "No STUN server answered over UDP.")
            }
            if nat.publicEndpoint != nil {
                return .init(step: .firewall, status: .pass,
                             finding: "UDP to the STUN server works (other ports not checked).")
            }
            return .init(step: .firewall, status: .notChecked, finding: "Not checked.")
        }
    }

    private func assessNAT() -> StepAssessment {
        if nat.status == .notChecked {
            return .init(step: .natType, status: .notChecked, finding: "Not checked.")
        }
        let name = nat.classicType.rawValue
        switch nat.mapping {
        case .noNAT:
            if nat.classicType == .symmetricUDPFirewall {
                return .init(step: .natType, status: .pass,
                             finding: "No NAT; a stateful firewall filters unsolicited inbound UDP (\(name)).")
            }
            return .init(step: .natType, status: .pass, finding: "No NAT: this host has a public address (\(name)).")
        case .endpointIndependent:
            return .init(step: .natType, status: .pass,
                         finding: "Endpoint-independent mapping (\(name)): peer-to-peer friendly.")
        case .addressDependent, .addressAndPortDependent:
            return .init(step: .natType, status: .fail,
                         finding: "The public port changes per destination (\(name)): direct connections will mostly fail.")
        case .unknown:
            if nat.classicType == .blocked {
                return .init(step: .natType, status: .fail, finding: "No STUN server answered: UDP appears blocked.")
            }
            let why = nat.inconclusiveReason.map { ": \($0)" } ?? "."
            return .init(step: .natType, status: .warning, finding: "NAT behaviour is inconclusive\(why)")
        }
    }

    private func assessDoubleNAT() -> StepAssessment {
        if doubleNat.status == .notChecked {
            return .init(step: .doubleNat, status: .notChecked, finding: "Not checked.")
        }
        switch doubleNat.detected {
        case true?:
            return .init(step: .doubleNat, status: .fail, finding: "More than one NAT sits between this host and the internet.")
        case false?:
            return .init(step: .doubleNat, status: .pass, finding: "Only one NAT (or none) on the way out.")
        case nil:
            return .init(step: .doubleNat, status: .warning, finding: "Not enough evidence to rule double NAT in or out.")
        }
    }

    private func assessHairpin() -> StepAssessment {
        if hairpin.status == .notChecked {
            return .init(step: .hairpin, status: .notChecked, finding: "Not checked.")
        }
        switch hairpin.supported {
        case true? where nat.mapping == .noNAT:
            return .init(step: .hairpin, status: .pass, finding: "No NAT: peers reach this host at its own address, so hairpin is not needed.")
        case true?:
            return .init(step: .hairpin, status: .pass, finding: "The NAT hairpins: peers on this LAN can reach each other by public address.")
        case false?:
            return .init(step: .hairpin, status: .warning,
                         finding: "No hairpin: matters only if Client and Connector share this LAN.")
        case nil:
            return .init(step: .hairpin, status: .warning, finding: "Hairpin could not be decided.")
        }
    }

    private func assessCloud() -> StepAssessment {
        if cloud.status == .notChecked {
            return .init(step: .cloudNat, status: .notChecked, finding: "Not checked.")
        }
        if cloud.provider == .none {
            return .init(step: .cloudNat, status: .pass, finding: "Not a cloud VM.")
        }
        switch cloud.natGatewaySuspected {
        case true?:
            return .init(step: .cloudNat, status: .fail,
                         finding: "No public address and endpoint-dependent mapping: a cloud NAT gateway is likely in the path.")
        case false?:
            let addr = cloud.publicAddress.map { " (public address \($0))" } ?? ""
            return .init(step: .cloudNat, status: .pass, finding: "Cloud VM without a traversal-breaking NAT gateway\(addr).")
        case nil:
            return .init(step: .cloudNat, status: .warning, finding: "Cloud VM; whether a NAT gateway is in the path is not decidable.")
        }
    }
}

extension Verdict {
    /// The overall answer from every finding. One pure function, table-tested.
    ///
    /// - unlikely: UDP blocked, endpoint-dependent mapping (symmetric), or a cloud NAT gateway.
    /// - possible: double NAT, UDP partially blocked, or the NAT test could not decide.
    /// - likely: none of those.
    public static func derive(from report: Report) -> Verdict {
        var unlikely: [String] = []
        var possible: [String] = []
        var notes: [String] = []
        var blocking = false

        switch report.udp.status {
        case .blocked:
            unlikely.append("Outbound UDP is blocked: allow UDP to any port of any public IP.")
            blocking = true
        case .partial:
            possible.append("Outbound UDP is blocked to some ports: allow UDP to any port of any public IP.")
            blocking = true
        default: break
        }
        if report.nat.classicType == .blocked && report.udp.status != .blocked {
            unlikely.append("No STUN server answered over UDP: UDP appears blocked.")
            blocking = true
        }
        switch report.nat.mapping {
        case .addressDependent, .addressAndPortDependent:
            unlikely.append("The NAT maps each destination to a different public port (\(report.nat.classicType.rawValue)): use a NAT with endpoint-independent mapping.")
            blocking = true
        case .unknown where report.nat.classicType != .blocked:
            possible.append("The NAT type could not be determined\(report.nat.inconclusiveReason.map { ": \($0)" } ?? ".")")
        default: break
        }
        if report.cloud.natGatewaySuspected == true {
            unlikely.append("A cloud NAT gateway is likely in the path: put the Connector in a public subnet behind an Internet Gateway, or use a NAT with endpoint-independent mapping.")
            blocking = true
        }
        if report.doubleNat.detected == true {
            possible.append("Double NAT: remove one layer (bridge mode on the ISP router) or forward a port through both.")
            blocking = true
        }
        if report.hairpin.supported == false {
            notes.append("The NAT does not hairpin: a direct path fails only when both sides share this LAN.")
        }
        if report.quic.status == .filtered {
            unlikely.append("QUIC is filtered: plain UDP gets through but QUIC packets are dropped on the way; allow QUIC (UDP with QUIC long headers) to any port.")
            blocking = true
        }
        if report.quic.status == .notProven {
            notes.append("QUIC could not be proven open (no Version Negotiation reply).")
        }

        let level: DirectConnection
        if !unlikely.isEmpty { level = .unlikely } else if !possible.isEmpty { level = .possible } else { level = .likely }
        var reasons = unlikely + possible + notes
        if level == .likely {
            reasons.insert("Nothing found stands in the way of a direct peer-to-peer connection from this side.", at: 0)
        }
        return Verdict(directConnection: level, reasons: reasons, blocking: blocking)
    }
}
