// The keys of `UDPSection`'s port maps. JSON object keys are strings (docs/report-schema.md,
// `udp.ports`), so a port is written as its decimal text, "443"; in Swift it is a number, so maps
// sort and compare numerically and a report with a key that is no port does not decode.

import P2PAddress

/// A UDP destination port, the key of `UDPSection.ports` and `UDPSection.failures`.
/// (A map keyed by it needs it `Codable`: on its own it is written as a number.)
public struct UDPPort: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral,
    Codable, CodingKeyRepresentable {
    public var number: UInt16

    public init(_ number: UInt16) { self.number = number }

    public init(integerLiteral value: UInt16) { self.number = value }

    /// Parses the decimal text the report writes: digits only, no sign and no leading zero, so a
    /// decoded key encodes back to the same text.
    public init?(_ text: some StringProtocol) {
        guard let n = canonicalDecimal(text, maxDigits: 5), let port = UInt16(exactly: n) else { return nil }
        number = port
    }

    public var description: String { String(number) }

    public init(from decoder: any Decoder) throws { number = try UInt16(from: decoder) }

    public func encode(to encoder: any Encoder) throws { try number.encode(to: encoder) }

    public static func < (a: UDPPort, b: UDPPort) -> Bool { a.number < b.number }

    public var codingKey: any CodingKey { PortKey(stringValue: description) }

    public init?<T: CodingKey>(codingKey: T) { self.init(codingKey.stringValue) }

    /// Why a key is refused, for `ReportDecodeError`'s "the report is damaged" message.
    static func notAPort(_ text: String) -> String {
        "\"\(text)\" is not a UDP port number (0 to 65535, decimal digits, no leading zero)"
    }
}

/// A JSON object key as it is written.
struct PortKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}

extension UDPSection {
    /// The ports whose reach passes `include`, in numeric order.
    public func sortedPorts(where include: (PortReach) -> Bool = { _ in true }) -> [UDPPort] {
        ports.filter { include($0.value) }.keys.sorted()
    }
}

extension KeyedDecodingContainer {
    /// A JSON object keyed by port numbers; a key that is no port fails with its own path and a
    /// message saying why (the standard library's would only say it could not convert the key).
    func decodePortMap<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> [UDPPort: Value] {
        let object = try nestedContainer(keyedBy: PortKey.self, forKey: key)
        var out: [UDPPort: Value] = [:]
        for k in object.allKeys {
            guard let port = UDPPort(k.stringValue) else {
                throw DecodingError.dataCorruptedError(forKey: k, in: object, debugDescription: UDPPort.notAPort(k.stringValue))
            }
            out[port] = try object.decode(Value.self, forKey: k)
        }
        return out
    }
}
