// The words for the datagram-size and mapping-lifetime findings (codes `datagram-too-small`,
// `datagram-reduced`, `short-mapping-lifetime`) and the one-line results `check` and the saved
// summary print. The decisions are made in Findings/PathLimitRules.swift.

/// What one finding says: a headline, what it means, what to do, and where to read more.
public struct PathLimitWords: Sendable, Equatable {
    public var headline: String
    public var meaning: String
    public var advice: [String]
    public var furtherReading: [Reading]
}

public enum PathLimitsContent {
    static let rfc9000 = Reading(title: "RFC 9000 section 14: QUIC needs UDP payloads of at least 1200 bytes",
                                 reference: "https://www.rfc-editor.org/rfc/rfc9000#section-14")
    static let rfc4787 = Reading(title: "RFC 4787 section 4.3, REQ-5: a NAT's UDP mapping should last at least 2 minutes",
                                 reference: "https://www.rfc-editor.org/rfc/rfc4787#section-4.3")
    static let rfc8085 = Reading(title: "RFC 8085 section 3.5: UDP keepalives through middleboxes",
                                 reference: "https://www.rfc-editor.org/rfc/rfc8085#section-3.5")

    static func way(_ d: DatagramDirection) -> String {
        switch d {
        case .outbound: return "leaving this host"
        case .inbound: return "arriving at this host"
        case .both: return "either way"
        }
    }

    static func mtuClause(_ mtu: Int?) -> String {
        mtu.map { " A router or this host's kernel named an MTU of \($0) bytes (\($0 - 28) bytes of UDP payload)." } ?? ""
    }

    public static func words(_ f: DatagramFinding) -> PathLimitWords {
        let largest = f.largest.map { "\($0) bytes" } ?? "no padded datagram"
        switch f.code {
        case .datagramTooSmall:
            return PathLimitWords(
                headline: "Datagrams of 1200 bytes do not cross the path \(way(f.direction)): QUIC cannot start",
                meaning: "The largest UDP payload that crossed \(way(f.direction)) with fragmentation forbidden was \(largest); "
                    + "\(f.failedAt) bytes did not. QUIC (and products built on it) must not be used on a path that cannot carry "
                    + "1200 bytes, so a direct connection may be set up with small packets and then fail once data flows."
                    + mtuClause(f.reportedMTU),
                advice: ["Find what shrinks the path: a VPN client or tunnel, PPPoE, or a link with a small MTU; raise its MTU "
                         + "to at least 1280 bytes, or stop it from dropping large UDP datagrams.",
                         "If a firewall drops UDP datagrams by size, allow at least 1200 bytes of UDP payload."],
                furtherReading: [rfc9000])
        default:
            return PathLimitWords(
                headline: "The path carries at most \(largest) of UDP payload \(way(f.direction)): narrower than usual",
                meaning: "\(f.failedAt) bytes with fragmentation forbidden did not cross \(way(f.direction)). QUIC still "
                    + "starts (it needs 1200), but the usual 1472 bytes of a 1500-byte Ethernet path do not fit: a VPN, a "
                    + "tunnel or PPPoE on the way is the likely cause." + mtuClause(f.reportedMTU),
                advice: ["Nothing to change for a direct connection; if the limit is unexpected, look for a VPN client, a "
                         + "tunnel or PPPoE on the way."],
                furtherReading: [rfc9000])
        }
    }

    public static func words(_ f: LifetimeFinding) -> PathLimitWords {
        PathLimitWords(
            headline: "The NAT forgets an idle UDP mapping in under \(PathLimitRules.shortLifetimeBelow) s",
            meaning: "The NAT forgot an idle mapping after between \(f.minSeconds) and \(f.maxSeconds) seconds. A direct "
                + "connection that stays quiet longer loses its path and falls back to a relay, or drops.",
            advice: ["Keepalives must be more frequent than every \(max(1, f.minSeconds)) s (WireGuard's usual 25 s is "
                     + "\(f.minSeconds > 25 ? "enough" : "too slow").",
                     "Or raise the NAT's UDP timeout: RFC 4787 asks for at least 2 minutes."],
            furtherReading: [rfc4787, rfc8085])
    }

    /// One line for `check`'s text and the saved summary; nil when the probe did not run.
    public static func datagramLine(_ d: DatagramSection?) -> String? {
        guard let d, d.status != .notChecked else { return nil }
        guard d.status == .checked else { return "Largest datagram: not proven (no STUN server answered a padded request)" }
        func side(_ v: Int?, _ failed: Int?) -> String {
            guard let v else { return "not proven" }
            return failed == nil && v == d.sizes.last ? "\(v)+ bytes" : "\(v) bytes"
        }
        var line = "Largest datagram (UDP payload, DF): out \(side(d.outboundMax, d.outboundFailedAt)), "
            + "in \(side(d.inboundMax, d.inboundFailedAt))"
        if let f = PathLimitRules.findings(d).first { line += ": " + words(f).headline }
        return line
    }

    /// One line for the mapping lifetime; nil when `--lifetime` was not given.
    public static func lifetimeLine(_ m: MappingLifetimeSection?) -> String? {
        guard let m, m.status != .notChecked else { return nil }
        guard m.status == .checked else {
            return "Idle mapping lifetime: not measured (\(m.evidence.last ?? "the server did not answer toward another port"))"
        }
        guard let max = m.maxSeconds else {
            return "Idle mapping lifetime: more than \(m.limitSeconds) s (alive after \(m.minSeconds ?? m.limitSeconds) s idle)"
        }
        var line = "Idle mapping lifetime: between \(m.minSeconds ?? 0) and \(max) s"
        if let f = PathLimitRules.findings(m).first { line += ": " + words(f).headline }
        return line
    }

    /// The words of a datagram or lifetime finding of the report, as the steps' findings are said;
    /// nil for any other code.
    static func text(_ f: ReportFinding, in r: Report) -> FindingText? {
        let words: PathLimitWords
        if let d = PathLimitRules.findings(r.datagram).first(where: { $0.code == f.code }) {
            words = self.words(d)
        } else if let l = PathLimitRules.findings(r.mappingLifetime).first(where: { $0.code == f.code }) {
            words = self.words(l)
        } else {
            return nil
        }
        return FindingText(words.headline, advice: words.advice)
    }
}
