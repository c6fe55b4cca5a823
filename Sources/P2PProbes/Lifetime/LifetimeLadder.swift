import P2PReport

/// The idle times a mapping-lifetime measurement tests, and what it learnt (pure).
///
/// Instead of one mapping probed again and again (every answer refreshes it, RFC 4787 REQ-6), the
/// measurement opens one mapping per rung at the start and tests each once, after its rung's idle
/// time: mapping k is tested after `rungs[k]` seconds of silence. Rungs are `step` apart, so the
/// first rung found gone and the last one found alive bound the NAT's timeout within `step`
/// seconds, and the whole search takes about the timeout plus one step.
public struct LifetimeLadder: Sendable, Equatable {
    /// Idle times in seconds, ascending: first, first + step, ... below `limit`, then `limit`.
    public let rungs: [Int]
    /// What each tested rung showed: true when the mapping still carried an answer.
    public private(set) var results: [Int: Bool] = [:]

    public init(limit: Int, first: Int = 5, step: Int = 10) {
        let top = max(first, limit)
        var r = Array(stride(from: first, to: top, by: max(1, step)))
        r.append(top)
        rungs = r
    }

    public mutating func record(_ rung: Int, alive: Bool) { results[rung] = alive }

    /// The smallest rung found gone.
    public var firstGone: Int? { rungs.first { results[$0] == false } }

    /// Decided: a rung was found gone, or every rung was alive.
    public var isDone: Bool { firstGone != nil || rungs.allSatisfy { results[$0] == true } }

    /// The next rung to test, in order; nil once done.
    public var next: Int? { isDone ? nil : rungs.first { results[$0] == nil } }

    /// Longest idle time found alive below the first gone rung (0 when the first rung was gone).
    public var minSeconds: Int {
        let below = rungs.filter { results[$0] == true && $0 < (firstGone ?? Int.max) }
        return below.max() ?? 0
    }

    /// The report section for this ladder once the search stopped.
    public func section(server: String?, durationSeconds: Int, evidence: [String]) -> MappingLifetimeSection {
        var s = MappingLifetimeSection(status: .checked, limitSeconds: rungs.last ?? 0, server: server,
                                       durationSeconds: durationSeconds, evidence: evidence)
        if let gone = firstGone {
            s.minSeconds = minSeconds
            s.maxSeconds = gone
        } else if isDone {
            s.minSeconds = rungs.last
        } else {
            s.status = .inconclusive
            s.minSeconds = results.isEmpty ? nil : minSeconds
        }
        return s
    }
}
