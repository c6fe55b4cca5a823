import Foundation
import Testing
@testable import STUNCodec

/// Bytes from hex text; whitespace and newlines are ignored so vectors can be laid out as in the RFC.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd hex length")
    var out: [UInt8] = []
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// The checked-in seed corpus (Tests/STUNCodecTests/Corpus/*.bin), sorted by name.
enum Corpus {
    static func load() throws -> [(name: String, bytes: [UInt8])] {
        let dir = try #require(Bundle.module.url(forResource: "Corpus", withExtension: nil))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".bin") }.sorted()
        return try names.map { name in
            (name, [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))))
        }
    }

    static func file(_ name: String) throws -> [UInt8] {
        let all = try load()
        return try #require(all.first { $0.name == name }?.bytes, "corpus file \(name) missing")
    }
}


extension STUNMessage {
    /// The attributes without MESSAGE-INTEGRITY and FINGERPRINT, which `encode` regenerates.
    var withoutTrailers: STUNMessage {
        var m = self
        m.attributes = attributes.filter {
            $0.type != AttributeType.messageIntegrity && $0.type != AttributeType.fingerprint
        }
        return m
    }
}
