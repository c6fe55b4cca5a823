// The words for each punch code (Findings/PunchCodes.swift): what happened, tied to the step that
// explains it, and the first thing to change. P2PPunch's `Diagnosis` decides; this only says.

extension PunchDiagnosis {
    /// One sentence: what happened.
    public var reason: String { words.reason }

    /// What to change first; nil when a path was proven.
    public var fix: String? { words.fix }

    /// The reason and the fix, one code at a time.
    var words: (reason: String, fix: String?) {
        let me = Self.side(localRole, own: true), them = Self.side(peerRole, own: false)
        let p = parameters
        let allow = "allow outbound UDP to any port of any public IP address on "
        let accept = "NAT/firewall accept UDP from addresses it has sent to"
        switch code {
        case .newMappingHere:
            return ("this side's NAT gave the path a port its code did not announce (\(p["seen"] ?? "?"), a new mapping per destination), and the peer learned it from this side's checks (peer-reflexive) and answered there", nil)
        case .lanPath:
            return ("the peer's private address answered: both sides share a network (the LAN path; no NAT crossed)", nil)
        case .ipv6Path:
            return ("the peer's global IPv6 address answered: no NAT on that path, and both sides' firewalls let the checks through both ways (IPv6 works even where the IPv4 NATs would not)", nil)
        case .serverReflexive:
            return ("each side reached the other's public endpoint as STUN saw it: the NATs keep their mappings (hole punching works)", nil)
        case .peerReflexive:
            return ("the peer's checks came from a port its code did not announce (its NAT mapped a new one) and this side answered there: works thanks to peer-reflexive learning", nil)
        case .quicWouldFail:
            return ("direct path proven, but QUIC would fail on it: small probes cross, yet no datagram of 1200 bytes of UDP payload did (largest out \(p["out"] ?? "not measured"), in \(p["in"] ?? "not measured")), and QUIC needs 1200 (RFC 9000 section 14, \(Self.quicSource)); something on the path has a small MTU or drops large UDP datagrams (a VPN client or tunnel, PPPoE, a mobile network)",
                    "find the link or tunnel with the small MTU and raise it so 1200-byte UDP datagrams (1228 bytes of IPv4 packet) cross, or let the firewall pass large UDP datagrams")
        case .udpBlockedHere:
            return ("UDP blocked on \(me): no STUN server answered from here, so no UDP gets out", allow + me)
        case .udpBlockedPeer:
            return ("UDP blocked on \(them): its code says no STUN server answered there", allow + them)
        case .symmetricBoth:
            return ("symmetric NAT on both sides: each NAT gives every destination a new public port, so neither side can aim at the other",
                    "give one side (the Connector first) a NAT with endpoint-independent mapping or a public address")
        case .symmetricHere, .symmetricPeer:
            let (sym, other) = code == .symmetricHere ? (me, them) : (them, me)
            return ("symmetric NAT on \(sym): its packets reach \(other) from a port nobody announced, and \(other) only lets in packets from the exact address and port it sent to (port-restricted filtering)",
                    "give \(sym) a NAT with endpoint-independent mapping (or a public address); or let \(other)'s NAT/firewall accept replies from any port of that address")
        case .sharedAddress:
            return ("both sides leave through the same public address \(p["address"] ?? "?") (one NAT), and neither the private addresses nor the public one (hairpin) got through",
                    "enable NAT loopback/hairpin on that router, or put both machines on one LAN segment")
        case .nothingArrived:
            let s = p["deadline"] ?? "?"
            return ("nothing from the peer arrived in \(s) s: either it did not run `p2ptui punch` with this side's code in time, or a firewall on both paths drops unsolicited UDP",
                    "run punch on both sides within \(s) s of each other; if it still fails, allow inbound UDP replies (stateful) on both firewalls")
        case .peerFilters:
            return ("one way only: the peer's checks arrive here, but nothing this side sends gets an answer: \(them)'s NAT or firewall drops packets from this side (filtering)",
                    "let \(them)'s \(accept) (endpoint-independent or address-dependent filtering)")
        case .hereFilters:
            return ("one way only: this side's checks are answered but the peer's own checks never arrive: \(me)'s NAT or firewall drops unsolicited packets (filtering)",
                    "let \(me)'s \(accept)")
        }
    }

    /// QUIC's minimum datagram size: RFC 9000 section 14.
    static let quicSource = "https://www.rfc-editor.org/rfc/rfc9000#section-14"

    static func side(_ role: Role, own: Bool) -> String {
        switch role {
        case .client: return own ? "this side (the Client)" : "the peer (the Client)"
        case .connector: return own ? "this side (the Connector)" : "the peer (the Connector)"
        case .unknown: return own ? "this side" : "the peer's side"
        }
    }
}
