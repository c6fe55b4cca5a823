// `p2ptui compare`: can the Client and the Connector meet directly?
//
// Each side's report says what its own network does; a direct path needs the two to fit together.
// Hole punching (RFC 4787, "How NAT traversal works"): both sides learn their public endpoint from
// STUN, swap them, and send at once. That works when each side's mapping is endpoint-independent
// (the endpoint the STUN server saw is the one the peer must use). When one side's mapping is
// endpoint-dependent ("symmetric"), its packets toward the peer leave from a port nobody announced,
// so the other side must accept them anyway: fine with endpoint-independent filtering, fine with
// address-dependent filtering if the public IP stays the same, hopeless with address-and-port-
// dependent filtering (it would need port prediction). Two symmetric sides cannot meet.
//
// Rules checked against the live test (`p2ptui punch` on both sides of `scripts/natlab pair`,
// BENCHMARKS.md "Live hole punch"): "proven" there must read "likely" here, "fails" "unlikely".
// - Symmetric side + the other side accepts any source (full cone, open internet): the symmetric
//   side's check arrives from an unannounced port, the other side learns it (peer-reflexive) and
//   answers there: likely.
// - Symmetric side + address-dependent filtering on the other: likely when the symmetric side
//   kept ONE public IP toward every STUN server and in the RFC 5780 mapping tests (the filter
//   keys on that address), else possible.
// - Double NAT whose end-to-end mapping measured endpoint-independent: hole punching sees one
//   EIM NAT, so it is a note (port forwarding would need both layers), not a "possible".
// - Same public address without hairpin, both local addresses private and in one /24: the LAN
//   path (private host candidates, tried first by ICE) works without hairpin: likely.
import P2PAddress
import P2PReport

/// One reason of a comparison as data: its code, the side it is about, and its weight.
public struct PairFindingEntry: Sendable, Equatable, Codable {
    /// A pair code (`PairFinding.code`), or a side's own finding code.
    public var code: String
    /// The side it is about; nil for the pair as a whole.
    @Nullable public var side: Role?
    /// Its weight on the answer; nil for the opening sentence of a "likely" answer.
    @Nullable public var weight: Weight?

    public init(code: String, side: Role?, weight: Weight?) {
        self.code = code
        self.side = side
        self.weight = weight
    }
}

/// The answer for a pair of reports.
public struct Comparison: Sendable, Equatable, Codable {
    public var directConnection: DirectConnection
    /// Plain sentences, most important first; the first names the side to fix first.
    public var reasons: [String]
    /// The same reasons as codes, one per sentence, in the same order.
    public var findings: [PairFindingEntry]
    /// The side whose change helps most, nil when nothing needs fixing.
    public var fixFirst: Role?
    /// Whether both sides leave through the same public address (nil when unknown or redacted).
    public var sharedPublicAddress: Bool?

    public init(directConnection: DirectConnection, reasons: [String], findings: [PairFindingEntry] = [],
                fixFirst: Role?, sharedPublicAddress: Bool?) {
        self.directConnection = directConnection
        self.reasons = reasons
        self.findings = findings
        self.fixFirst = fixFirst
        self.sharedPublicAddress = sharedPublicAddress
    }
}

public enum Compare {
    /// Whether a direct connection between the two sides is likely, possible or unlikely, and why.
    /// Pure: everything comes from the two reports.
    public static func compare(client: Report, connector: Report) -> Comparison {
        let c = Side(client, role: .client)
        let k = Side(connector, role: .connector)
        var issues: [Issue] = []

        // Sides are listed Connector first: at equal weight the Connector (usually the machine the
        // administrator controls) is the one to fix first.
        let sides = [k, c]
        for s in sides {
            if let udp = s.udpFinding { issues.append(Issue(s.udp == .blocked ? .unlikely : .possible, s.role, s.says(udp))) }
            // QUIC dropped by its shape while plain UDP passes: the firewall step says so.
            if let quic = s.finding(.quicFiltered), s.udp != .blocked { issues.append(Issue(.unlikely, s.role, s.says(quic))) }
        }

        let (nat, shared) = ipv4Issues(c, k)
        // A usable IPv6 path on both sides needs no NAT traversal: the IPv4 obstacles stay as notes.
        let v6 = c.ipv6Usable && k.ipv6Usable
        issues += v6 ? nat.map { Issue(.note, $0.side, $0.finding) } : nat
        if v6 {
            issues.append(Issue(.note, nil, .ipv6Path))
        } else if c.ipv6Works && k.ipv6Works {
            issues.append(Issue(.note, nil, .bothIPv6))
        }
        if client.run.role == .connector || connector.run.role == .client {
            issues.append(Issue(.note, nil, .rolesSwapped))
        }

        // Most serious first; stable, so equal weights keep their order (Connector first).
        let ordered = issues.enumerated().sorted {
            ($0.element.severity.rawValue, -$0.offset) > ($1.element.severity.rawValue, -$1.offset)
        }.map(\.element)
        let top = ordered.first?.severity ?? .note
        let level: DirectConnection
        switch top {
        case .unlikely: level = .unlikely
        case .possible: level = .possible
        case .note: level = .likely
        }
        var said = ordered.map { ($0.finding, PairFindingEntry(code: $0.finding.code, side: $0.side, weight: $0.severity)) }
        var fix: Role? = nil
        if level == .likely {
            let opening: PairFinding = v6 ? .ipv6Path
                : c.mapping == .dependent || k.mapping == .dependent ? .friendlyDespiteDependent : .bothFriendly
            said.removeAll { $0.0 == opening }
            said.insert((opening, PairFindingEntry(code: opening.code, side: nil, weight: nil)), at: 0)
        } else {
            fix = ordered.first { $0.severity == top && $0.side != nil }?.side
        }
        return Comparison(directConnection: level, reasons: said.map(\.0.text), findings: said.map(\.1),
                          fixFirst: fix, sharedPublicAddress: shared)
    }

    /// What the IPv4 NATs do to the pair: the mapping table, cloud NAT gateways, double NAT and a
    /// shared public address; and whether the two share one (nil when unknown or redacted).
    private static func ipv4Issues(_ c: Side, _ k: Side) -> ([Issue], Bool?) {
        let sides = [k, c]
        var issues: [Issue] = []
        if c.udp != .blocked && k.udp != .blocked {
            issues += mappingIssues(c, k)
        }
        // The mapping table above already weighs what a cloud gateway does; these name the fix,
        // in the words of the side's own step.
        for s in sides { if let f = s.finding(.cloudNatGateway) { issues.append(Issue(.possible, s.role, s.says(f))) } }
        for s in sides {
            guard let f = s.finding(.doubleNat) else { continue }
            // Live-tested (natlab pair double:eim): layers that together map endpoint-independently
            // punch like one EIM NAT.
            if s.mapping == .friendly {
                issues.append(Issue(.note, s.role, .doubleNatIndependent(s.role)))
            } else {
                issues.append(Issue(.possible, s.role, s.says(f)))
            }
        }
        // Same public address: they are behind one NAT, so the NAT must hairpin, or they talk over the LAN.
        var shared: Bool? = nil
        switch (c.publicIP, k.publicIP) {
        case (.ip(let a)?, .ip(let b)?): shared = a == b
        case (.redacted?, _?), (_?, .redacted?): issues.append(Issue(.note, nil, .redacted))
        default: break
        }
        if shared == true { issues.append(sharedAddressIssue(c, k)) }
        return (issues, shared)
    }

    private static func sharedAddressIssue(_ c: Side, _ k: Side) -> Issue {
        let sides = [k, c]
        let lacking = sides.first(where: { $0.hairpin == false })
        if let net = Side.sameLAN(c, k) {
            return Issue(.note, nil, .sharedAddress(.sameLAN(net, hairpinMissing: lacking != nil)))
        } else if let l = lacking {
            return Issue(.possible, l.role, .sharedAddress(.missing(on: l.role)))
        } else if sides.allSatisfy({ $0.hairpin == true }) {
            return Issue(.note, nil, .sharedAddress(.works))
        }
        let unknown = sides.first { $0.hairpin == nil }!
        return Issue(.possible, unknown.role, .sharedAddress(.unknown(on: unknown.role)))
    }

    /// The NAT-mapping part of the table (see the file comment).
    private static func mappingIssues(_ c: Side, _ k: Side) -> [Issue] {
        switch (c.mapping, k.mapping) {
        case (.friendly, .friendly):
            return []
        case (.dependent, .dependent):
            return [Issue(.unlikely, .connector, .bothDependent)]
        case (.dependent, _), (_, .dependent):
            let d = c.mapping == .dependent ? c : k
            let f = c.mapping == .dependent ? k : c
            func meets(_ accepts: PairFinding.Acceptance) -> PairFinding {
                .dependentMeets(dependent: d.role, classic: d.classic, other: f.role, accepts: accepts)
            }
            if f.mapping == .unknown {
                return [Issue(.possible, d.role, meets(.unknownNAT)),
                        Issue(.possible, f.role, .notEnoughData(f.role, besideDependent: true))]
            }
            switch f.filtering {
            // Live-tested (natlab pair fullcone:symmetric, restricted:symmetric).
            case .open: return [Issue(.note, d.role, meets(.anySource))]
            case .address where d.keepsOneIP == true: return [Issue(.note, d.role, meets(.addressOnlyOneIP))]
            case .address: return [Issue(.possible, d.role, meets(.addressOnly))]
            case .addressAndPort: return [Issue(.unlikely, d.role, meets(.exactAddressAndPort))]
            case .unknown: return [Issue(.possible, d.role, meets(.unknown))]
            }
        default:
            // At least one side unknown, none dependent.
            return [k, c].filter { $0.mapping == .unknown }.map {
                Issue(.possible, $0.role, .notEnoughData($0.role, besideDependent: false))
            }
        }
    }

    // MARK: Internals

    struct Issue {
        var severity: Weight
        var side: Role?
        var finding: PairFinding
        init(_ s: Weight, _ side: Role?, _ finding: PairFinding) {
            severity = s
            self.side = side
            self.finding = finding
        }
    }

    /// What the table needs from one report.
    struct Side {
        enum UDP { case fine, partial, blocked }
        enum Mapping { case friendly, dependent, unknown }
        enum Filtering { case open, address, addressAndPort, unknown }

        let report: Report
        let role: Role
        /// The side's own coded findings (`FindingRules`), which decide its UDP, mapping and gateways.
        let findings: [ReportFinding]
        let udp: UDP
        let mapping: Mapping
        let filtering: Filtering
        let hairpin: Bool?
        let publicIP: ReportedAddress?
        let ipv6Works: Bool
        /// IPv6 works and STUN over IPv6 saw this host's own global address: no NAT66, nothing
        /// known to block the IPv6 pair.
        let ipv6Usable: Bool
        /// Whether every STUN server saw the same public IP (nil with fewer than two answers).
        let keepsOneIP: Bool?
        /// The local (private) address the mapping test used, without the port.
        let localIP: IPAddress?

        init(_ r: Report, role: Role) {
            report = r
            self.role = role
            let found = FindingRules.findings(for: r)
            findings = found
            let codes = Set(found.map(\.code))
            if !codes.isDisjoint(with: [.udpBlocked, .udpNoStunAnswer, .stunNoAnswer]) {
                udp = .blocked
            } else if codes.contains(.udpPartial) {
                udp = .partial
            } else {
                udp = .fine
            }
            if !codes.isDisjoint(with: [.noNat, .mappingEndpointIndependent]) {
                mapping = .friendly
            } else if !codes.isDisjoint(with: [.mappingEndpointDependent, .cloudNatGateway]) {
                mapping = .dependent
            } else {
                mapping = .unknown
            }
            if r.nat.mapping == .noNAT && r.nat.classicType == .openInternet {
                filtering = .open
            } else if r.nat.mapping == .noNAT && r.nat.classicType == .symmetricUDPFirewall {
                filtering = .addressAndPort
            } else {
                switch r.nat.filtering {
                case .endpointIndependent: filtering = .open
                case .addressDependent: filtering = .address
                case .addressAndPortDependent: filtering = .addressAndPort
                case .unknown: filtering = .unknown
                }
            }
            if !codes.isDisjoint(with: [.hairpin, .hairpinNotNeeded]) {
                hairpin = true
            } else {
                hairpin = codes.contains(.noHairpin) ? false : nil
            }
            publicIP = r.nat.publicEndpoint.flatMap(Side.address(of:))
            ipv6Works = r.ipv6.status == .works
            let global = r.ipv6.globalAddress.flatMap { ReportedAddress($0) }
            ipv6Usable = ipv6Works && global != nil && r.ipv6.publicEndpoint.flatMap(Side.address(of:)) == global
            keepsOneIP = Side.keptOneIP(r.nat)
            if case .ip(let ip)? = r.nat.localEndpoint.flatMap(Side.address(of:)) { localIP = ip } else { localIP = nil }
        }

        /// Whether every public endpoint this side showed had one IP: toward each STUN server,
        /// and in the RFC 5780 mapping tests (I to the server's primary address, II and III to its
        /// alternate). Nil unless two destination addresses were seen: two servers, or tests I and II;
        /// nil too when an endpoint names no address.
        static func keptOneIP(_ nat: NATSection) -> Bool? {
            let servers = nat.servers.compactMap(\.mappedEndpoint)
            let tests = nat.mappedByTest ?? [:]
            guard servers.count >= 2 || (tests["I"] != nil && tests["II"] != nil) else { return nil }
            let addresses = (servers + tests.values).map(Side.address(of:))
            guard !addresses.contains(nil) else { return nil }
            return Set(addresses).count == 1
        }

        /// "192.168.1.0/24" when both sides' local addresses are private IPv4 in one /24 (the report
        /// has no prefix length; a /24 is the common LAN and never wider than the real one).
        static func sameLAN(_ a: Side, _ b: Side) -> String? {
            guard let x = a.localIP, let y = b.localIP, x != y,
                  case let .v4(p, q, r, _) = x, case .v4(p, q, r, _) = y, x.scope == .privateUse else { return nil }
            return "\(p).\(q).\(r).0/24"
        }

        /// The finding that explains this side's UDP trouble: the firewall step's, or the NAT test's
        /// when no STUN server answered.
        var udpFinding: ReportFinding? {
            findings.first { [.udpBlocked, .udpPartial].contains($0.code) } ?? finding(.stunNoAnswer)
        }

        /// This side's finding with `code`, if it has it.
        func finding(_ code: FindingCode) -> ReportFinding? { findings.first { $0.code == code } }

        /// This side's own finding, in its step's words.
        func says(_ f: ReportFinding) -> PairFinding { .side(role, f.code, FindingWords.text(f, in: report)) }

        var classic: String {
            report.nat.classicType == .unknown ? report.nat.mapping.rawValue : report.nat.classicType.rawValue
        }
        /// "203.0.113.5:4000" -> 203.0.113.5; "[2001:db8::1]:5" -> 2001:db8::1; a redacted
        /// "public-1:4000" -> public-1; nil when the host part is neither.
        static func address(of endpoint: String) -> ReportedAddress? { ReportedAddress(HostPort.hostPart(endpoint)) }
    }
}

extension Comparison {
    /// The comparison as plain text, wrapped like the summary.
    public func renderText(ascii: Bool = false, width: Int = 80) -> String {
        var w = Writer(width: min(max(width, SummaryText.minWidth), SummaryText.maxWidth), ascii: ascii)
        w.line("p2ptui compare: can the Client and the Connector connect directly?")
        w.line(String(repeating: "=", count: w.width))
        w.line("\(SummaryText.verdictSymbol(directConnection, ascii: ascii)) "
               + Pages.headline(directConnection))
        if let f = fixFirst {
            w.line("Fix first: \(Pages.roleName(f))")
        }
        w.blank()
        for r in reasons { w.bullet(r, indent: 0) }
        return w.text
    }
}
