// The overall answer over every section.

public enum DirectConnection: String, Codable, Sendable, CaseIterable {
    case likely, possible, unlikely
    /// Nothing about the NAT could be checked (no STUN server resolved or answered, without proof
    /// that UDP is blocked): nothing checked is not "possible".
    case unknown
}

public struct Verdict: Codable, Sendable, Equatable {
    public var directConnection: DirectConnection
    /// Plain sentences, most important first.
    public var reasons: [String]
    /// Whether some finding stands in the way of a direct connection (drives exit status 1).
    public var blocking: Bool
    /// The codes of the findings behind the verdict: blocking first, heaviest first, each once
    /// (schema 2; a schema-1 report has none).
    public var codes: [FindingCode]

    public init(directConnection: DirectConnection = .possible, reasons: [String] = [], blocking: Bool = false,
                codes: [FindingCode] = []) {
        self.directConnection = directConnection
        self.reasons = reasons
        self.blocking = blocking
        self.codes = codes
    }

    private enum CodingKeys: String, CodingKey { case directConnection, reasons, blocking, codes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directConnection = try c.decode(DirectConnection.self, forKey: .directConnection)
        reasons = try c.decode([String].self, forKey: .reasons)
        blocking = try c.decode(Bool.self, forKey: .blocking)
        codes = try c.decodeIfPresent([FindingCode].self, forKey: .codes) ?? []
    }
}
