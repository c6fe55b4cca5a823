// The words for each finding code: the checklist's headline, the advice, and the verdict's sentence.
// Findings/Rules.swift decides the codes; this file only says them. A parameter or a fact of the
// report may fill a sentence in, never change which finding it is.

/// One finding in words.
public struct FindingText: Sendable, Equatable {
    /// One plain sentence: what was found (the checklist line).
    public var headline: String
    /// What to do, most useful first.
    public var advice: [String]
    /// The verdict's sentence, when it differs from the headline.
    public var reason: String?

    init(_ headline: String, advice: [String] = [], reason: String? = nil) {
        self.headline = headline
        self.advice = advice
        self.reason = reason
    }
}

public enum FindingWords {
    /// The words for `f`, found in `r`.
    public static func text(_ f: ReportFinding, in r: Report) -> FindingText {
        if let limit = PathLimitsContent.text(f, in: r) { return limit }
        switch f.step {
        case .firewall: return firewall(f, r)
        case .natType: return natType(f, r)
        case .doubleNat: return doubleNat(f)
        case .hairpin: return hairpin(f)
        case .cloudNat: return cloudNat(f, r)
        }
    }

    /// The verdict's sentence for `f`.
    public static func reason(_ f: ReportFinding, in r: Report) -> String {
        let t = text(f, in: r)
        return t.reason ?? t.headline
    }

    static let allowUDP = "Allow outbound UDP to any port of any public IP address (a stateful firewall "
        + "lets the replies back in)."
    static let quicFix = "Something on the way drops QUIC by the shape of its packets while plain UDP passes: "
        + "ask the network administrator to stop filtering QUIC."

    static func firewall(_ f: ReportFinding, _ r: Report) -> FindingText {
        var fix = [allowUDP]
        if f.parameters["localFirewall"] != nil {
            fix.append("This machine's own firewall drops outbound UDP: change the local firewall rules listed above.")
        }
        if f.parameters["icmpProhibited"] != nil {
            fix.append("A router or firewall on the way answered \"administratively prohibited\": "
                       + "ask the network administrator to allow outbound UDP.")
        }
        let unproven = "Ask the network administrator whether outbound UDP is restricted to some ports, "
            + "or run the check again with a STUN server that also listens on other ports."
        switch f.code {
        case .udpOpen:
            let quic = r.quic.status == .open ? " and QUIC is not filtered" : ""
            let rest = f.parameters["rateLimited"].map { " (\($0) more left unproven by the host's ICMP rate limit)" } ?? ""
            return FindingText("Outbound UDP reached every probed port\(rest)\(quic).")
        case .udpPartial:
            let ports = (f.parameters["ports"] ?? "").split(separator: ",").joined(separator: ", ")
            return FindingText("Outbound UDP is blocked to some ports: \(ports).", advice: fix)
        case .udpBlocked: return FindingText("Outbound UDP is blocked.", advice: fix)
        case .udpStunOnly:
            return FindingText("UDP to the STUN server works; other ports could not be proven.", advice: [unproven])
        case .udpUnproven: return FindingText("Outbound UDP could not be proven either way.", advice: [unproven])
        case .udpNoStunAnswer: return FindingText("No STUN server answered over UDP.", advice: [allowUDP])
        case .udpStunReached: return FindingText("UDP to the STUN server works (other ports not checked).")
        case .quicFiltered:
            let port = f.parameters["port"] ?? "443"
            return FindingText("QUIC is filtered: plain UDP to port \(port) gets through, QUIC-shaped packets do not.",
                               advice: [quicFix],
                               reason: "QUIC is filtered: plain UDP gets through but QUIC packets are dropped "
                                   + "on the way; allow QUIC (UDP with QUIC long headers) to any port.")
        case .quicNotProven:
            return FindingText("QUIC could not be proven open (no Version Negotiation reply).")
        default:
            return FindingText("Not checked: the UDP egress probe did not run.",
                               advice: ["Run the check again with the UDP egress probe enabled."])
        }
    }

    static func natType(_ f: ReportFinding, _ r: Report) -> FindingText {
        let name = f.parameters["classicType"] ?? ""
        let why = f.parameters["reason"].map { ": \($0)" } ?? "."
        switch f.code {
        case .noNat:
            return r.nat.classicType == .symmetricUDPFirewall
                ? FindingText("No NAT; a stateful firewall filters unsolicited inbound UDP (\(name)).")
                : FindingText("No NAT: this host has a public address (\(name)).")
        case .mappingEndpointIndependent:
            return FindingText("Endpoint-independent mapping (\(name)): peer-to-peer friendly.")
        case .mappingEndpointDependent:
            return FindingText("The public port changes per destination (\(name)): direct connections will mostly fail.",
                               advice: fixAdvice(f, r) + [
                                   "If none of that is possible, give this machine a public address, or forward a "
                                       + "UDP port to it.",
                               ])
        case .stunNoAnswer:
            return FindingText("No STUN server answered: UDP appears blocked.",
                               advice: ["Make outbound UDP work first (see the Firewall step)."])
        case .natNotChecked where f.parameters["cause"] == "dns-failure":
            return FindingText("The NAT could not be checked\(why)", advice: [
                "DNS does not answer, so no STUN server could be looked up: fix name resolution, "
                    + "or give `--stun` a STUN server's IP address instead of its name (`--stun IP:PORT`).",
            ])
        case .natNotChecked where f.parameters["cause"] == "no-answer":
            return FindingText("The NAT could not be checked\(why)", advice: [
                "No STUN server answered, yet UDP was not proven blocked: run the check again, "
                    + "or give `--stun` a server you know answers.",
            ])
        case .natInconclusive:
            return FindingText("NAT behaviour is inconclusive\(why)",
                               advice: ["Run the check again with a STUN server that supports RFC 5780 behaviour "
                                        + "tests (a second IP address and port; `p2ptui serve` on a public machine is one)."])
        default:
            return FindingText("Not checked: the NAT behaviour test did not run.",
                               advice: ["Run the check again with the NAT behaviour test enabled."],
                               reason: "The NAT type was not checked.")
        }
    }

    static func doubleNat(_ f: ReportFinding) -> FindingText {
        switch f.code {
        case .doubleNat:
            return FindingText("More than one NAT sits between this host and the internet.", advice: [
                "Remove one NAT layer: put the ISP router in bridge mode (or your own router in "
                    + "access-point mode), or ask the ISP for a public IPv4 address instead of CGNAT.",
                "If that is not possible, forward a UDP port through both NATs to this machine.",
            ])
        case .singleNat: return FindingText("Only one NAT (or none) on the way out.")
        case .doubleNatUndecided:
            return FindingText("Not enough evidence to rule double NAT in or out.", advice: [
                "Open your router's status page: a WAN address of 10.x, 172.16-31.x, 192.168.x or "
                    + "100.64-127.x means another NAT sits in front of it.",
            ])
        default:
            return FindingText("Not checked: the double NAT probe did not run.",
                               advice: ["Run the check again with the double NAT probe enabled."])
        }
    }

    static func hairpin(_ f: ReportFinding) -> FindingText {
        switch f.code {
        case .hairpinNotNeeded:
            return FindingText("No NAT: peers reach this host at its own address, so hairpin is not needed.")
        case .hairpin:
            return FindingText("The NAT hairpins: peers on this LAN can reach each other by public address.")
        case .noHairpin:
            return FindingText("No hairpin: matters only if Client and Connector share this LAN.", advice: [
                "Only if the Client and the Connector share this LAN: enable \"NAT loopback\", \"NAT "
                    + "reflection\" or \"hairpin NAT\" on the router.",
            ])
        case .hairpinUndecided:
            return FindingText("Hairpin could not be decided.", advice: [
                "Hairpin matters only if the Client and the Connector share this LAN; if they do, run the "
                    + "check again.",
            ])
        default:
            return FindingText("Not checked: the hairpin probe did not run.", advice: [
                "If the Client and the Connector share this LAN, run the hairpin test (some enterprise "
                    + "firewalls mistake it for an attack, so it is optional).",
            ])
        }
    }

    static func cloudNat(_ f: ReportFinding, _ r: Report) -> FindingText {
        let provider = CloudProvider(rawValue: f.parameters["provider"] ?? "") ?? .unknown
        let routeTable = "the subnet's route table: a default route to a managed NAT gateway is the thing to "
            + "change. \(cloudFix(provider))"
        switch f.code {
        case .notCloud: return FindingText("Not a cloud VM.")
        case .cloudNatGateway:
            let which = provider == .unknown ? "" : " (\(Pages.providerName(provider)))"
            return FindingText("No public address and endpoint-dependent mapping: a cloud NAT gateway\(which) is likely in the path.",
                               advice: fixAdvice(f, r))
        case .cloudNoNatGateway:
            let addr = f.parameters["publicAddress"].map { " (public address \($0))" } ?? ""
            return FindingText("Cloud VM without a traversal-breaking NAT gateway\(addr).")
        case .cloudMetadataSilent:
            let silence = r.cloud.metadataSilence ?? "The metadata service did not answer"
            return FindingText("\(silence); whether a cloud NAT gateway is in the path is not decidable.", advice: [
                "Run the check again (a busy machine can answer late). If the metadata service stays silent, "
                    + "check that this VM reaches 169.254.169.254 (on AWS, the IMDSv2 hop limit), and check "
                    + routeTable,
            ])
        case .cloudNatUndecided:
            return FindingText("Cloud VM; whether a NAT gateway is in the path is not decidable.",
                               advice: ["Check " + routeTable])
        default:
            return FindingText("Not checked: the cloud probe did not run.", advice: [
                "On a cloud VM, run the check again with the cloud probe enabled (it reads the provider's "
                    + "metadata service).",
            ])
        }
    }

    /// The change that takes a VM off its provider's NAT gateway: the catalogue's first fix for
    /// the provider's managed gateway, with its source.
    static func cloudFix(_ p: CloudProvider) -> String {
        guard let fix = FixCatalogue.fixes(for: .cloudNatGateway, device: .managedGateway(of: p)).first else { return "" }
        return sentence(fix)
    }

    /// The fixes a finding carries, one piece of advice each, then (when the device in front is
    /// not known) how to name it for its exact setting.
    static func fixAdvice(_ f: ReportFinding, _ r: Report) -> [String] {
        var out = f.fixes.map(sentence)
        if r.natDevice?.name == nil, f.fixes.contains(where: { $0.device == nil }) {
            out.append("For the exact setting on the device that does NAT here, name it: `p2ptui check --nat-device "
                + "NAME` (the wizard asks with d); `p2ptui check --help` lists the names.")
        }
        return out
    }

    /// A fix as one piece of advice: "FortiGate: setting (version). Source: URL".
    static func sentence(_ fix: Fix) -> String {
        let device = fix.device.map { "\($0.displayName): " } ?? ""
        let version = fix.version.map { " Version: \($0)." } ?? ""
        return device + fix.setting + version + " Source: " + fix.source
    }
}
