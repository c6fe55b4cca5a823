// Pure rules over the datagram and mapping-lifetime sections: which finding codes they yield, and
// the numbers the words need. Content/PathLimitsContent.swift says each in words.

/// Which way a datagram limit was found.
public enum DatagramDirection: String, Codable, Sendable, CaseIterable {
    case outbound, inbound, both
}

/// `datagram-too-small` or `datagram-reduced`, with the limit behind it.
public struct DatagramFinding: Sendable, Equatable {
    public var code: FindingCode
    public var direction: DatagramDirection
    /// Largest UDP payload that crossed in that direction (the smaller one for `both`); nil when
    /// not even the smallest size tried crossed inbound.
    public var largest: Int?
    /// Smallest size that did not cross.
    public var failedAt: Int
    /// The MTU an ICMP message or the kernel named, when one did.
    public var reportedMTU: Int?
    /// Blocking: QUIC cannot start below 1200 bytes (RFC 9000 section 14).
    public var blocking: Bool { code == .datagramTooSmall }
}

/// `short-mapping-lifetime`, with the interval measured.
public struct LifetimeFinding: Sendable, Equatable {
    public var code: FindingCode
    public var minSeconds: Int
    public var maxSeconds: Int
}

public enum PathLimitRules {
    /// QUIC's minimum datagram (RFC 9000 section 14).
    public static let quicMinimum = 1200
    /// Below this the path is narrower than usual (VPN, tunnel, PPPoE), though QUIC starts.
    public static let reducedBelow = 1400
    /// RFC 8085 section 3.5 tells applications to assume 30 s; a NAT that forgets sooner breaks
    /// keepalives chosen by that rule.
    public static let shortLifetimeBelow = 30

    /// The datagram findings: at most one, the worse direction first. A direction counts only
    /// where a larger size was seen to fail (so "not proven" never becomes a finding).
    public static func findings(_ d: DatagramSection?) -> [DatagramFinding] {
        guard let d, d.status == .checked else { return [] }
        var limits: [(DatagramDirection, Int?, Int)] = []
        if let out = d.outboundMax, let failed = d.outboundFailedAt { limits.append((.outbound, out, failed)) }
        if let failed = d.inboundFailedAt { limits.append((.inbound, d.inboundMax, failed)) }
        let narrow = limits.filter { ($0.1 ?? 0) < reducedBelow }
        guard let worst = narrow.min(by: { ($0.1 ?? 0) < ($1.1 ?? 0) }) else { return [] }
        let direction: DatagramDirection = narrow.count == 2 && narrow[0].1 == narrow[1].1 ? .both : worst.0
        let code: FindingCode = (worst.1 ?? 0) < quicMinimum ? .datagramTooSmall : .datagramReduced
        return [DatagramFinding(code: code, direction: direction, largest: worst.1, failedAt: worst.2,
                                reportedMTU: d.reportedMTU)]
    }

    /// The lifetime finding: the NAT was seen to forget an idle mapping in under 30 s.
    public static func findings(_ m: MappingLifetimeSection?) -> [LifetimeFinding] {
        guard let m, m.status == .checked, let max = m.maxSeconds, max < shortLifetimeBelow else { return [] }
        return [LifetimeFinding(code: .shortMappingLifetime, minSeconds: m.minSeconds ?? 0, maxSeconds: max)]
    }
}

extension PathLimitRules {
    /// The datagram finding as a finding of the Firewall step (the path that must carry QUIC's
    /// datagrams): blocking below 1200 bytes, a note between 1200 and 1399.
    static func reportFindings(datagram r: Report) -> [ReportFinding] {
        findings(r.datagram).map { f in
            var p = ["direction": f.direction.rawValue, "failedAt": String(f.failedAt)]
            if let largest = f.largest { p["largest"] = String(largest) }
            if let mtu = f.reportedMTU { p["reportedMTU"] = String(mtu) }
            return ReportFinding(f.code, .firewall, f.blocking ? .fail : .warning,
                                 weight: f.blocking ? .unlikely : .note, blocking: f.blocking, parameters: p)
        }
    }

    /// The lifetime finding as a note of the NAT type step (the NAT's own timer).
    static func reportFindings(lifetime r: Report) -> [ReportFinding] {
        findings(r.mappingLifetime).map { f in
            ReportFinding(f.code, .natType, .warning, weight: .note,
                          parameters: ["minSeconds": String(f.minSeconds), "maxSeconds": String(f.maxSeconds)])
        }
    }
}
