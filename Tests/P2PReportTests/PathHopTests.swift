import Foundation
import P2PAddress
import P2PReport
import Testing

/// Path hops as values, written as the same "TTL address" strings the report always had.
@Suite struct PathHopTests {
    static let written: [(String, PathHop)] = [
        ("1 10.0.0.1", PathHop(ttl: 1, address: .ip(.v4(10, 0, 0, 1)))),
        ("2 *", PathHop(ttl: 2, address: nil)),
        ("3 203.0.113.10 (destination)", PathHop(ttl: 3, address: .ip(.v4(203, 0, 113, 10)), isDestination: true)),
        ("4 public-3", PathHop(ttl: 4, address: .redacted(3))),
        ("5 public-12 (destination)", PathHop(ttl: 5, address: .redacted(12), isDestination: true)),
        ("6 2001:db8::1", PathHop(ttl: 6, address: .ip(IPAddress("2001:db8::1")!))),
    ]

    @Test(arguments: 0..<written.count)
    func aHopReadsAndWritesItsText(_ i: Int) throws {
        let (text, hop) = Self.written[i]
        #expect(PathHop(text) == hop)
        #expect(hop.description == text)
        let json = try JSONEncoder().encode([hop])
        #expect(String(decoding: json, as: UTF8.self) == "[\"\(text)\"]")
        #expect(try JSONDecoder().decode([PathHop].self, from: json) == [hop])
    }

    @Test func aSilentHopIsNeverTheDestination() {
        #expect(PathHop(ttl: 2, address: nil, isDestination: true).description == "2 *")
        #expect(PathHop("2 * (destination)") == nil)
    }

    static let malformed = ["", "1", "1 ", " 1 10.0.0.1", "1  10.0.0.1", "x 10.0.0.1", "0 10.0.0.1", "01 10.0.0.1",
                            "1 10.0.0", "1 router.example", "1 public-", "1 public-0", "1 public-x", "1 10.0.0.1 extra",
                            "1 10.0.0.1 (destination) ", "-1 *", "256 *", "1000 *"]

    /// A damaged or hand-edited hop fails to decode, saying what a hop looks like.
    @Test(arguments: malformed)
    func aMalformedHopFailsToDecode(_ text: String) throws {
        #expect(PathHop(text) == nil)
        let json = try JSONEncoder().encode(["hops": [text]])
        struct Holder: Decodable { var hops: [PathHop] }
        do {
            _ = try JSONDecoder().decode(Holder.self, from: json)
            Issue.record("\"\(text)\" decoded as a hop")
        } catch DecodingError.dataCorrupted(let ctx) {
            #expect(ctx.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue } == ["hops", "0"])
            #expect(ctx.debugDescription.contains("is not \"TTL address\""), "\(ctx.debugDescription)")
        }
    }

    @Test func aReportedAddressIsAnIPOrAPlaceholder() {
        #expect(ReportedAddress("192.0.2.1") == .ip(.v4(192, 0, 2, 1)))
        #expect(ReportedAddress("public-7") == .redacted(7))
        #expect(ReportedAddress(ReportedAddress.redacted(7).description) == .redacted(7))
        for bad in ["", "public-", "public-01", "public--1", "Public-1", "stun.example.net"] {
            #expect(ReportedAddress(bad) == nil, "\(bad)")
        }
    }
}
