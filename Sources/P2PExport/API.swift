// Interface of the exporters, shared by `check`, `compare` and the wizard.
// (Placeholder bodies: the export work replaces them file by file; signatures are the contract.)
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

/// Everything a person needs about one article step: status, finding, evidence, meaning, advice.
public struct StepGuide: Sendable, Equatable {
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
        return StepGuide(step: step, status: a.status, finding: a.finding, evidence: [], meaning: [],
                         advice: [], furtherReading: [])
    }
}

public struct SummaryOptions: Sendable, Equatable {
    /// ASCII only (no UTF-8 symbols).
    public var ascii: Bool
    /// Replace public addresses by stable placeholders.
    public var redact: Bool
    /// Maximum line width.
    public var width: Int
    public init(ascii: Bool = false, redact: Bool = false, width: Int = 80) {
        self.ascii = ascii
        self.redact = redact
        self.width = width
    }
}

public enum SummaryText {
    /// The plain-text summary a person attaches to a support ticket.
    public static func render(_ report: Report, options: SummaryOptions = SummaryOptions()) -> String {
        report.assessSteps().map { "\($0.step.title): \($0.status.rawValue) - \($0.finding)" }.joined(separator: "\n") + "\n"
    }
}
