import Foundation

// IP addresses and transport addresses as plain values, shared by the codec and the socket layer.

/// An IPv4 or IPv6 address in network byte order.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt8, UInt8, UInt8, UInt8)
    case v6([UInt8])  // exactly 16 bytes

    /// The address bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case let .v4(a, b, c, d): return [a, b, c, d]
        case let .v6(b): return b
        }
    }

    public var isIPv4: Bool { if case .v4 = self { return true } else { return false } }

    /// Builds an address from 4 or 16 network-order bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes[0], bytes[1], bytes[2], bytes[3])
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    /// Parses dotted-quad IPv4 or RFC 4291 textual IPv6 (with "::" and an embedded IPv4 tail).
    public init?(_ text: String) {
        if let v4 = IPAddress.parseV4(Substring(text)) { self = .v4(v4[0], v4[1], v4[2], v4[3]); return }
        if let v6 = IPAddress.parseV6(text) { self = .v6(v6); return }
        return nil
    }

    private static func parseV4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for p in parts {
            // Decimal digits only, no leading zero (inet_pton rules: "010" could mean octal elsewhere).
            guard !p.isEmpty, p.count <= 3, p.allSatisfy(isDecimalDigit), p.count == 1 || p.first != "0",
                  let v = UInt8(p) else { return nil }
            out.append(v)
        }
        return out
    }

    private static func parseV6(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if let pct = text.firstIndex(of: "%") { text = text[..<pct] }  // drop a zone id
        guard text.contains(":") else { return nil }
        var halves: [String] = []
        if let r = text.range(of: "::") {
            halves = [String(text[..<r.lowerBound]), String(text[r.upperBound...])]
            if halves[1].range(of: "::") != nil { return nil }
        } else {
            halves = [String(text)]
        }
        // An embedded IPv4 tail (RFC 4291 section 2.2, form 3) may only end the whole address.
        func groups(_ s: String, mayEndInIPv4: Bool) -> [UInt8]? {
            if s.isEmpty { return [] }
            var out: [UInt8] = []
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (i, p) in parts.enumerated() {
                if mayEndInIPv4, i == parts.count - 1, p.contains(".") {
                    guard let v4 = parseV4(p) else { return nil }
                    out += v4
                    continue
                }
                // Hex digits only: UInt16(_:radix:) alone would also accept a sign ("+1").
                guard (1...4).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isHexDigit }),
                      let v = UInt16(p, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xff)]
            }
            return out
        }
        guard let head = groups(halves[0], mayEndInIPv4: halves.count == 1) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1], mayEndInIPv4: true), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }

    public var description: String {
        switch self {
        case let .v4(a, b, c, d): return "\(a).\(b).\(c).\(d)"
        case let .v6(b):
            // `.v6` is public, so a caller can build one with the wrong length: print it, never trap.
            guard b.count == 16 else { return "invalid-ipv6(" + b.map { hex2($0) }.joined() + ")" }
            // RFC 5952 section 5: an IPv4-mapped address (::ffff:0:0/96) is written with a dotted-quad tail.
            if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff {
                return "::ffff:\(b[12]).\(b[13]).\(b[14]).\(b[15])"
            }
            var words: [UInt16] = []
            for i in stride(from: 0, to: 16, by: 2) { words.append(UInt16(b[i]) << 8 | UInt16(b[i + 1])) }
            // RFC 5952: compress the longest run (length >= 2) of zero words, leftmost on ties.
            var best = (start: -1, len: 0), cur = (start: -1, len: 0)
            for (i, w) in words.enumerated() {
                if w == 0 {
                    if cur.start < 0 { cur = (i, 1) } else { cur.len += 1 }
                    if cur.len > best.len { best = cur }
                } else { cur = (-1, 0) }
            }
            let hex = words.map { String($0, radix: 16) }
            if best.len < 2 { return hex.joined(separator: ":") }
            let left = hex[..<best.start].joined(separator: ":")
            let right = hex[(best.start + best.len)...].joined(separator: ":")
            return left + "::" + right
        }
    }
}

/// An IP address and a UDP port: what STUN calls a transport address.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible {
    public var ip: IPAddress
    public var port: UInt16

    public init(_ ip: IPAddress, _ port: UInt16) {
        self.ip = ip
        self.port = port
    }

    /// Parses "1.2.3.4:3478" or "[2001:db8::1]:3478".
    public init?(_ text: String) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            // Brackets are for IPv6 only (RFC 3986 section 3.2.2).
            guard rest.hasPrefix(":"), let port = TransportAddress.parsePort(rest.dropFirst()),
                  let ip = IPAddress(host), !ip.isIPv4 else { return nil }
            self.init(ip, port)
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = TransportAddress.parsePort(text[text.index(after: colon)...]),
              let ip = IPAddress(String(text[..<colon])), ip.isIPv4 else { return nil }
        self.init(ip, port)
    }

    /// Decimal digits only: UInt16(_:) alone would also accept a sign ("+5").
    private static func parsePort(_ text: Substring) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy(isDecimalDigit) else { return nil }
        return UInt16(text)
    }

    public var description: String {
        ip.isIPv4 ? "\(ip):\(port)" : "[\(ip)]:\(port)"
    }
}

private func isDecimalDigit(_ c: Character) -> Bool { c.asciiValue.map { (0x30...0x39).contains($0) } ?? false }
