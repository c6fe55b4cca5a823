// The stable codes of what `compare` finds about a pair (`findings[].code` in `compare --json`).
// A side's own finding keeps its step's code (FindingCode); the pair's own findings are named here.
// docs/report-schema.md documents every code; add codes, never rename one.

extension PairFinding {
    /// The kebab-case code of this finding.
    public var code: String {
        switch self {
        case .bothFriendly: return "pair-both-friendly"
        case .friendlyDespiteDependent: return "pair-friendly-despite-dependent"
        case .doubleNatIndependent: return "pair-double-nat-independent"
        case .side(_, let code, _): return code.rawValue
        case .bothDependent: return "pair-both-dependent"
        case .dependentMeets(_, _, _, let accepts): return "pair-dependent-meets-" + accepts.code
        case .notEnoughData: return "pair-not-enough-data"
        case .redacted: return "pair-redacted"
        case .sharedAddress(let hairpin): return "pair-shared-address-" + hairpin.code
        case .bothIPv6: return "pair-both-ipv6"
        case .ipv6Path: return "pair-ipv6-path"
        case .rolesSwapped: return "pair-roles-swapped"
        }
    }
}

extension PairFinding.Acceptance {
    var code: String {
        switch self {
        case .anySource: return "any-source"
        case .addressOnly: return "address-only"
        case .addressOnlyOneIP: return "address-only-one-ip"
        case .exactAddressAndPort: return "exact-address-and-port"
        case .unknown: return "unknown-filtering"
        case .unknownNAT: return "unknown-nat"
        }
    }
}

extension PairFinding.Hairpin {
    var code: String {
        switch self {
        case .missing: return "no-hairpin"
        case .works: return "hairpin"
        case .unknown: return "hairpin-unknown"
        case .sameLAN: return "same-lan"
        }
    }
}
