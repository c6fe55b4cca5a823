// The machinery behind each step's words: the shapes of step content, and the pure functions that
// word a report's coded findings (checklist, verdict, next steps). Findings/Rules.swift decides the
// findings and the verdict; the words live in Steps.swift (one entry per article step),
// FindingWords.swift (one entry per finding code) and Pages.swift (the screens around the steps).
//
// Every front end renders this: the wizard, `check`'s text, the saved summary, the export JSON and
// `compare`. None of them writes its own sentences about a step, so they cannot disagree.

/// A pointer for further reading.
public struct Reading: Sendable, Equatable, Codable {
    public var title: String
    /// URL or RFC reference.
    public var reference: String
}

public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pass
    case warning
    case fail
    case notChecked = "not-checked"
}

/// One sentence the verdict lists, and how much it weighs.
public struct VerdictNote: Sendable, Equatable {
    /// The finding it says.
    public var code: FindingCode
    public var weight: Weight
    public var text: String
    /// Whether it stands in the way of a direct connection (drives `check`'s exit status 1).
    public var blocking: Bool
    public init(_ code: FindingCode, _ weight: Weight, _ text: String, blocking: Bool = false) {
        self.code = code
        self.weight = weight
        self.text = text
        self.blocking = blocking
    }
}

/// What one step found in one report, in words: its checklist line, what to do, and its part in
/// the verdict. Built from the step's coded findings (`FindingRules`), never decided here.
public struct Finding: Sendable, Equatable {
    /// The code of the finding that heads the step.
    public var code: FindingCode
    public var status: StepStatus
    /// One plain sentence: what was found.
    public var text: String
    /// What to do, most useful first (empty when nothing is needed). The first goes to "next steps".
    public var advice: [String]
    /// What the verdict lists for this step (empty: the step does not change the answer).
    public var verdict: [VerdictNote]

    /// The step's findings in words: the heading one's line, its advice (and that of every other
    /// failed finding when it fails), and a verdict note per weighed finding.
    public init(_ findings: [ReportFinding], in report: Report) {
        let head = FindingRules.headline(findings)
        let words = FindingWords.text(head, in: report)
        code = head.code
        status = head.status
        text = words.headline
        advice = words.advice
        if head.status == .fail {
            for f in findings where f != head && f.status == .fail { advice += FindingWords.text(f, in: report).advice }
        }
        verdict = findings.compactMap { f in
            f.weight.map { VerdictNote(f.code, $0, FindingWords.reason(f, in: report), blocking: f.blocking) }
        }
    }
}

/// Everything one step says, as data. `Steps.swift` holds one of these per article step.
public struct StepContent: Sendable {
    /// Title, as the wizard's header and the summary's section show it.
    public var title: String
    /// One word or two for the wizard's step bar.
    public var shortName: String
    /// What the step checks and why, in a sentence or two (above the result).
    public var intro: String
    /// Probes whose results the step shows (the wizard's `r` re-runs them).
    public var probes: [ProbeID]
    /// Probes that decide the step's status (the rest only add facts).
    public var decidedBy: [ProbeID]
    /// The facts behind the finding, each once, most telling first.
    public var facts: @Sendable (Report) -> [String]
    /// What the result means, in plain words (short paragraphs).
    public var meaning: @Sendable (Report) -> [String]
    public var reading: [Reading]

    public init(title: String, shortName: String, intro: String, probes: [ProbeID], decidedBy: [ProbeID]? = nil,
                facts: @escaping @Sendable (Report) -> [String], meaning: @escaping @Sendable (Report) -> [String],
                reading: [Reading]) {
        self.title = title
        self.shortName = shortName
        self.intro = intro
        self.probes = probes
        self.decidedBy = decidedBy ?? probes
        self.facts = facts
        self.meaning = meaning
        self.reading = reading
    }
}

extension Step {
    public var title: String { content.title }

    /// This step's finding in `report`, in words.
    public func finding(in report: Report) -> Finding {
        Finding(FindingRules.findings(for: self, in: report), in: report)
    }
}

/// One line of the checklist: a step, its status and the one-line finding behind it.
public struct StepAssessment: Codable, Sendable, Equatable {
    public var step: Step
    /// The code of the finding that heads the step.
    public var code: FindingCode
    public var status: StepStatus
    /// One plain sentence: what was found.
    public var finding: String
}

/// One step applied to one report: everything a front end shows for it.
public struct StepGuide: Sendable, Equatable, Codable {
    public var step: Step
    public var title: String
    public var intro: String
    public var status: StepStatus
    /// One sentence: what was found.
    public var finding: String
    /// Facts behind the finding (addresses, servers, what answered), each once.
    public var facts: [String]
    /// What it means, in plain words (short paragraphs).
    public var meaning: [String]
    /// What to do next (empty when nothing is needed).
    public var advice: [String]
    public var furtherReading: [Reading]

    enum CodingKeys: String, CodingKey {
        case step, title, intro, status, finding, facts = "evidence", meaning, advice, furtherReading
    }
}

extension Report {
    /// The checklist, one entry per article step, in order.
    public func assessSteps() -> [StepAssessment] {
        Step.allCases.map { assess($0) }
    }

    public func assess(_ step: Step) -> StepAssessment {
        let f = step.finding(in: self)
        return StepAssessment(step: step, code: f.code, status: f.status, finding: f.text)
    }
}

public enum Guide {
    /// The explanation of `step` for this report.
    public static func guide(for step: Step, in report: Report) -> StepGuide {
        let c = step.content
        let f = step.finding(in: report)
        return StepGuide(step: step, title: c.title, intro: c.intro, status: f.status, finding: f.text,
                         facts: c.facts(report), meaning: c.meaning(report), advice: f.advice,
                         furtherReading: c.reading)
    }

    /// Every step's guide, in the article's order.
    public static func guides(for report: Report) -> [StepGuide] {
        Step.allCases.map { guide(for: $0, in: report) }
    }

    /// What to do, most important first: the first advice of every finding that fails or warns,
    /// in the verdict's order (blocking first, heaviest first; the rest in step order), each once;
    /// then the other side and the logs. (Each step's section has the full advice.)
    public static func nextSteps(for report: Report) -> [String] {
        let concerns = FindingRules.findings(for: report).filter { $0.status == .fail || $0.status == .warning }
        let weighed = FindingRules.verdict(for: report).findings.filter { concerns.contains($0) }
        var out: [String] = []
        for f in weighed + concerns.filter({ !weighed.contains($0) }) {
            if let first = FindingWords.text(f, in: report).advice.first, !out.contains(first) { out.append(first) }
        }
        return out + Pages.closingSteps(role: report.run.role)
    }
}

extension Verdict {
    /// The NAT could not be checked at all: it ran, but no server resolved or answered, and
    /// nothing proved UDP blocked.
    public static func natUnchecked(_ report: Report) -> Bool { FindingRules.natUnchecked(report) }

    /// The overall answer (`FindingRules.verdict`) in words: a reason per finding behind it, in
    /// the same order as its codes; a "likely" answer opens with its own sentence.
    public static func derive(from report: Report) -> Verdict {
        let (level, ordered) = FindingRules.verdict(for: report)
        var reasons = ordered.map { FindingWords.reason($0, in: report) }
        if level == .likely { reasons.insert(Pages.nothingInTheWay, at: 0) }
        return Verdict(directConnection: level, reasons: reasons, blocking: ordered.contains { $0.blocking },
                       codes: ordered.map(\.code))
    }
}
