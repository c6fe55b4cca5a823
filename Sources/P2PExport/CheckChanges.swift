// What `check --every` prints: one line when the verdict or the findings changed since the last
// check, nothing when they did not. Pure, over the verdict and the findings of two checks.
import P2PReport

/// The part of a check that `--every` watches.
public struct CheckState: Sendable, Equatable {
    public var verdict: DirectConnection
    public var findings: [FindingLabel]

    public init(verdict: DirectConnection, findings: [FindingLabel]) {
        self.verdict = verdict
        self.findings = findings
    }
}

public enum CheckChanges {
    /// The line for `new` after `old` (nil: `new` is the first check), stamped with `time`; nil
    /// when nothing changed. Findings are told apart by code; a code whose step status changed is
    /// listed as changed.
    public static func line(from old: CheckState?, to new: CheckState, at time: String) -> String? {
        guard let old else {
            return "\(time) first check: \(new.verdict.rawValue); findings: \(list(new.findings))"
        }
        let before = Dictionary(old.findings.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.findings.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        let appeared = new.findings.filter { before[$0.code] == nil }
        let gone = old.findings.filter { after[$0.code] == nil }
        let changed = new.findings.compactMap { f -> String? in
            guard let was = before[f.code], was.status != f.status else { return nil }
            return "\(f.code) (\(f.step): \(was.status) -> \(f.status))"
        }
        guard old.verdict != new.verdict || !appeared.isEmpty || !gone.isEmpty || !changed.isEmpty else { return nil }
        let verdict = old.verdict == new.verdict ? "\(new.verdict.rawValue) (unchanged)" : "\(old.verdict.rawValue) -> \(new.verdict.rawValue)"
        var parts = ["\(time) \(verdict)"]
        if !appeared.isEmpty { parts.append("appeared: \(list(appeared))") }
        if !gone.isEmpty { parts.append("gone: \(list(gone))") }
        if !changed.isEmpty { parts.append("changed: \(changed.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }

    /// "code (step), ..." or "none".
    static func list(_ findings: [FindingLabel]) -> String {
        findings.isEmpty ? "none" : findings.map { "\($0.code) (\($0.step))" }.joined(separator: ", ")
    }
}
