import P2PReport
import P2PSocket
import STUNCodec

/// The network side of a mapping-lifetime measurement, so the search runs against fakes in tests.
public protocol MappingLifetimeIO: Sendable {
    /// Opens `count` mappings (a fresh socket each, one Binding request each); for each, its public
    /// port and when its answer arrived (clock nanos), or nil when it got none.
    func open(_ count: Int) async -> [(port: UInt16, at: UInt64)?]
    /// From a separate socket, asks the server to answer toward `port` (RESPONSE-PORT, RFC 5780
    /// section 7.5); true when mapping `index`'s socket received that answer.
    func test(_ index: Int, port: UInt16) async -> Bool
    /// The server's address, for the report.
    var server: String { get }
    func close()
}

/// How far a running measurement is: seconds elapsed and the longest it can take.
public struct LifetimeProgress: Sendable, Equatable {
    public var elapsedSeconds: Int
    public var totalSeconds: Int
    public var text: String
}

/// Binding lifetime discovery (RFC 5780 section 4.6) with one mapping per rung (`LifetimeLadder`).
/// A control test right after opening proves the server answers toward another port; without it
/// silence would mean nothing.
public struct MappingLifetimeProbe: Sendable {
    public var limit: Int
    public var clock: any MonotonicClock
    /// Waits until a clock time (nanos); throws when cancelled. Tests pass one that moves a fake clock.
    public var sleep: @Sendable (UInt64) async throws -> Void

    public init(limit: Int, clock: any MonotonicClock = SystemClock(),
                sleep: @escaping @Sendable (UInt64) async throws -> Void = MappingLifetimeProbe.systemSleep) {
        self.limit = limit
        self.clock = clock
        self.sleep = sleep
    }

    public static let systemSleep: @Sendable (UInt64) async throws -> Void = { until in
        let now = SystemClock().nowNanos()
        if until > now { try await Task.sleep(nanoseconds: until - now) }
    }

    public func run(_ io: some MappingLifetimeIO,
                    progress: @escaping @Sendable (LifetimeProgress) -> Void = { _ in }) async -> MappingLifetimeSection {
        defer { io.close() }
        let start = clock.nowNanos()
        var ladder = LifetimeLadder(limit: limit)
        let elapsed = { Int((clock.nowNanos() &- start) / 1_000_000_000) }
        let opened = await io.open(ladder.rungs.count + 1)
        var evidence: [String] = []
        guard let control = opened.first ?? nil else {
            return inconclusive("no STUN answer from \(io.server): no mapping to watch", io, elapsed())
        }
        guard await io.test(0, port: control.port) else {
            return inconclusive("\(io.server) did not answer toward a fresh mapping's port even right away "
                                + "(RESPONSE-PORT, RFC 5780 section 7.5): it may not support it", io, elapsed())
        }
        evidence.append("control: \(io.server) answered toward public port \(control.port) right away")
        while let rung = ladder.next, let k = ladder.rungs.firstIndex(of: rung) {
            guard let mapping = opened[k + 1] else {
                evidence.append("mapping for \(rung) s got no STUN answer: stopped")
                break
            }
            progress(LifetimeProgress(elapsedSeconds: elapsed(), totalSeconds: limit + 2,
                                      text: "waiting for \(rung) s of silence"))
            do { try await sleep(mapping.at &+ UInt64(rung) * 1_000_000_000) } catch { evidence.append("cancelled"); break }
            let alive = await io.test(k + 1, port: mapping.port)
            ladder.record(rung, alive: alive)
            evidence.append("after \(rung) s idle: \(alive ? "still mapped (the answer arrived)" : "forgotten (no answer)")")
        }
        progress(LifetimeProgress(elapsedSeconds: elapsed(), totalSeconds: elapsed(), text: "done"))
        return ladder.section(server: io.server, durationSeconds: elapsed(), evidence: evidence)
    }

    func inconclusive(_ why: String, _ io: some MappingLifetimeIO, _ seconds: Int) -> MappingLifetimeSection {
        MappingLifetimeSection(status: .inconclusive, limitSeconds: LifetimeLadder(limit: limit).rungs.last ?? limit,
                               server: io.server, durationSeconds: seconds, evidence: [why])
    }
}
