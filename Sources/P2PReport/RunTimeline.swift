/// The timeline of one check, for `check -v`: per probe when it started, when its first step was
/// reported (its first answer or first result), when it ended, and its last step before the end
/// (what it was waiting on). Fed the engine's events with the milliseconds since the run began.
public struct RunTimeline: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var probe: ProbeID
        public var startMs: Int
        public var firstStepMs: Int?
        public var endMs: Int?
        public var lastStep: String?
    }

    public private(set) var rows: [Row] = []

    public init() {}

    /// Records one event seen `nowMs` after the run began (progress events carry no time of their
    /// own; start and end events use theirs).
    public mutating func record(_ event: ProbeEvent, nowMs: Int) {
        switch event {
        case let .started(p, ms):
            rows.append(Row(probe: p, startMs: ms))
        case let .progress(p, text):
            guard let i = rows.firstIndex(where: { $0.probe == p }) else { return }
            if rows[i].firstStepMs == nil { rows[i].firstStepMs = nowMs }
            rows[i].lastStep = text
        case let .finished(r, ms):
            guard let i = rows.firstIndex(where: { $0.probe == r.probe }) else { return }
            rows[i].endMs = ms
        }
    }

    /// One line per probe, in the order they ended (unfinished ones last).
    public func render() -> String {
        let sorted = rows.sorted { ($0.endMs ?? .max, $0.probe) < ($1.endMs ?? .max, $1.probe) }
        var out = "Timeline (ms since start: started / first step / done; last step before done):\n"
        for r in sorted {
            let first = r.firstStepMs.map(String.init) ?? "-"
            let end = r.endMs.map(String.init) ?? "not done"
            let label = r.probe.label + String(repeating: " ", count: max(0, 18 - r.probe.label.count))
            out += "  \(label) \(r.startMs) / \(first) / \(end)"
            if let s = r.lastStep { out += "; \(s)" }
            out += "\n"
        }
        return out
    }
}
