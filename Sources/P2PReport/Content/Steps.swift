// What each article step says: title, intro, facts, meaning, finding and advice, further reading.
// The one place for a step's words; the wizard, `check`, the summary and `compare` render these.
// Adding a step: a case in `Step`, its entry in `content`, and the probe that fills its section.

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

    public var content: StepContent {
        switch self {
        case .firewall: return Steps.firewall
        case .natType: return Steps.natType
        case .doubleNat: return Steps.doubleNat
        case .hairpin: return Steps.hairpin
        case .cloudNat: return Steps.cloudNat
        }
    }
}

enum Steps {
    // MARK: Firewall

    static let firewall = StepContent(
        title: "Firewall: outbound UDP and QUIC",
        shortName: "Firewall",
        intro: "Peer-to-peer needs outbound UDP to any port of any public IP, and nothing that filters "
            + "P2P or QUIC traffic: not the OS firewall, not security software, not the router's "
            + "application (L7) filter, and not the ISP.",
        probes: [.udp, .quic],
        facts: { r in
            var ev: [String] = []
            // Blocked ports first (the brief `check` output shows the first facts), then unknown, then reached.
            let rank: [PortReach: Int] = [.blocked: 0, .unknown: 1, .reached: 2]
            let key = { (p: String) in (rank[r.udp.ports[p] ?? .unknown] ?? 1, Int(p) ?? 0, p) }
            for p in r.udp.ports.keys.sorted(by: { key($0) < key($1) }) {
                let how = r.udp.failures[p].map { " (\($0.rawValue))" } ?? ""
                ev.append("UDP port \(p): \((r.udp.ports[p] ?? .unknown).rawValue)\(how)")
            }
            ev += r.udp.firewallRules.map { "Local firewall rule: \($0)" }
            ev += r.udp.evidence
            switch r.quic.status {
            case .open: ev.append("QUIC: \(r.quic.server ?? "server") answered with Version Negotiation")
            case .notProven: ev.append("QUIC: no valid reply from \(r.quic.server ?? "the server") (not proven)")
            case .filtered: ev.append("QUIC: \(r.quic.server ?? "the server") answered plain probes but no QUIC-shaped one (filtered)")
            case .notChecked: ev.append("QUIC probe: not run")
            }
            ev += r.quic.evidence
            if let pub = r.nat.publicEndpoint { ev.append("STUN over UDP answered: public endpoint \(pub)") }
            return ev
        },
        meaning: { _ in [
            "A direct connection is plain UDP between the two machines, on ports chosen when the "
                + "connection starts. If outbound UDP is blocked, or allowed only to a few ports, the two "
                + "sides cannot open a path and the connection falls back to a relay: it works, but slower.",
            "Some firewalls let UDP through but drop QUIC by the shape of its packets. The check sends a "
                + "QUIC packet with a reserved version, which a QUIC server answers with Version "
                + "Negotiation (RFC 9000 section 6). No answer is \"not proven\", not \"blocked\".",
        ] },
        assess: { r in
            let allow = "Allow outbound UDP to any port of any public IP address (a stateful firewall "
                + "lets the replies back in)."
            var fix = [allow]
            if !r.udp.firewallRules.isEmpty {
                fix.append("This machine's own firewall drops outbound UDP: change the local firewall rules listed above.")
            }
            if r.udp.failures.values.contains(.icmpProhibited) {
                fix.append("A router or firewall on the way answered \"administratively prohibited\": "
                           + "ask the network administrator to allow outbound UDP.")
            }
            let unproven = "Ask the network administrator whether outbound UDP is restricted to some ports, "
                + "or run the check again with a STUN server that also listens on other ports."
            var f: Finding
            switch r.udp.status {
            case .open:
                let quic = r.quic.status == .open ? " and QUIC is not filtered" : ""
                let limited = r.udp.failures.filter { $0.value == .rateLimited }.count
                let rest = limited > 0 ? " (\(limited) more left unproven by the host's ICMP rate limit)" : ""
                f = Finding(.pass, "Outbound UDP reached every probed port\(rest)\(quic).")
            case .partial:
                let blocked = r.udp.ports.filter { $0.value == .blocked }.keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
                f = Finding(.fail, "Outbound UDP is blocked to some ports: \(blocked.joined(separator: ", ")).",
                            advice: fix).weighs(.possible, blocking: true)
            case .blocked:
                f = Finding(.fail, "Outbound UDP is blocked.", advice: fix).weighs(.unlikely, blocking: true)
            case .unknown:
                // STUN answering proves UDP to the STUN port at least.
                f = r.nat.publicEndpoint != nil
                    ? Finding(.warning, "UDP to the STUN server works; other ports could not be proven.", advice: [unproven])
                    : Finding(.warning, "Outbound UDP could not be proven either way.", advice: [unproven])
            case .notChecked:
                if r.nat.classicType == .blocked {
                    f = Finding(.fail, "No STUN server answered over UDP.", advice: [allow])
                } else if r.nat.publicEndpoint != nil {
                    f = Finding(.pass, "UDP to the STUN server works (other ports not checked).")
                } else {
                    f = Finding(.notChecked, "Not checked: the UDP egress probe did not run.", advice: ["Run the check again with the UDP egress probe enabled."])
                }
            }
            if r.quic.status == .filtered {
                let quicFix = "Something on the way drops QUIC by the shape of its packets while plain UDP passes: "
                    + "ask the network administrator to stop filtering QUIC."
                if f.status == .fail {
                    f.advice.append(quicFix)
                } else {
                    let port = r.quic.server.flatMap { $0.split(separator: ":").last.map(String.init) } ?? "443"
                    f = Finding(.fail, "QUIC is filtered: plain UDP to port \(port) gets through, QUIC-shaped packets do not.",
                                advice: [quicFix], verdict: f.verdict)
                }
                f.verdict.insert(VerdictNote(.unlikely, "QUIC is filtered: plain UDP gets through but QUIC packets are dropped "
                                             + "on the way; allow QUIC (UDP with QUIC long headers) to any port.", blocking: true), at: 0)
            }
            if r.quic.status == .notProven {
                f.verdict.append(VerdictNote(.note, "QUIC could not be proven open (no Version Negotiation reply)."))
            }
            return f
        },
        reading: [Pages.natTraversal, Pages.rfc8489])

    // MARK: NAT type

    static let natType = StepContent(
        title: "NAT type",
        shortName: "NAT",
        intro: "Checks whether the NAT in front of this machine keeps the same public port for every "
            + "destination (endpoint-independent mapping), and which inbound packets it lets in.",
        probes: [.nat, .ipv6],
        decidedBy: [.nat],
        facts: { r in
            let n = r.nat
            guard n.status != .notChecked else { return [] }
            var ev = ["Mapping: \(n.mapping.rawValue); filtering: \(n.filtering.rawValue)",
                      "Classic type (as pystun3 names it): \(n.classicType.rawValue)"]
            if let p = n.publicEndpoint { ev.append("Public endpoint: \(p)") }
            if let l = n.localEndpoint { ev.append("Local endpoint: \(l)") }
            if let kept = n.portPreserved {
                ev.append(kept ? "The NAT kept the local port number" : "The NAT changed the local port number")
            }
            if let varies = n.mappingVariesByDestination {
                ev.append(varies ? "Different servers saw different public endpoints"
                                 : "Every server saw the same public endpoint")
            }
            ev += n.servers.map(Pages.describe)
            ev += n.evidence
            if n.ignoredResponses > 0 {
                ev.append("\(n.ignoredResponses) response(s) ignored (wrong transaction, source or format)")
            }
            return ev
        },
        meaning: { r in
            var m = [
                "With endpoint-independent mapping (RFC 4787 section 4.1) the port a STUN server sees is "
                    + "the port the peer can use. Hole punching relies on that: each side learns its public "
                    + "endpoint, they swap them, and both send at once.",
                "With endpoint-dependent mapping (the classic \"Symmetric NAT\") every new destination gets "
                    + "a new public port. The port learned from the STUN server is not the one used toward "
                    + "the peer, so the peer aims at a port that is not open for it, and hole punching fails.",
                "Filtering (from anyone, only from addresses this host has sent to, or only from those "
                    + "addresses and ports) matters less than mapping, because both sides send at once and "
                    + "each opens its own filter.",
            ]
            if r.nat.mapping == .noNAT {
                m.insert("This host has a public address of its own, so there is no mapping to get wrong; "
                         + "a firewall may still filter unsolicited inbound packets.", at: 0)
            }
            return m
        },
        assess: { r in
            let n = r.nat
            if n.status == .notChecked {
                // Without the mapping nothing says a direct connection can work: never "likely".
                return Finding(.notChecked, "Not checked: the NAT behaviour test did not run.", advice: ["Run the check again with the NAT behaviour test enabled."],
                               verdict: [VerdictNote(.possible, "The NAT type was not checked.")])
            }
            let name = n.classicType.rawValue
            switch n.mapping {
            case .noNAT:
                if n.classicType == .symmetricUDPFirewall {
                    return Finding(.pass, "No NAT; a stateful firewall filters unsolicited inbound UDP (\(name)).")
                }
                return Finding(.pass, "No NAT: this host has a public address (\(name)).")
            case .endpointIndependent:
                return Finding(.pass, "Endpoint-independent mapping (\(name)): peer-to-peer friendly.")
            case .addressDependent, .addressAndPortDependent:
                return Finding(.fail, "The public port changes per destination (\(name)): direct connections will mostly fail.",
                               advice: [
                                   "Use a NAT with endpoint-independent mapping. Routers call it \"full cone\", "
                                       + "\"endpoint-independent mapping\", \"consistent NAT\" or a gaming mode; on "
                                       + "pfSense/OPNsense use static port in the outbound NAT rule for this host; Linux "
                                       + "masquerade without random/fully-random keeps ports.",
                                   "If the NAT cannot do that, give this machine a public address, or forward a "
                                       + "UDP port to it.",
                               ]).weighs(.unlikely, blocking: true)
            case .unknown:
                if n.classicType == .blocked {
                    let f = Finding(.fail, "No STUN server answered: UDP appears blocked.",
                                    advice: ["Make outbound UDP work first (see the Firewall step)."])
                    // The firewall step already weighs a blocked UDP; this adds only when it could not.
                    return r.udp.status == .blocked ? f : f.weighs(.unlikely, blocking: true)
                }
                let why = n.inconclusiveReason.map { ": \($0)" } ?? "."
                if Verdict.natUnchecked(r) {
                    // Nothing was checked (issue 11): the verdict is "unknown", the fix comes first.
                    let dns = !n.servers.isEmpty && n.servers.allSatisfy { $0.outcome == .dnsFailure }
                    let fix = dns
                        ? "DNS does not answer, so no STUN server could be looked up: fix name resolution, "
                            + "or give `--stun` a STUN server's IP address instead of its name (`--stun IP:PORT`)."
                        : "No STUN server answered, yet UDP was not proven blocked: run the check again, "
                            + "or give `--stun` a server you know answers."
                    return Finding(.warning, "The NAT could not be checked\(why)", advice: [fix])
                        .weighs(.possible)
                }
                return Finding(.warning, "NAT behaviour is inconclusive\(why)",
                               advice: ["Run the check again with a STUN server that supports RFC 5780 behaviour "
                                        + "tests (a second IP address and port; `p2ptui serve` on a public machine is one)."])
                    .weighs(.possible)
            }
        },
        reading: [Pages.rfc4787, Pages.rfc5780, Pages.pystun3, Pages.natTraversal])

    // MARK: Double NAT

    static let doubleNat = StepContent(
        title: "Double NAT",
        shortName: "Double NAT",
        intro: "Checks whether more than one NAT sits between this machine and the internet: an ISP router in "
            + "front of your own router, or carrier-grade NAT (CGNAT, 100.64.0.0/10) at the ISP.",
        probes: [.doubleNat],
        facts: { r in
            var ev = r.doubleNat.evidence
            if !r.doubleNat.hops.isEmpty { ev.append("Path: " + r.doubleNat.hops.joined(separator: " > ")) }
            if let g = r.gateway.address { ev.append("Default gateway: \(g)") }
            let via = r.gateway.protocols.map(\.rawValue).joined(separator: ", ")
            // The gateway's own evidence names each protocol's answer; say it here only without it.
            if r.gateway.evidence.isEmpty, let ext = r.gateway.externalAddress {
                ev.append("Gateway reports external address \(ext)" + (via.isEmpty ? "" : " (via \(via))"))
            } else if r.gateway.evidence.isEmpty && !via.isEmpty {
                ev.append("Gateway answered: \(via)")
            }
            if let pub = r.nat.publicEndpoint { ev.append("STUN saw public endpoint \(pub)") }
            ev += r.gateway.evidence
            return ev
        },
        meaning: { _ in [
            "Two NATs in a row behave like the worse of the two; a port forward on the inner router never "
                + "reaches the internet, and UPnP/NAT-PMP only opens the inner layer.",
            "Signs of it: the router reports an external address that is private or CGNAT, or that differs "
                + "from the public address STUN saw; or private/CGNAT hops after the first hop. Private hops "
                + "are evidence, not proof: some ISPs use private addresses inside their network.",
        ] },
        assess: { r in
            if r.doubleNat.status == .notChecked {
                return Finding(.notChecked, "Not checked: the double NAT probe did not run.", advice: ["Run the check again with the double NAT probe enabled."])
            }
            switch r.doubleNat.detected {
            case true?:
                return Finding(.fail, "More than one NAT sits between this host and the internet.", advice: [
                    "Remove one NAT layer: put the ISP router in bridge mode (or your own router in "
                        + "access-point mode), or ask the ISP for a public IPv4 address instead of CGNAT.",
                    "If that is not possible, forward a UDP port through both NATs to this machine.",
                ]).weighs(.possible, blocking: true)
            case false?:
                return Finding(.pass, "Only one NAT (or none) on the way out.")
            case nil:
                return Finding(.warning, "Not enough evidence to rule double NAT in or out.", advice: [
                    "Open your router's status page: a WAN address of 10.x, 172.16-31.x, 192.168.x or "
                        + "100.64-127.x means another NAT sits in front of it.",
                ])
            }
        },
        reading: [Pages.natTraversal, Pages.wikipediaNAT, Pages.rfc4787])

    // MARK: Hairpin

    static let hairpin = StepContent(
        title: "Hairpin NAT",
        shortName: "Hairpin",
        intro: "Checks whether the NAT sends a packet addressed to its own public address back inside "
            + "(hairpinning, RFC 4787 section 6, REQ-9).",
        probes: [.hairpin],
        facts: { r in
            var ev = r.hairpin.evidence
            if let src = r.hairpin.observedSource { ev.append("Looped-back packet arrived from \(src)") }
            if let pub = r.nat.publicEndpoint, r.hairpin.status != .notChecked {
                ev.append("Sent to this host's public endpoint \(pub)")
            }
            return ev
        },
        meaning: { _ in [
            "It matters only when the Client and the Connector sit behind the same NAT (one LAN or office): "
                + "then each may try the other's public endpoint. Without hairpin they must use each other's "
                + "private address, which usually works on one LAN.",
        ] },
        assess: { r in
            if r.hairpin.status == .notChecked {
                return Finding(.notChecked, "Not checked: the hairpin probe did not run.", advice: [
                    "If the Client and the Connector share this LAN, run the hairpin test (some enterprise "
                        + "firewalls mistake it for an attack, so it is optional).",
                ])
            }
            switch r.hairpin.supported {
            case true? where r.nat.mapping == .noNAT:
                return Finding(.pass, "No NAT: peers reach this host at its own address, so hairpin is not needed.")
            case true?:
                return Finding(.pass, "The NAT hairpins: peers on this LAN can reach each other by public address.")
            case false?:
                return Finding(.warning, "No hairpin: matters only if Client and Connector share this LAN.", advice: [
                    "Only if the Client and the Connector share this LAN: enable \"NAT loopback\", \"NAT "
                        + "reflection\" or \"hairpin NAT\" on the router.",
                ]).weighs(.note)
            case nil:
                return Finding(.warning, "Hairpin could not be decided.", advice: [
                    "Hairpin matters only if the Client and the Connector share this LAN; if they do, run the "
                        + "check again.",
                ])
            }
        },
        reading: [Pages.rfc4787, Pages.natTraversal])

    // MARK: Cloud NAT gateway

    static let cloudNat = StepContent(
        title: "Cloud NAT gateway",
        shortName: "Cloud",
        intro: "Checks whether this machine is a cloud VM that reaches the internet through a managed NAT "
            + "gateway (AWS NAT Gateway, Azure NAT Gateway, Google Cloud NAT).",
        probes: [.cloud],
        facts: { r in
            let c = r.cloud
            guard c.status != .notChecked else { return c.evidence }
            var ev = c.evidence
            // "Not a cloud VM" is the finding; the provider line adds to it only with no other evidence.
            if c.provider != .none || ev.isEmpty { ev.append("Cloud provider: \(Pages.providerName(c.provider))") }
            if let a = c.publicAddress {
                ev.append("Metadata service: public address \(a)")
            } else if c.metadataSilence != nil {
                ev.append("Metadata service: did not answer, so whether this VM has a public address is unknown")
            } else if c.provider != .none {
                ev.append("Metadata service: no public address for this VM")
            }
            if c.natGatewaySuspected != nil || c.provider != .none, r.nat.status != .notChecked {
                ev.append("Mapping seen on the way out: \(r.nat.mapping.rawValue)")
            }
            return ev
        },
        meaning: { r in
            var m = [
                "In a cloud, a VM without a public address reaches the internet through a managed NAT gateway. "
                    + "Several of these pick a new public port per destination (endpoint-dependent mapping), "
                    + "which defeats hole punching just like a Symmetric NAT.",
            ]
            switch r.cloud.provider {
            case .aws:
                m.append("AWS NAT Gateway maps endpoint-dependently (a random port per destination). An "
                         + "Internet Gateway translates one-to-one and keeps ports.")
            case .azure:
                m.append("Azure NAT Gateway picks a port per connection (endpoint-dependent mapping).")
            case .gcp:
                m.append("Google Cloud NAT maps endpoint-dependently unless endpoint-independent mapping is "
                         + "enabled on the NAT (off by default when created through the API).")
            case .none, .unknown: break
            }
            return m
        },
        assess: { r in
            let c = r.cloud
            if c.status == .notChecked {
                return Finding(.notChecked, "Not checked: the cloud probe did not run.", advice: [
                    "On a cloud VM, run the check again with the cloud probe enabled (it reads the provider's "
                        + "metadata service).",
                ])
            }
            if c.provider == .none { return Finding(.pass, "Not a cloud VM.") }
            switch c.natGatewaySuspected {
            case true?:
                let which = c.provider == .unknown ? "" : " (\(Pages.providerName(c.provider)))"
                return Finding(.fail, "No public address and endpoint-dependent mapping: a cloud NAT gateway\(which) is likely in the path.",
                               advice: [cloudFix(c.provider)]).weighs(.unlikely, blocking: true)
            case false?:
                let addr = c.publicAddress.map { " (public address \($0))" } ?? ""
                return Finding(.pass, "Cloud VM without a traversal-breaking NAT gateway\(addr).")
            case nil:
                if let silence = c.metadataSilence {
                    // A starved process or a blocked metadata route must not read as "not a cloud VM".
                    let f = Finding(.warning, "\(silence); whether a cloud NAT gateway is in the path is not decidable.", advice: [
                        "Run the check again (a busy machine can answer late). If the metadata service stays silent, "
                            + "check that this VM reaches 169.254.169.254 (on AWS, the IMDSv2 hop limit), and check "
                            + "the subnet's route table: a default route to a managed NAT gateway is the thing to "
                            + "change. \(cloudFix(c.provider))",
                    ])
                    return f.weighs(.note)
                }
                return Finding(.warning, "Cloud VM; whether a NAT gateway is in the path is not decidable.", advice: [
                    "Check the subnet's route table: a default route to a managed NAT gateway is the thing to "
                        + "change. \(cloudFix(c.provider))",
                ])
            }
        },
        reading: [Pages.natTraversal, Pages.rfc4787])

    /// The change that takes a VM off its provider's NAT gateway.
    static func cloudFix(_ p: CloudProvider) -> String {
        switch p {
        case .aws:
            return "Put the Connector in a public subnet whose route table sends 0.0.0.0/0 to an Internet "
                + "Gateway, and give it a public IPv4 or Elastic IP address. "
                + "Source: https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"
        case .azure:
            // A NAT Gateway on the subnet takes precedence over an instance-level public IP for all new
            // outbound flows (learn.microsoft.com/azure/nat-gateway/nat-overview, "Outbound
            // connectivity"): a public IP alone changes nothing.
            return "Move the Connector to a subnet without a NAT Gateway (or dissociate the NAT Gateway from "
                + "its subnet) and give the VM a Standard public IP address: while a NAT Gateway is on the "
                + "subnet it takes precedence over the VM's own public IP for outbound traffic. "
                + "Source: https://learn.microsoft.com/azure/nat-gateway/nat-overview"
        case .gcp:
            // The API refuses endpoint-independent mapping while dynamic port allocation is on
            // (RouterNat.enableDynamicPortAllocation, Compute Engine API reference).
            return "Enable endpoint-independent mapping on the Cloud NAT: gcloud compute routers nats update NAT "
                + "--router=ROUTER --region=REGION --no-enable-dynamic-port-allocation "
                + "--enable-endpoint-independent-mapping (it cannot be on while dynamic port allocation is). "
                + "Source: https://cloud.google.com/nat/docs/set-up-network-address-translation"
        case .none, .unknown:
            return "Give the Connector a public address, or use a NAT with endpoint-independent mapping "
                + "(for example a VM running Linux masquerade) instead of the managed NAT gateway."
        }
    }
}
