// The machinery behind each step's words: the shapes of step content, and the pure functions that
// apply it to a report (checklist, verdict, next steps). The words themselves live in Steps.swift
// (one entry per article step) and Pages.swift (the screens and sections around the steps).
//
// Every front end renders this: the wizard, `check`'s text, the saved summary, the export JSON and
// `compare`. None of them writes its own sentences about a step, so they cannot disagree.

/// A pointer for further reading.
public struct Reading: Sendable, Equatable, Codable {
    public var title: String
    /// URL or RFC reference.
    public var reference: String
    public init(title: String, reference: String) {
        self.title = title
        self.reference = reference
    }
}

public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pass
    case warning
    case fail
    case notChecked = "not-checked"
}

/// How much a finding weighs on the overall answer.
public enum Weight: Int, Sendable, Equatable, Comparable {
    /// Worth knowing; does not change the answer.
    case note = 1
    /// Can stop a direct connection.
    case possible = 2
    /// Stops direct connections.
    case unlikely = 3

    public static func < (a: Weight, b: Weight) -> Bool { a.rawValue < b.rawValue }
}

/// One sentence the verdict lists, and how much it weighs.
public struct VerdictNote: Sendable, Equatable {
    public var weight: Weight
    public var text: String
    /// Whether it stands in the way of a direct connection (drives `check`'s exit status 1).
    public var blocking: Bool
    public init(_ weight: Weight, _ text: String, blocking: Bool = false) {
        self.weight = weight
        self.text = text
        self.blocking = blocking
    }
}

/// What one step found in one report: its checklist line, what to do, and its part in the verdict.
public struct Finding: Sendable, Equatable {
    public var status: StepStatus
    /// One plain sentence: what was found.
    public var text: String
    /// What to do, most useful first (empty when nothing is needed). The first goes to "next steps".
    public var advice: [String]
    /// What the verdict lists for this step (empty: the step does not change the answer).
    public var verdict: [VerdictNote]

    public init(_ status: StepStatus, _ text: String, advice: [String] = [], verdict: [VerdictNote] = []) {
        self.status = status
        self.text = text
        self.advice = advice
        self.verdict = verdict
    }

    /// The finding itself as the verdict's reason, with weight `w`.
    public func weighs(_ w: Weight, blocking: Bool = false) -> Finding {
        var f = self
        f.verdict.insert(VerdictNote(w, text, blocking: blocking), at: 0)
        return f
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
    /// The finding, the advice for it, and its part in the verdict.
    public var assess: @Sendable (Report) -> Finding
    public var reading: [Reading]

    public init(title: String, shortName: String, intro: String, probes: [ProbeID], decidedBy: [ProbeID]? = nil,
                facts: @escaping @Sendable (Report) -> [String], meaning: @escaping @Sendable (Report) -> [String],
                assess: @escaping @Sendable (Report) -> Finding, reading: [Reading]) {
        self.title = title
        self.shortName = shortName
        self.intro = intro
        self.probes = probes
        self.decidedBy = decidedBy ?? probes
        self.facts = facts
        self.meaning = meaning
        self.assess = assess
        self.reading = reading
    }
}

extension Step {
    public var title: String { content.title }
}

/// One line of the checklist: a step, its status and the one-line finding behind it.
public struct StepAssessment: Codable, Sendable, Equatable {
    public var step: Step
    public var status: StepStatus
    /// One plain sentence: what was found.
    public var finding: String

    public init(step: Step, status: StepStatus, finding: String) {
        self.step = step
        self.status = status
        self.finding = finding
    }
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
        let f = step.content.assess(self)
        return StepAssessment(step: step, status: f.status, finding: f.text)
    }
}

public enum Guide {
    /// The explanation of `step` for this report.
    public static func guide(for step: Step, in report: Report) -> StepGuide {
        let c = step.content
        let f = c.assess(report)
        return StepGuide(step: step, title: c.title, intro: c.intro, status: f.status, finding: f.text,
                         facts: c.facts(report), meaning: c.meaning(report), advice: f.advice,
                         furtherReading: c.reading)
    }

    /// Every step's guide, in the article's order.
    public static func guides(for report: Report) -> [StepGuide] {
        Step.allCases.map { guide(for: $0, in: report) }
    }

    /// What to do, most important first: the main advice of each failed step, then of each
    /// warning, then the other side and the logs. (Each step's section has the full advice.)
    public static func nextSteps(for report: Report) -> [String] {
        let findings = Step.allCases.map { $0.content.assess(report) }
        var out: [String] = []
        // Nothing could be checked: the fix for that comes first (issue 11).
        if Verdict.natUnchecked(report), let fix = Step.natType.content.assess(report).advice.first {
            out.append(fix)
        }
        for wanted in [StepStatus.fail, .warning] {
            for f in findings where f.status == wanted {
                if let first = f.advice.first, !out.contains(first) { out.append(first) }
            }
            // The path's limits after the steps' fails (a blocking one) or warnings (the rest).
            out += PathLimitsContent.nextSteps(report, blocking: wanted == .fail).filter { !out.contains($0) }
        }
        return out + Pages.closingSteps(role: report.run.role)
    }
}

extension Verdict {
    /// The NAT could not be checked at all: it ran, but no server resolved or answered, and
    /// nothing proved UDP blocked.
    public static func natUnchecked(_ report: Report) -> Bool {
        report.nat.status == .inconclusive && report.nat.publicEndpoint == nil && report.nat.classicType != .blocked
    }

    /// The overall answer from every step's finding: unlikely when any finding weighs "unlikely",
    /// possible when any weighs "possible", else likely. Reasons: heaviest first, then step order.
    public static func derive(from report: Report) -> Verdict {
        let notes = Step.allCases.flatMap { $0.content.assess(report).verdict } + PathLimitsContent.verdictNotes(report)
        let top = notes.map(\.weight).max() ?? .note
        var level: DirectConnection = top == .unlikely ? .unlikely : top == .possible ? .possible : .likely
        var reasons = [Weight.unlikely, .possible, .note].flatMap { w in notes.filter { $0.weight == w }.map(\.text) }
        if level != .unlikely, natUnchecked(report) {
            // Nothing checked is not "possible" (issue 11): the NAT step's finding leads.
            level = .unknown
            let nat = Step.natType.content.assess(report).text
            reasons.removeAll { $0 == nat }
            reasons.insert(nat, at: 0)
        }
        if level == .likely { reasons.insert(Pages.nothingInTheWay, at: 0) }
        return Verdict(directConnection: level, reasons: reasons, blocking: notes.contains { $0.blocking })
    }
}
