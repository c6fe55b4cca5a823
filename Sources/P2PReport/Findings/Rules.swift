import P2PAddress

// The rules that decide findings from a report, apart from any words. Each step's rule returns its
// findings in order: the first is the step's own result; the others (QUIC on the firewall step)
// add to it. Content/FindingWords.swift says each code in words; every front end renders from
// these codes, so no front end decides anything. docs/report-schema.md documents every code.

/// How much a finding weighs on the overall answer.
public enum Weight: Int, Sendable, Equatable, Comparable, CaseIterable, Codable {
    /// Worth knowing; does not change the answer.
    case note = 1
    /// Can stop a direct connection.
    case possible = 2
    /// Stops direct connections.
    case unlikely = 3

    public static func < (a: Weight, b: Weight) -> Bool { a.rawValue < b.rawValue }

    /// The JSON name: "note", "possible", "unlikely".
    public var name: String {
        switch self {
        case .note: return "note"
        case .possible: return "possible"
        case .unlikely: return "unlikely"
        }
    }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let w = Weight.allCases.first(where: { $0.name == s }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown weight \(s)"))
        }
        self = w
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }
}

/// One thing a step found, as data (`findings[]` in the JSON).
public struct ReportFinding: Codable, Sendable, Equatable {
    public var code: FindingCode
    public var step: Step
    /// The step's status this finding stands for.
    public var status: StepStatus
    /// Whether it stands in the way of a direct connection.
    public var blocking: Bool
    /// Its weight on the verdict; nil when it has no part in it (or another finding already counts it).
    @Nullable public var weight: Weight?
    /// The values behind it (blocked ports, provider, mapping...); lists are comma-separated.
    public var parameters: [String: String]
    /// The exact changes that remove it, per device (filled by the fix catalogue).
    public var fixes: [Fix]

    public init(_ code: FindingCode, _ step: Step, _ status: StepStatus, weight: Weight? = nil, blocking: Bool = false,
                parameters: [String: String] = [:], fixes: [Fix] = []) {
        self.code = code
        self.step = step
        self.status = status
        self.blocking = blocking
        self.weight = weight
        self.parameters = parameters
        self.fixes = fixes
    }
}

extension Report {
    /// What every step found, as the JSON's `findings` carries it: the rules' findings, derived
    /// from the sections (never stored, so a loaded report of any schema gives the same).
    public var findings: [ReportFinding] { FindingRules.findings(for: self) }
}

public enum FindingRules {
    /// Every step's findings, in the article's step order.
    public static func findings(for report: Report) -> [ReportFinding] {
        Step.allCases.flatMap { findings(for: $0, in: report) }
    }

    /// One step's findings: never empty; the first is the step's own result. Each carries the fix
    /// catalogue's fixes for its code on the device the report names (the generic ones when none).
    public static func findings(for step: Step, in report: Report) -> [ReportFinding] {
        let found: [ReportFinding]
        switch step {
        case .firewall: found = firewall(report) + PathLimitRules.reportFindings(datagram: report)
        case .natType: found = [natType(report)] + PathLimitRules.reportFindings(lifetime: report)
        case .doubleNat: found = [doubleNat(report)]
        case .hairpin: found = [hairpin(report)]
        case .cloudNat: found = [cloudNat(report)]
        }
        let device = report.natDevice?.name ?? NATDevice.managedGateway(of: report.cloud.provider)
        return found.map { f in
            var f = f
            f.fixes = FixCatalogue.fixes(for: f.code, device: device)
            return f
        }
    }

    /// The finding that heads a step (its checklist line and status): the first that fails, else its own result.
    public static func headline(_ findings: [ReportFinding]) -> ReportFinding {
        findings.first { $0.status == .fail } ?? findings[0]
    }

    /// The findings with a part in the verdict, in the verdict's order: blocking first, then
    /// heaviest first, then step order; each code once.
    public static func verdictOrder(_ findings: [ReportFinding]) -> [ReportFinding] {
        var seen = Set<FindingCode>()
        let weighed = findings.enumerated().filter { $0.element.weight != nil && seen.insert($0.element.code).inserted }
        return weighed.sorted { a, b in
            let x = a.element, y = b.element
            if x.blocking != y.blocking { return x.blocking }
            if x.weight != y.weight { return x.weight! > y.weight! }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The overall answer as data: unlikely when a finding weighs "unlikely", possible when one
    /// weighs "possible", else likely; "unknown" instead of possible or likely when the NAT could
    /// not be checked at all (its finding then leads). The findings behind it in `verdictOrder`.
    public static func verdict(for report: Report) -> (level: DirectConnection, findings: [ReportFinding]) {
        var ordered = verdictOrder(findings(for: report))
        let top = ordered.compactMap(\.weight).max() ?? .note
        let level: DirectConnection = top == .unlikely ? .unlikely : top == .possible ? .possible : .likely
        if level != .unlikely, natUnchecked(report), let i = ordered.firstIndex(where: { $0.code == .natNotChecked }) {
            ordered.insert(ordered.remove(at: i), at: 0)
            return (.unknown, ordered)
        }
        return (level, ordered)
    }

    /// The NAT could not be checked at all: it ran, but no server resolved or answered, and
    /// nothing proved UDP blocked.
    public static func natUnchecked(_ r: Report) -> Bool {
        r.nat.status == .inconclusive && r.nat.publicEndpoint == nil && r.nat.classicType != .blocked
    }

    // MARK: Firewall

    static func firewall(_ r: Report) -> [ReportFinding] {
        var out = [udp(r)]
        if r.quic.status == .filtered {
            let port = r.quic.server.flatMap { HostPort.portPart($0) } ?? "443"
            out.append(ReportFinding(.quicFiltered, .firewall, .fail, weight: .unlikely, blocking: true,
                                     parameters: ["port": port]))
        }
        if r.quic.status == .notProven {
            out.append(ReportFinding(.quicNotProven, .firewall, .warning, weight: .note))
        }
        return out
    }

    static func udp(_ r: Report) -> ReportFinding {
        func f(_ c: FindingCode, _ s: StepStatus, _ w: Weight? = nil, _ p: [String: String] = [:]) -> ReportFinding {
            ReportFinding(c, .firewall, s, weight: w, blocking: w != nil, parameters: p)
        }
        var why: [String: String] = [:]
        if !r.udp.firewallRules.isEmpty { why["localFirewall"] = "true" }
        if r.udp.failures.values.contains(.icmpProhibited) { why["icmpProhibited"] = "true" }
        switch r.udp.status {
        case .open:
            let limited = r.udp.failures.filter { $0.value == .rateLimited }.count
            return f(.udpOpen, .pass, nil, limited > 0 ? ["rateLimited": String(limited)] : [:])
        case .partial:
            let blocked = r.udp.sortedPorts { $0 == .blocked }.map(\.description)
            return f(.udpPartial, .fail, .possible, why.merging(["ports": blocked.joined(separator: ",")]) { a, _ in a })
        case .blocked:
            return f(.udpBlocked, .fail, .unlikely, why)
        case .unknown:
            // STUN answering proves UDP to the STUN port at least.
            return r.nat.publicEndpoint != nil ? f(.udpStunOnly, .warning) : f(.udpUnproven, .warning)
        case .notChecked:
            if r.nat.classicType == .blocked { return f(.udpNoStunAnswer, .fail) }
            if r.nat.publicEndpoint != nil { return f(.udpStunReached, .pass) }
            return f(.udpNotChecked, .notChecked)
        }
    }

    // MARK: NAT type

    static func natType(_ r: Report) -> ReportFinding {
        let n = r.nat
        func f(_ c: FindingCode, _ s: StepStatus, _ w: Weight? = nil, blocking: Bool = false,
               _ p: [String: String] = [:]) -> ReportFinding {
            var p = p
            if n.status != .notChecked { p["classicType"] = n.classicType.rawValue }
            return ReportFinding(c, .natType, s, weight: w, blocking: blocking, parameters: p)
        }
        // Without the mapping nothing says a direct connection can work: never "likely".
        if n.status == .notChecked { return f(.natNotChecked, .notChecked, .possible, ["cause": "probe-not-run"]) }
        switch n.mapping {
        case .noNAT: return f(.noNat, .pass)
        case .endpointIndependent: return f(.mappingEndpointIndependent, .pass)
        case .addressDependent, .addressAndPortDependent:
            return f(.mappingEndpointDependent, .fail, .unlikely, blocking: true, ["mapping": n.mapping.rawValue])
        case .unknown:
            if n.classicType == .blocked {
                // The firewall step already weighs a blocked UDP; this counts only when it could not.
                return r.udp.status == .blocked ? f(.stunNoAnswer, .fail, blocking: true)
                    : f(.stunNoAnswer, .fail, .unlikely, blocking: true)
            }
            var p: [String: String] = [:]
            if let why = n.inconclusiveReason { p["reason"] = why }
            if natUnchecked(r) {
                let dns = !n.servers.isEmpty && n.servers.allSatisfy { $0.outcome == .dnsFailure }
                p["cause"] = dns ? "dns-failure" : "no-answer"
                return f(.natNotChecked, .warning, .possible, p)
            }
            return f(.natInconclusive, .warning, .possible, p)
        }
    }

    // MARK: Double NAT, hairpin, cloud NAT

    static func doubleNat(_ r: Report) -> ReportFinding {
        if r.doubleNat.status == .notChecked { return ReportFinding(.doubleNatNotChecked, .doubleNat, .notChecked) }
        switch r.doubleNat.detected {
        case true?: return ReportFinding(.doubleNat, .doubleNat, .fail, weight: .possible, blocking: true)
        case false?: return ReportFinding(.singleNat, .doubleNat, .pass)
        case nil: return ReportFinding(.doubleNatUndecided, .doubleNat, .warning)
        }
    }

    static func hairpin(_ r: Report) -> ReportFinding {
        if r.hairpin.status == .notChecked { return ReportFinding(.hairpinNotChecked, .hairpin, .notChecked) }
        switch r.hairpin.supported {
        case true? where r.nat.mapping == .noNAT: return ReportFinding(.hairpinNotNeeded, .hairpin, .pass)
        case true?: return ReportFinding(.hairpin, .hairpin, .pass)
        case false?: return ReportFinding(.noHairpin, .hairpin, .warning, weight: .note)
        case nil: return ReportFinding(.hairpinUndecided, .hairpin, .warning)
        }
    }

    static func cloudNat(_ r: Report) -> ReportFinding {
        let c = r.cloud
        if c.status == .notChecked { return ReportFinding(.cloudNotChecked, .cloudNat, .notChecked) }
        if c.provider == .none { return ReportFinding(.notCloud, .cloudNat, .pass) }
        var p = ["provider": c.provider.rawValue]
        switch c.natGatewaySuspected {
        case true?:
            return ReportFinding(.cloudNatGateway, .cloudNat, .fail, weight: .unlikely, blocking: true, parameters: p)
        case false?:
            if let a = c.publicAddress { p["publicAddress"] = a }
            return ReportFinding(.cloudNoNatGateway, .cloudNat, .pass, parameters: p)
        case nil:
            // A starved process or a blocked metadata route must not read as "not a cloud VM".
            if c.metadataSilence != nil {
                return ReportFinding(.cloudMetadataSilent, .cloudNat, .warning, weight: .note, parameters: p)
            }
            return ReportFinding(.cloudNatUndecided, .cloudNat, .warning, parameters: p)
        }
    }
}

extension NATDevice {
    /// The provider's managed NAT gateway: the device in front of a cloud VM when nothing more
    /// exact is known (a report without `natDevice`, e.g. one written before it existed).
    public static func managedGateway(of provider: CloudProvider) -> NATDevice? {
        switch provider {
        case .aws: return .awsNATGateway
        case .azure: return .azureNATGateway
        case .gcp: return .gcpCloudNAT
        case .none, .unknown: return nil
        }
    }
}
