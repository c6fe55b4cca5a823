// What `compare` says about a Client and a Connector together. `Compare` (P2PExport) decides which of
// these apply and how much each weighs, from each side's coded findings; the words are here, beside
// the steps' own (FindingWords.swift). Findings/PairCodes.swift names each for the JSON.

/// One thing found about the pair.
public enum PairFinding: Sendable, Equatable {
    /// Neither side stands in the way.
    case bothFriendly
    /// Likely although one NAT is symmetric: the other side lets its packets in (punch-tested).
    case friendlyDespiteDependent
    /// Double NAT whose layers together map endpoint-independently: hole punching works (punch-tested).
    case doubleNatIndependent(Role)
    /// One side's own step finding (its firewall, cloud NAT gateway, double NAT), with its first advice.
    case side(Role, FindingCode, FindingText)
    /// Both NATs change the public port per destination.
    case bothDependent
    /// `dependent`'s NAT changes its port per destination (`classic` names it); what `other` accepts decides.
    case dependentMeets(dependent: Role, classic: String, other: Role, accepts: Acceptance)
    /// A side whose NAT type is unknown; `besideDependent` when the other side's NAT is symmetric.
    case notEnoughData(Role, besideDependent: Bool)
    /// Public addresses were redacted, so a shared one cannot be told.
    case redacted
    /// Both sides leave through one public address.
    case sharedAddress(Hairpin)
    case bothIPv6
    /// Both sides have working IPv6 with no evidence of inbound blocking (STUN over IPv6 saw each
    /// host's own global address: no NAT66): the IPv6 pair needs no NAT traversal, so the IPv4
    /// NATs' obstacles weigh only as notes (punch-tested with symmetric IPv4 NATs).
    case ipv6Path
    /// The reports' recorded roles contradict the order given.
    case rolesSwapped

    /// What the side facing a symmetric NAT accepts.
    public enum Acceptance: Sendable, Equatable {
        case anySource, addressOnly, exactAddressAndPort, unknown
        /// Address-only filtering, and the symmetric side kept one public IP toward every server
        /// and in every mapping test.
        case addressOnlyOneIP
        /// Its own NAT type is unknown.
        case unknownNAT
    }

    /// Whether the shared NAT loops packets back.
    public enum Hairpin: Sendable, Equatable {
        case missing(on: Role), works, unknown(on: Role)
        /// Both local addresses in one private network (`net`): the LAN path works with or without hairpin.
        case sameLAN(String, hairpinMissing: Bool)
    }

    public var text: String {
        switch self {
        case .bothFriendly:
            return "Both sides are peer-to-peer friendly: each keeps its public port whatever the destination, "
                + "and UDP gets out."
        case .friendlyDespiteDependent:
            return "A direct connection should work although one NAT changes its public port per destination: "
                + "the other side lets those packets in (see below)."
        case .doubleNatIndependent(let role):
            return "\(Self.Name(role)) is behind double NAT, but the two layers together keep one public port "
                + "whatever the destination, so hole punching works; port forwarding would need both layers."
        case let .side(role, _, finding):
            return "\(Self.Name(role)): \(finding.headline)" + (finding.advice.first.map { " \($0)" } ?? "")
        case .bothDependent:
            return "Both NATs change the public port per destination (symmetric): hole punching would need "
                + "port prediction. Fix the Connector first (endpoint-independent mapping or a public "
                + "address), then the Client; one friendly side can be enough."
        case let .dependentMeets(d, classic, f, accepts):
            let head = "\(Self.Name(d))'s NAT changes the public port per destination (\(classic)), so its "
                + "packets reach \(Self.name(f)) from a port nobody announced"
            let fix = "Fix \(Self.name(d)) side first: endpoint-independent mapping or a public address."
            switch accepts {
            case .unknownNAT: return "\(head). \(fix)"
            case .anySource:
                return "\(head); \(Self.name(f)) accepts packets from any source and learns that port from the "
                    + "first check (peer-reflexive), so it works."
            case .addressOnly:
                return "\(head); \(Self.name(f)) filters by address only, so it works if \(Self.name(d))'s NAT "
                    + "keeps one public IP address. \(fix)"
            case .addressOnlyOneIP:
                return "\(head); \(Self.name(f)) filters by address only and \(Self.name(d))'s NAT kept one public "
                    + "IP address toward every address it tested (STUN servers and RFC 5780 mapping tests), so it works."
            case .exactAddressAndPort:
                return "\(head), and \(Self.name(f)) only accepts packets from the exact address and port it "
                    + "sent to: they cannot meet without port prediction. \(fix)"
            case .unknown:
                return "\(head); whether \(Self.name(f)) accepts them is unknown. \(fix)"
            }
        case let .notEnoughData(role, besideDependent):
            return besideDependent
                ? "Not enough data from \(Self.name(role)): its NAT type is unknown; run the check there again."
                : "Not enough data from \(Self.name(role)): its NAT type could not be determined; run the check "
                    + "there again with a STUN server that supports RFC 5780 behaviour tests."
        case .redacted:
            return "Public addresses were redacted, so whether both sides share one cannot be told."
        case .sharedAddress(let hairpin):
            let text = "They share a public address; the NAT must hairpin, or use the LAN path"
            switch hairpin {
            case .missing(let role):
                return "\(text): \(Self.name(role)) side reports no hairpin, so enable NAT loopback/hairpin on "
                    + "that router or let both sides use their private addresses."
            case .works: return "\(text); the NAT hairpins, so either works."
            case let .sameLAN(net, missing):
                return "\(text); both local addresses are in \(net), so the LAN path (private addresses) works"
                    + (missing ? " even without hairpin." : ".")
            case .unknown(let role):
                return "\(text); whether it hairpins is unknown: run the hairpin test on \(Self.name(role)) side."
            }
        case .bothIPv6:
            return "Both sides have working IPv6, but STUN over IPv6 saw another address than a side's own "
                + "(a NAT on the IPv6 path too), so it is not counted as a path without NAT."
        case .ipv6Path:
            return "Both sides have working IPv6 and STUN over IPv6 saw each one's own global address (no NAT on "
                + "that path): the IPv6 pair needs no NAT traversal, and stateful firewalls let the simultaneous "
                + "checks through, so what the IPv4 NATs do below does not stand in the way."
        case .rolesSwapped:
            return "The roles recorded in the reports do not match the order given (Client first, then Connector)."
        }
    }

    /// "the Client" / "the Connector", mid-sentence.
    static func name(_ r: Role) -> String { r == .client ? "the Client" : "the Connector" }
    /// Same, at the start of a sentence.
    static func Name(_ r: Role) -> String { r == .client ? "The Client" : "The Connector" }
}
