// What each article step says: title, intro, facts, meaning, further reading. The finding and its
// advice are decided by Findings/Rules.swift and worded by FindingWords.swift; the wizard, `check`,
// the summary and `compare` render these.
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
            for p in [PortReach.blocked, .unknown, .reached].flatMap({ reach in r.udp.sortedPorts { $0 == reach } }) {
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
            if !r.doubleNat.hops.isEmpty { ev.append("Path: " + r.doubleNat.hops.map(\.description).joined(separator: " > ")) }
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
        reading: [Pages.natTraversal, Pages.rfc4787])
}
