// The findings of a report as the labels the metrics and `check --every` compare: code, step and
// status, from the typed findings rules (P2PReport's Findings/), each once, sorted by code.
import P2PReport

extension FindingLabel {
    /// Every finding of `report`, as labels.
    public static func of(_ report: Report) -> [FindingLabel] {
        Set(report.findings.map {
            FindingLabel(code: $0.code.rawValue, step: $0.step.rawValue, status: $0.status.rawValue)
        }).sorted()
    }
}
