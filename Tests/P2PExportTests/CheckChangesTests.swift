import P2PExport
import P2PReport
import P2PTestSupport
import Testing

@Suite struct CheckChangesTests {
    static let symmetric = FindingLabel(code: "mapping-endpoint-dependent", step: "nat-type", status: "fail")
    static let hairpin = FindingLabel(code: "no-hairpin", step: "hairpin", status: "warning")

    @Test func theFirstCheckIsAlwaysPrinted() {
        #expect(CheckChanges.line(from: nil, to: CheckState(verdict: .likely, findings: []), at: "T0")
                == "T0 first check: likely; findings: none")
    }

    @Test func nothingChangedPrintsNothing() {
        let s = CheckState(verdict: .unlikely, findings: [Self.symmetric])
        #expect(CheckChanges.line(from: s, to: s, at: "T1") == nil)
    }

    @Test func aFlipNamesBothVerdictsAndTheNewFinding() {
        let old = CheckState(verdict: .likely, findings: [])
        let new = CheckState(verdict: .unlikely, findings: [Self.symmetric])
        #expect(CheckChanges.line(from: old, to: new, at: "2026-12-05T19:40:00Z")
                == "2026-12-05T19:40:00Z likely -> unlikely; appeared: mapping-endpoint-dependent (nat-type)")
    }

    @Test func findingsThatGoAndStatusChangesAreListedUnderAnUnchangedVerdict() {
        var worse = Self.hairpin
        worse.status = "fail"
        let old = CheckState(verdict: .unlikely, findings: [Self.hairpin, Self.symmetric])
        let new = CheckState(verdict: .unlikely, findings: [worse])
        #expect(CheckChanges.line(from: old, to: new, at: "T2")
                == "T2 unlikely (unchanged); gone: mapping-endpoint-dependent (nat-type); changed: no-hairpin (hairpin: warning -> fail)")
    }

    @Test func fromTheFindingsOfTwoFixtures() {
        func state(_ r: Report) -> CheckState {
            CheckState(verdict: r.verdict.directConnection, findings: FindingLabel.of(r))
        }
        let line = CheckChanges.line(from: state(ReportFixtures.homeAllPass), to: state(ReportFixtures.cloudAllFail), at: "T3")
        #expect(line?.hasPrefix("T3 likely -> unlikely; appeared: ") == true, "\(line ?? "")")
        for code in ["cloud-nat-gateway (cloud-nat)", "double-nat (double-nat)", "mapping-endpoint-dependent (nat-type)"] {
            #expect(line?.contains(code) == true, "\(code) in \(line ?? "")")
        }
        // What passed before and no longer applies is named as gone.
        #expect(line?.contains("gone: ") == true && line?.contains("mapping-endpoint-independent (nat-type)") == true)
    }
}
