// The saved JSON (`check --json`, `--output FILE.json`): the report itself plus the summary's
// explanations, so the file carries the same content as the text summary, machine-readable.
// The extra keys sit beside the report's own; `ReportJSON.decode` (and so `compare`) ignores them,
// so the file stays a valid report.
import P2PReport

/// The report's fields at the top level, plus "findings", "steps", "nextSteps", "logs" and "redacted".
public struct ExportDocument: Encodable, Sendable {
    public var report: Report
    public var steps: [StepGuide]
    public var nextSteps: [String]
    public var logs: [String]
    public var redacted: Bool

    /// Builds the document, redacting the report first when asked.
    public init(_ report: Report, redact: Bool = false) {
        let r = redact ? Redactor.redact(report) : report
        self.report = r
        steps = Guide.guides(for: r)
        nextSteps = Guide.nextSteps(for: r)
        logs = Pages.logs.map { "\($0.text) (\($0.source))" }
        redacted = redact
    }

    private enum Extra: String, CodingKey { case steps, nextSteps, logs, redacted }

    public func encode(to encoder: any Encoder) throws {
        try ReportDocument(report: report).encode(to: encoder)
        var c = encoder.container(keyedBy: Extra.self)
        try c.encode(steps, forKey: .steps)
        try c.encode(nextSteps, forKey: .nextSteps)
        try c.encode(logs, forKey: .logs)
        try c.encode(redacted, forKey: .redacted)
    }
}

extension ReportJSON {
    /// The JSON file a person saves: report plus explanations (see `ExportDocument`).
    public static func encodeExport(_ report: Report, redact: Bool = false) throws -> [UInt8] {
        try encodeValue(ExportDocument(report, redact: redact))
    }
}
