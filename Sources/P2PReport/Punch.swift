/// The live hole-punch test (`p2ptui punch`): whether a direct path to the other side was proven,
/// flat, one fact per field. Present in a report only when punch was run.
public struct PunchSection: Codable, Sendable, Equatable {
    /// A check pair succeeded in both directions.
    public var direct: Bool
    /// This side's endpoint on the proven path as the peer saw it ("198.51.100.2:40000").
    @Nullable public var localEndpoint: String?
    /// The peer's endpoint on the proven path.
    @Nullable public var remoteEndpoint: String?
    /// Round trip of a check on the path, ms.
    @Nullable public var rttMs: Double?
    /// Milliseconds from the start of the checks to the proven path.
    @Nullable public var elapsedMs: Int?
    /// Candidate pairs checked.
    public var pairsTried: Int
    /// What happened, as a stable code (nil in a report saved before punch had codes).
    @Nullable public var code: PunchCode?
    /// What happened, tied to the step that explains it.
    public var reason: String
    /// What to change first; null when a path was proven.
    @Nullable public var fix: String?
    /// Mapping seen from the punching socket on this side and announced by the peer's code:
    /// unknown, no-nat, endpoint-independent, varies-by-destination, no-stun-answer.
    public var localMapping: String
    public var peerMapping: String
    /// The proven path measured after proving it; null when not measured (no path, `--measure 0`,
    /// or the peer's p2ptui does not measure).
    @Nullable public var quality: PathQuality?

    public init(direct: Bool, localEndpoint: String? = nil, remoteEndpoint: String? = nil, rttMs: Double? = nil,
                elapsedMs: Int? = nil, pairsTried: Int = 0, code: PunchCode? = nil, reason: String = "", fix: String? = nil,
                localMapping: String = "unknown", peerMapping: String = "unknown", quality: PathQuality? = nil) {
        self.quality = quality
        self.direct = direct
        self.localEndpoint = localEndpoint
        self.remoteEndpoint = remoteEndpoint
        self.rttMs = rttMs
        self.elapsedMs = elapsedMs
        self.pairsTried = pairsTried
        self.code = code
        self.reason = reason
        self.fix = fix
        self.localMapping = localMapping
        self.peerMapping = peerMapping
    }
}
