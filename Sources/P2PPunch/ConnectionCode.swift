import Crypto
import STUNCodec

/// What one side knows about its own NAT mapping when it makes its code: `punch` asks two STUN
/// servers from the very socket it punches with, so a port that changes per destination (RFC 4787
/// section 4.1, "symmetric") is known before any check runs and travels to the other side.
public enum MappingHint: UInt8, Sendable, Codable, CaseIterable {
    /// Fewer than two servers answered: not known.
    case unknown = 0
    /// The public endpoint is the socket's own address: no NAT.
    case noNAT = 1
    /// Two servers saw the same public endpoint: endpoint-independent mapping.
    case independent = 2
    /// Two servers saw different public endpoints: the mapping varies by destination.
    case varies = 3
    /// No STUN server answered at all: outbound UDP is probably blocked on this side.
    case noSTUN = 4

    public var label: String {
        switch self {
        case .unknown: return "unknown"
        case .noNAT: return "no-nat"
        case .independent: return "endpoint-independent"
        case .varies: return "varies-by-destination"
        case .noSTUN: return "no-stun-answer"
        }
    }
}

/// The side a code comes from (from `--role`), so the result can name "the Connector".
public enum CodeRole: UInt8, Sendable, CaseIterable {
    case unknown = 0, client = 1, connector = 2
}

/// One address the other side should try (RFC 8445 section 5.1.1): a local interface address
/// (host) or the public endpoint a STUN server saw for the punching socket (server-reflexive).
/// Peer-reflexive candidates are learned during the checks and never travel in a code.
public enum CandidateKind: UInt8, Sendable, Codable, CaseIterable {
    case host = 0, serverReflexive = 1, peerReflexive = 2

    public var label: String {
        switch self {
        case .host: return "host"
        case .serverReflexive: return "srflx"
        case .peerReflexive: return "prflx"
        }
    }
}

public struct Candidate: Hashable, Sendable {
    public var kind: CandidateKind
    public var address: TransportAddress
    public init(_ kind: CandidateKind, _ address: TransportAddress) {
        self.kind = kind
        self.address = address
    }
}

/// The one-line code a side prints and the other pastes: `p2p1-` + base32 of a small binary record
/// (version, expiry, role and mapping hint, a random 32-bit fragment and a 96-bit secret, the
/// candidates) closed by a 32-bit checksum, so a character lost or changed in a chat window is
/// caught before any packet is sent.
///
/// Binary layout, version 1 (big-endian):
///   0 version (1) | 1 flags: bits 0-1 role, bits 2-4 mapping hint, bit 5 measures the path
///   after proving it (a reader that ignores bit 5 still punches, without measuring) | 2-5 expiry, Unix seconds |
///   6-9 fragment | 10-21 secret | 22 candidate count n | n x (kind byte: bit 7 IPv6, bits 0-1
///   kind; address 4 or 16 bytes; port 2 bytes) | last 4: first 4 bytes of SHA-256 of the rest.
public struct ConnectionCode: Hashable, Sendable {
    public static let version: UInt8 = 1
    public static let prefix = "p2p"
    /// How long a code stays valid by default: long enough to paste through a ticket or a call.
    public static let defaultLifetime: UInt32 = 600
    /// Candidates a code may carry; keeps the line well under 200 characters.
    public static let maxCandidates = 8

    public var expiry: UInt32
    public var role: CodeRole
    public var hint: MappingHint
    /// ICE-style username fragment (RFC 8445 section 5.3), 4 random bytes.
    public var fragment: [UInt8]
    /// The session secret (96 random bits); both sides' secrets key MESSAGE-INTEGRITY.
    public var secret: [UInt8]
    public var candidates: [Candidate]
    /// This side measures a proven path (`PathMeter`); both codes must say so for it to run.
    public var measures: Bool

    public init(expiry: UInt32, role: CodeRole = .unknown, hint: MappingHint = .unknown,
                fragment: [UInt8], secret: [UInt8], candidates: [Candidate], measures: Bool = false) {
        self.measures = measures
        self.expiry = expiry
        self.role = role
        self.hint = hint
        self.fragment = fragment
        self.secret = secret
        self.candidates = candidates
    }

    /// A fresh code: random fragment and secret from the system's cryptographic source.
    public static func make(now: UInt32, lifetime: UInt32 = defaultLifetime, role: CodeRole = .unknown,
                            hint: MappingHint, candidates: [Candidate], measures: Bool = false) -> ConnectionCode {
        var g = SystemRandomNumberGenerator()
        func random(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &g) } }
        return ConnectionCode(expiry: now &+ lifetime, role: role, hint: hint, fragment: random(4),
                              secret: random(12), candidates: Array(candidates.prefix(maxCandidates)), measures: measures)
    }

    /// The fragment as 8 hex digits, as it appears in USERNAME.
    public var fragmentText: String { fragment.map { hexByte($0) }.joined() }

    // MARK: Encoding

    public var bytes: [UInt8] {
        var out: [UInt8] = [Self.version, (role.rawValue & 0x3) | ((hint.rawValue & 0x7) << 2) | (measures ? 0x20 : 0)]
        out += be32(expiry)
        out += fragment
        out += secret
        let cands = Array(candidates.filter { $0.kind != .peerReflexive }.prefix(Self.maxCandidates))
        out.append(UInt8(cands.count))
        for c in cands {
            out.append((c.address.ip.isIPv4 ? 0 : 0x80) | c.kind.rawValue)
            out += c.address.ip.bytes
            out += [UInt8(c.address.port >> 8), UInt8(c.address.port & 0xFF)]
        }
        return out + Self.checksum(out)
    }

    /// The one-line text form, e.g. `p2p1-aeaqc...`.
    public var text: String { "\(Self.prefix)\(Self.version)-" + Base32.encode(bytes) }

    static func checksum(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes).prefix(4)) }

    // MARK: Decoding

    /// Parses a pasted code. Whitespace around it is ignored and case does not matter. `now` (Unix
    /// seconds) checks the expiry; `own`, when given, rejects this side's own code.
    public static func decode(_ input: String, now: UInt32, own: ConnectionCode? = nil) throws(CodeError) -> ConnectionCode {
        let text = input.filter { !$0.isWhitespace }.lowercased()
        guard !text.isEmpty else { throw .empty }
        guard text.hasPrefix(prefix) else { throw .malformed("it does not start with \"\(prefix)\(version)-\"") }
        let rest = text.dropFirst(prefix.count)
        guard let dash = rest.firstIndex(of: "-") else { throw .malformed("no \"-\" after \"\(prefix)\(version)\"") }
        guard let v = UInt8(rest[..<dash]) else { throw .malformed("the version after \"\(prefix)\" is not a number") }
        guard v == version else { throw .wrongVersion(v) }
        let body = rest[rest.index(after: dash)...]
        let data: [UInt8]
        switch Base32.decode(body) {
        case .success(let d): data = d
        case .failure(let e): throw .malformed(e.text)
        }
        // Fixed part (23 bytes) and checksum (4).
        guard data.count >= 27 else { throw .truncated(have: data.count, need: 27) }
        guard data[0] == version else { throw .wrongVersion(data[0]) }
        var need = 23
        var cands: [Candidate] = []
        for _ in 0..<Int(data[22]) {
            guard data.count >= need + 1 + 4 else { throw .truncated(have: data.count, need: need + 1 + 4) }
            let kindByte = data[need]
            let len = kindByte & 0x80 != 0 ? 16 : 4
            guard data.count >= need + 1 + len + 2 + 4 else { throw .truncated(have: data.count, need: need + 1 + len + 2 + 4) }
            guard let kind = CandidateKind(rawValue: kindByte & 0x7F), kind != .peerReflexive else {
                throw .malformed("candidate \(cands.count + 1) has an unknown kind \(kindByte & 0x7F)")
            }
            let ip = IPAddress(bytes: Array(data[(need + 1)..<(need + 1 + len)]))!
            let port = UInt16(data[need + 1 + len]) << 8 | UInt16(data[need + 2 + len])
            cands.append(Candidate(kind, TransportAddress(ip, port)))
            need += 1 + len + 2
        }
        guard data.count >= need + 4 else { throw .truncated(have: data.count, need: need + 4) }
        guard data.count == need + 4 else { throw .malformed("\(data.count - need - 4) bytes too many: two codes pasted together?") }
        guard checksum(Array(data[0..<need])) == Array(data[need...]) else { throw .checksum }
        guard let hint = MappingHint(rawValue: (data[1] >> 2) & 0x7) else { throw .malformed("unknown mapping hint") }
        let code = ConnectionCode(expiry: be32(data, 2), role: CodeRole(rawValue: data[1] & 0x3) ?? .unknown,
                                  hint: hint, fragment: Array(data[6..<10]), secret: Array(data[10..<22]),
                                  candidates: cands, measures: data[1] & 0x20 != 0)
        if let own, own.fragment == code.fragment, own.secret == code.secret { throw .ownCode }
        guard now <= code.expiry else { throw .expired(secondsAgo: Int(now - code.expiry)) }
        guard !cands.isEmpty else { throw .malformed("it lists no address to try") }
        return code
    }
}

/// Why a pasted code was refused, in words a person can act on.
public enum CodeError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case malformed(String)
    case truncated(have: Int, need: Int)
    case wrongVersion(UInt8)
    case checksum
    case expired(secondsAgo: Int)
    case ownCode

    public var description: String {
        switch self {
        case .empty:
            return "the code is empty: paste the line the other side's `p2ptui punch` printed"
        case .malformed(let why):
            return "malformed code: \(why); paste the whole line starting with p2p\(ConnectionCode.version)-"
        case let .truncated(have, need):
            return "truncated code: it holds \(have) bytes of at least \(need); the end of the line was cut off when copying"
        case .wrongVersion(let v):
            return "wrong version: the code is version \(v), this p2ptui reads version \(ConnectionCode.version); run the same p2ptui version on both sides"
        case .checksum:
            return "corrupted code: its checksum does not match, a character was changed or lost when copying"
        case .expired(let s):
            return "expired code: it ran out \(s / 60) min \(s % 60) s ago; run `p2ptui punch` again on the other side for a fresh one"
        case .ownCode:
            return "this is this side's own code: paste the code printed by `p2ptui punch` on the other machine"
        }
    }
}

/// RFC 4648 base32, lower case, no padding: only letters and digits 2-7, so a double click selects
/// the whole code and it can be read out over the phone.
public enum Base32 {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for b in bytes {
            buffer = buffer << 8 | UInt32(b)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    public struct DecodeError: Error { public var text: String }

    public static func decode(_ text: Substring) -> Result<[UInt8], DecodeError> {
        var out: [UInt8] = []
        var buffer: UInt32 = 0, bits = 0
        for (i, ch) in text.utf8.enumerated() {
            let v: UInt8
            switch ch {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = ch - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"): v = ch - UInt8(ascii: "2") + 26
            default:
                let c = String(decoding: [ch], as: UTF8.self)
                return .failure(DecodeError(text: "character \(i + 1) after the dash (\"\(ch < 0x80 ? c : "non-ASCII")\") is not a letter or a digit 2-7"))
            }
            buffer = buffer << 5 | UInt32(v)
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> UInt32(bits - 8)) & 0xFF))
                bits -= 8
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        return .success(out)
    }
}

func hexByte(_ b: UInt8) -> String {
    let d = Array("0123456789abcdef")
    return String([d[Int(b >> 4)], d[Int(b & 0xF)]])
}

func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}
