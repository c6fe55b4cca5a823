import STUNCodec

/// Token bucket per source IP, so one flooding source cannot take the server's whole capacity.
/// Memory is bounded: past `maxSources` tracked sources the table is cleared (all sources start
/// with a full bucket again), which only ever errs towards answering.
public struct RateLimiter: Sendable {
    public var ratePerSecond: Double
    public var burst: Double
    public var maxSources: Int
    private var buckets: [IPAddress: (tokens: Double, last: UInt64)] = [:]

    /// `ratePerSecond` <= 0 disables limiting.
    public init(ratePerSecond: Double, burst: Double? = nil, maxSources: Int = 65_536) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst ?? max(1, ratePerSecond * 2)
        self.maxSources = maxSources
    }

    public var trackedSources: Int { buckets.count }

    /// Takes one token for `source` at time `nowNanos`; false when over the limit.
    public mutating func allow(_ source: IPAddress, nowNanos: UInt64) -> Bool {
        guard ratePerSecond > 0 else { return true }
        if buckets.count >= maxSources, buckets[source] == nil { buckets.removeAll(keepingCapacity: true) }
        var b = buckets[source] ?? (burst, nowNanos)
        let elapsed = Double(nowNanos &- b.last) / 1e9
        b.tokens = min(burst, b.tokens + elapsed * ratePerSecond)
        b.last = nowNanos
        let ok = b.tokens >= 1
        if ok { b.tokens -= 1 }
        buckets[source] = b
        return ok
    }
}
