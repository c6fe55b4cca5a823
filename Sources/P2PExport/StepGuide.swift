// The explanation of each article step: the evidence behind the finding, what it means in plain
// words, what to do, and where to read more. The wizard shows it screen by screen; the summary
// prints it section by section; both call `Guide.guide(for:in:)` so they always say the same.
import P2PReport

/// A pointer for further reading, shown under each step.
public struct Reading: Sendable, Equatable, Codable {
    public var title: String
    /// URL or RFC reference.
    public var reference: String
    public init(title: String, reference: String) {
        self.title = title
        self.reference = reference
    }
}

extension Reading {
    public static let rfc4787 = Reading(title: "RFC 4787: NAT behavioural requirements for unicast UDP",
                                        reference: "https://www.rfc-editor.org/rfc/rfc4787")
    public static let rfc5780 = Reading(title: "RFC 5780: NAT behaviour discovery using STUN",
                                        reference: "https://www.rfc-editor.org/rfc/rfc5780")
    public static let rfc8489 = Reading(title: "RFC 8489: Session Traversal Utilities for NAT (STUN)",
                                        reference: "https://www.rfc-editor.org/rfc/rfc8489")
    public static let natTraversal = Reading(title: "How NAT traversal works (Tailscale blog)",
                                             reference: "https://tailscale.com/blog/how-nat-traversal-works")
    public static let wikipediaNAT = Reading(title: "Network address translation (Wikipedia)",
                                             reference: "https://en.wikipedia.org/wiki/Network_address_translation")
    public static let pystun3 = Reading(title: "pystun3: a STUN client printing the classic NAT type",
                                        reference: "https://github.com/talkiq/pystun3")
}

/// Everything a person needs about one article step: status, finding, evidence, meaning, advice.
public struct StepGuide: Sendable, Equatable, Codable {
    public var step: Step
    public var status: StepStatus
    /// One sentence: what was found (from `Report.assess`).
    public var finding: String
    /// Facts behind the finding (addresses, servers, what answered).
    public var evidence: [String]
    /// What it means, in plain words (short paragraphs).
    public var meaning: [String]
    /// What to do next (empty when nothing is needed).
    public var advice: [String]
    public var furtherReading: [Reading]

    public init(step: Step, status: StepStatus, finding: String, evidence: [String], meaning: [String],
                advice: [String], furtherReading: [Reading]) {
        self.step = step
        self.status = status
        self.finding = finding
        self.evidence = evidence
        self.meaning = meaning
        self.advice = advice
        self.furtherReading = furtherReading
    }
}

public enum Guide {
    /// The explanation of `step` for this report.
    public static func guide(for step: Step, in report: Report) -> StepGuide {
        let a = report.assess(step)
        let parts: (evidence: [String], meaning: [String], advice: [String], reading: [Reading])
        switch step {
        case .firewall: parts = firewall(report, a.status)
        case .natType: parts = natType(report, a.status)
        case .doubleNat: parts = doubleNat(report, a.status)
        case .hairpin: parts = hairpin(report, a.status)
        case .cloudNat: parts = cloud(report, a.status)
        }
        return StepGuide(step: step, status: a.status, finding: a.finding, evidence: parts.evidence,
                         meaning: parts.meaning, advice: parts.advice, furtherReading: parts.reading)
    }

    /// Every step's guide, in the article's order.
    public static func guides(for report: Report) -> [StepGuide] {
        Step.allCases.map { guide(for: $0, in: report) }
    }

    // MARK: Verdict and next steps

    /// One-line headline of the overall answer.
    public static func verdictHeadline(_ level: DirectConnection) -> String {
        switch level {
        case .likely: return "Direct connection: LIKELY"
        case .possible: return "Direct connection: POSSIBLE"
        case .unlikely: return "Direct connection: UNLIKELY"
        }
    }

    /// What the overall answer means for this side, in a sentence or two.
    public static func verdictText(for report: Report) -> String {
        switch report.verdict.directConnection {
        case .likely:
            return "Nothing found on this side stands in the way of a direct peer-to-peer connection. "
                + "The other side must be peer-to-peer friendly too: run the check there as well."
        case .possible:
            return "A direct connection may work, but something found here can stop it. "
                + "If it fails, connections still work through a relay, only slower."
        case .unlikely:
            return "Something found on this side stops direct connections: expect connections to go "
                + "through a relay (they work, but slower) until it is fixed."
        }
    }

    /// What to do, most important first: the main advice of each failed step, then of each
    /// warning, then the other side. (Each step's section has the full advice.)
    public static func nextSteps(for report: Report) -> [String] {
        let guides = guides(for: report)
        var out: [String] = []
        for wanted in [StepStatus.fail, .warning] {
            for g in guides where g.status == wanted {
                if let first = g.advice.first, !out.contains(first) { out.append(first) }
            }
        }
        out.append("Run the same check on the other side (Client and Connector both matter), save both "
                   + "as JSON and run `p2ptui compare client.json connector.json`.")
        return out
    }

    /// The article's last step: reading the logs to see whether a real connection went direct.
    /// Product specifics are second-hand and marked "(unverified)".
    public static let logsAdvice: [String] = [
        "This check says what the networks allow; the logs say what a real connection did. Logs are "
            + "not continuous: reproduce the connection first (open the resource from the Client), then "
            + "read the log lines from that moment on both sides.",
        "Client: look at the lines written when the connection was set up: whether a peer-to-peer "
            + "(direct) path was established or the connection went through a relay, and the NAT type "
            + "the Client detected (unverified).",
        "Connector: with TWINGATE_LOG_ANALYTICS=v2 set, the Connector writes ANALYTICS lines (JSON) "
            + "per connection whose fields name the path (direct or relayed) and the protocol "
            + "(unverified).",
        "Admin console: the connection details show whether a connection was direct or relayed "
            + "(unverified).",
        "If the logs show relayed connections while both sides pass every step here, attach both "
            + "saved reports and the log lines to the support ticket.",
    ]

    // MARK: Steps

    private typealias Parts = (evidence: [String], meaning: [String], advice: [String], reading: [Reading])

    private static func firewall(_ r: Report, _ status: StepStatus) -> Parts {
        var ev: [String] = []
        let ports = r.udp.ports.keys.sorted { (Int($0) ?? 0, $0) < (Int($1) ?? 0, $1) }
        for p in ports {
            let reach = r.udp.ports[p] ?? .unknown
            let how = r.udp.failures[p].map { " (\($0))" } ?? ""
            ev.append("UDP port \(p): \(reach.rawValue)\(how)")
        }
        ev += r.udp.firewallRules.map { "Local firewall rule: \($0)" }
        ev += r.udp.evidence
        if r.udp.status == .notChecked { ev.append("UDP egress probe: not run") }
        switch r.quic.status {
        case .open: ev.append("QUIC: \(r.quic.server ?? "server") answered with Version Negotiation")
        case .notProven: ev.append("QUIC: no valid reply from \(r.quic.server ?? "the server") (not proven)")
        case .filtered: ev.append("QUIC: \(r.quic.server ?? "the server") answered plain probes but no QUIC-shaped one (filtered)")
        case .notChecked: ev.append("QUIC probe: not run")
        }
        ev += r.quic.evidence
        if let pub = r.nat.publicEndpoint { ev.append("STUN over UDP answered: public endpoint \(pub)") }

        let meaning = [
            "A direct connection is plain UDP between the two machines, on ports chosen when the "
                + "connection starts. If outbound UDP is blocked, or allowed only to a few ports, the two "
                + "sides cannot open a path and the connection falls back to a relay: it works, but slower.",
            "QUIC runs over UDP. Some firewalls let UDP through but drop QUIC by the shape of its packets; "
                + "the check sends a QUIC packet with a reserved version, which a QUIC server answers with "
                + "Version Negotiation (RFC 9000 section 6). No answer is \"not proven\", not \"blocked\".",
        ]
        var advice: [String] = []
        switch status {
        case .pass: break
        case .fail:
            advice.append("Allow outbound UDP to any port of any public IP address from this machine "
                          + "(replies to outbound packets are let back in by a stateful firewall).")
            if !r.udp.firewallRules.isEmpty {
                advice.append("This machine's own firewall drops outbound UDP: change the rules listed "
                              + "under Evidence.")
            }
            if r.quic.status == .filtered {
                advice.append("Something on the way drops QUIC by the shape of its packets while plain UDP "
                              + "passes: ask the network administrator to stop filtering QUIC.")
            }
            if r.udp.failures.values.contains("icmp-prohibited") {
                advice.append("A router or firewall on the way answered \"administratively prohibited\": "
                              + "ask the network administrator to allow outbound UDP.")
            }
        case .warning:
            advice.append("Ask the network administrator whether outbound UDP is restricted to some "
                          + "ports, or run the check again with a STUN server that also listens on other "
                          + "ports.")
        case .notChecked:
            advice.append("Run the check again with the UDP egress probe enabled.")
        }
        return (ev, meaning, advice, [.natTraversal, .rfc8489])
    }

    private static func natType(_ r: Report, _ status: StepStatus) -> Parts {
        let n = r.nat
        var ev: [String] = []
        if n.status != .notChecked {
            ev.append("Mapping: \(n.mapping.rawValue); filtering: \(n.filtering.rawValue)")
            ev.append("Classic type (as pystun3 names it): \(n.classicType.rawValue)")
        }
        if let p = n.publicEndpoint { ev.append("Public endpoint: \(p)") }
        if let l = n.localEndpoint { ev.append("Local endpoint: \(l)") }
        if let kept = n.portPreserved {
            ev.append(kept ? "The NAT kept the local port number" : "The NAT changed the local port number")
        }
        if let varies = n.mappingVariesByDestination {
            ev.append(varies ? "Different servers saw different public endpoints"
                             : "Every server saw the same public endpoint")
        }
        for s in n.servers { ev.append(describe(s)) }
        ev += n.evidence
        if let why = n.inconclusiveReason { ev.append("Inconclusive: \(why)") }
        if n.ignoredResponses > 0 {
            ev.append("\(n.ignoredResponses) response(s) ignored (wrong transaction, source or format)")
        }
        if n.status == .notChecked { ev.append("NAT behaviour test: not run") }

        var meaning = [
            "A NAT gives each outgoing flow a public address and port (its mapping). With "
                + "endpoint-independent mapping (RFC 4787 section 4.1) the NAT keeps the same public port "
                + "whatever the destination, so the port a STUN server sees is the port the peer can use. "
                + "Hole punching relies on that: each side learns its public endpoint, they swap them, and "
                + "both send at once.",
            "With endpoint-dependent mapping (the classic \"Symmetric NAT\") every new destination gets a "
                + "new public port. The port learned from the STUN server is not the one used toward the "
                + "peer, so the peer aims at a port that is not open for it, and hole punching fails.",
            "Filtering decides which inbound packets may use a mapping: from anyone (endpoint-independent), "
                + "only from addresses this host has sent to, or only from those addresses and ports. It "
                + "matters less than mapping, because both sides send at once and each opens its own filter.",
        ]
        if n.mapping == .noNAT {
            meaning.insert("This host has a public address of its own, so there is no mapping to get wrong; "
                           + "a firewall may still filter unsolicited inbound packets.", at: 0)
        }
        var advice: [String] = []
        switch status {
        case .pass: break
        case .fail:
            if n.classicType == .blocked {
                advice.append("No STUN server answered: make outbound UDP work first (see the Firewall step).")
            } else {
                advice.append("Use a NAT with endpoint-independent mapping. Routers call it \"full cone\", "
                              + "\"endpoint-independent mapping\", \"consistent NAT\" or a gaming mode; on "
                              + "pfSense/OPNsense use static port in the outbound NAT rule for this host; Linux "
                              + "masquerade without random/fully-random keeps ports.")
                advice.append("If the NAT cannot do that, give this machine a public address, or forward a "
                              + "UDP port to it.")
            }
        case .warning:
            advice.append("Run the check again with a STUN server that supports RFC 5780 behaviour tests "
                          + "(a second IP address and port; `p2ptui serve` on a public machine is one).")
        case .notChecked:
            advice.append("Run the check again with the NAT behaviour test enabled.")
        }
        return (ev, meaning, advice, [.rfc4787, .rfc5780, .pystun3, .natTraversal])
    }

    private static func describe(_ s: ServerObservation) -> String {
        var line = "STUN \(s.server)"
        if let a = s.address, a != s.server { line += " (\(a))" }
        line += ": \(s.outcome)"
        if let rtt = s.rttMs { line += " in \(formatMs(rtt))" }
        if let m = s.mappedEndpoint { line += ", saw \(m)" }
        if let o = s.otherAddress { line += ", other address \(o)" }
        switch s.supportsBehaviorTests {
        case true?: line += ", behaviour tests supported"
        case false?: line += ", behaviour tests not supported"
        case nil: break
        }
        if let d = s.detail { line += " (\(d))" }
        return line
    }

    private static func formatMs(_ ms: Double) -> String {
        let tenths = (ms * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) ms" : "\(tenths) ms"
    }

    private static func doubleNat(_ r: Report, _ status: StepStatus) -> Parts {
        var ev = r.doubleNat.evidence
        if !r.doubleNat.hops.isEmpty { ev.append("Path: " + r.doubleNat.hops.joined(separator: " > ")) }
        if let g = r.gateway.address { ev.append("Default gateway: \(g)") }
        if let ext = r.gateway.externalAddress {
            let via = r.gateway.protocols.isEmpty ? "" : " (via \(r.gateway.protocols.joined(separator: ", ")))"
            ev.append("Gateway reports external address \(ext)\(via)")
        } else if !r.gateway.protocols.isEmpty {
            ev.append("Gateway answered: \(r.gateway.protocols.joined(separator: ", "))")
        }
        if let pub = r.nat.publicEndpoint { ev.append("STUN saw public endpoint \(pub)") }
        ev += r.gateway.evidence
        if r.doubleNat.status == .notChecked { ev.append("Double NAT probe: not run") }

        let meaning = [
            "Double NAT means traffic is translated twice: an ISP router in front of your own router, or "
                + "carrier-grade NAT (CGNAT, 100.64.0.0/10) at the ISP. The combination behaves like the "
                + "worst layer, a port forward on the inner router never reaches the internet, and "
                + "UPnP/NAT-PMP only opens the inner layer.",
            "Signs of it: the router reports an external address that is private or CGNAT, or that differs "
                + "from the public address STUN saw; or private/CGNAT hops after the first hop. Private hops "
                + "are evidence, not proof: some ISPs use private addresses inside their network.",
        ]
        var advice: [String] = []
        switch status {
        case .pass: break
        case .fail:
            advice.append("Remove one NAT layer: put the ISP router in bridge mode (or your own router in "
                          + "access-point mode), or ask the ISP for a public IPv4 address instead of CGNAT.")
            advice.append("If that is not possible, forward a UDP port through both NATs to this machine.")
        case .warning:
            advice.append("Open your router's status page: a WAN address of 10.x, 172.16-31.x, 192.168.x "
                          + "or 100.64-127.x means another NAT sits in front of it.")
        case .notChecked:
            advice.append("Run the check again with the double NAT probe enabled.")
        }
        return (ev, meaning, advice, [.natTraversal, .wikipediaNAT, .rfc4787])
    }

    private static func hairpin(_ r: Report, _ status: StepStatus) -> Parts {
        var ev = r.hairpin.evidence
        if let src = r.hairpin.observedSource { ev.append("Looped-back packet arrived from \(src)") }
        if let pub = r.nat.publicEndpoint, r.hairpin.status != .notChecked {
            ev.append("Sent to this host's public endpoint \(pub)")
        }
        if r.hairpin.status == .notChecked { ev.append("Hairpin probe: not run") }
        let meaning = [
            "Hairpinning (RFC 4787 section 6, REQ-9) is the NAT turning a packet sent to its own public "
                + "address back inside. It matters only when the Client and the Connector sit behind the "
                + "same NAT (one LAN or office): then each may try the other's public endpoint. Without "
                + "hairpin they must use each other's private address, which usually works on one LAN.",
        ]
        var advice: [String] = []
        switch status {
        case .pass, .fail: break
        case .warning:
            if r.hairpin.supported == false {
                advice.append("Only if the Client and the Connector share this LAN: enable \"NAT loopback\", "
                              + "\"NAT reflection\" or \"hairpin NAT\" on the router.")
            } else {
                advice.append("Hairpin matters only if the Client and the Connector share this LAN; if they "
                              + "do, run the check again.")
            }
        case .notChecked:
            advice.append("If the Client and the Connector share this LAN, run the hairpin test (some "
                          + "enterprise firewalls mistake it for an attack, so it is optional).")
        }
        return (ev, meaning, advice, [.rfc4787, .natTraversal])
    }

    private static func cloud(_ r: Report, _ status: StepStatus) -> Parts {
        let c = r.cloud
        var ev = c.evidence
        if c.status != .notChecked { ev.append("Cloud provider: \(providerName(c.provider))") }
        if let a = c.publicAddress {
            ev.append("Metadata service: public address \(a)")
        } else if c.status != .notChecked && c.provider != .none {
            ev.append("Metadata service: no public address for this VM")
        }
        if c.natGatewaySuspected != nil || c.provider != .none, r.nat.status != .notChecked {
            ev.append("Mapping seen on the way out: \(r.nat.mapping.rawValue)")
        }
        if c.status == .notChecked { ev.append("Cloud probe: not run") }

        var meaning = [
            "In a cloud, a VM without a public address reaches the internet through a managed NAT gateway. "
                + "Several of these pick a new public port per destination (endpoint-dependent mapping), "
                + "which defeats hole punching just like a Symmetric NAT.",
        ]
        var fix: String
        switch c.provider {
        case .aws:
            meaning.append("AWS NAT Gateway maps endpoint-dependently (a random port per destination). An "
                           + "Internet Gateway translates one-to-one and keeps ports.")
            fix = "Put the Connector in a public subnet whose route table sends 0.0.0.0/0 to an Internet "
                + "Gateway, and give it a public IPv4 or Elastic IP address."
        case .azure:
            meaning.append("Azure NAT Gateway picks a port per connection (endpoint-dependent mapping).")
            fix = "Give the VM an instance-level public IP address (Standard SKU) so its traffic leaves "
                + "through that address instead of the NAT Gateway."
        case .gcp:
            meaning.append("Google Cloud NAT maps endpoint-dependently unless endpoint-independent mapping "
                           + "is enabled on the NAT (off by default when created through the API).")
            fix = "Enable endpoint-independent mapping on the Cloud NAT, or give the VM an external IP "
                + "address."
        case .none, .unknown:
            fix = "Give the Connector a public address, or use a NAT with endpoint-independent mapping "
                + "(for example a VM running Linux masquerade) instead of the managed NAT gateway."
        }
        var advice: [String] = []
        switch status {
        case .pass: break
        case .fail: advice.append(fix)
        case .warning:
            advice.append("Check the subnet's route table: a default route to a managed NAT gateway is the "
                          + "thing to change. \(fix)")
        case .notChecked:
            advice.append("On a cloud VM, run the check again with the cloud probe enabled (it reads the "
                          + "provider's metadata service).")
        }
        return (ev, meaning, advice, [.natTraversal, .rfc4787])
    }

    /// The provider's name as people write it.
    public static func providerName(_ p: CloudProvider) -> String {
        switch p {
        case .aws: return "AWS"
        case .gcp: return "Google Cloud"
        case .azure: return "Azure"
        case .none: return "none (not a cloud VM)"
        case .unknown: return "unknown"
        }
    }
}
