// A stand-in for the typed findings rules: the finding codes of a report, read from its sections
// with the plainest mapping. The metrics exporter and the change lines of `check --every` take
// their input from here; the real rules (Findings/ in P2PReport) replace this one function.
import P2PReport

public enum ProvisionalFindings {
    /// The findings of `report`, each with its step and that step's status, sorted by code.
    public static func labels(for report: Report) -> [FindingLabel] {
        var found: [(FindingCode, Step)] = []
        switch report.udp.status {
        case .blocked: found.append((.udpBlocked, .firewall))
        case .partial: found.append((.udpPartial, .firewall))
        default: break
        }
        if report.quic.status == .filtered { found.append((.quicFiltered, .firewall)) }
        switch report.nat.mapping {
        case .addressDependent, .addressAndPortDependent: found.append((.mappingEndpointDependent, .natType))
        case .unknown: found.append((.natNotChecked, .natType))
        case .noNAT, .endpointIndependent: break
        }
        if report.doubleNat.detected == true { found.append((.doubleNat, .doubleNat)) }
        if report.hairpin.supported == false { found.append((.noHairpin, .hairpin)) }
        if report.cloud.natGatewaySuspected == true { found.append((.cloudNatGateway, .cloudNat)) }
        return found.map { code, step in
            FindingLabel(code: code.rawValue, step: step.rawValue, status: report.assess(step).status.rawValue)
        }.sorted()
    }
}
