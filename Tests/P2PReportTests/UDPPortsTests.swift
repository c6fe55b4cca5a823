import Foundation
import P2PReport
import Testing

/// Ports as numbers in Swift, as the decimal-string keys JSON needs in the report.
@Suite struct UDPPortsTests {
    @Test func aPortReadsAndWritesItsDecimalText() {
        #expect(UDPPort("443") == 443 && UDPPort("0") == 0 && UDPPort("65535") == UDPPort(65535))
        #expect(UDPPort(443).description == "443")
        for bad in ["", "x", "+5", "-1", "0443", "65536", "99999", "123456", "4 3", "٤٤٣"] {
            #expect(UDPPort(bad) == nil, "\(bad)")
        }
    }

    @Test func sortedPortsAreInNumericOrder() {
        let u = UDPSection(ports: [51820: .reached, 443: .blocked, 53: .unknown, 3478: .blocked, 40000: .reached])
        #expect(u.sortedPorts() == [53, 443, 3478, 40000, 51820])
        #expect(u.sortedPorts { $0 == .blocked } == [443, 3478])
        #expect(u.sortedPorts { $0 == .reached } == [40000, 51820])
    }

    static func json(_ u: UDPSection) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(u), as: UTF8.self)
    }

    @Test func theJSONKeysAreTheDecimalStrings() throws {
        let u = UDPSection(status: .partial, ports: [443: .blocked, 53: .reached], failures: [443: .silentDrop])
        let text = try Self.json(u)
        #expect(text == #"{"evidence":[],"failures":{"443":"silent-drop"},"firewallRules":[],"#
            + #""ports":{"443":"blocked","53":"reached"},"status":"partial"}"#)
        #expect(try JSONDecoder().decode(UDPSection.self, from: Data(text.utf8)) == u)
    }

    /// A key that is no port (a hand-edited or damaged report) fails, naming the key and why.
    @Test(arguments: [("ports", "x"), ("ports", "70000"), ("ports", "-1"), ("failures", "0443"), ("failures", "")])
    func aKeyThatIsNoPortFailsToDecode(field: String, key: String) throws {
        let value = field == "ports" ? "reached" : "silent-drop"
        let other = field == "ports" ? "failures" : "ports"
        let text = #"{"status":"partial","\#(field)":{"53":"\#(value)","\#(key)":"\#(value)"},"\#(other)":{},"#
            + #""firewallRules":[],"evidence":[]}"#
        do {
            _ = try JSONDecoder().decode(UDPSection.self, from: Data(text.utf8))
            Issue.record("\"\(key)\" decoded as a port")
        } catch DecodingError.dataCorrupted(let ctx) {
            #expect(ctx.codingPath.map(\.stringValue) == [field, key])
            #expect(ctx.debugDescription.contains("\"\(key)\" is not a UDP port number"), "\(ctx.debugDescription)")
        }
    }
}
