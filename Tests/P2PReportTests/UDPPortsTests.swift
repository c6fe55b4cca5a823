import P2PReport
import Testing

/// Ports as numbers over the decimal-string keys the JSON needs.
@Suite struct UDPPortsTests {
    @Test func typedSubscriptsReadAndWriteTheDecimalKeys() {
        var u = UDPSection()
        u[port: 443] = .reached
        u[port: 53] = .blocked
        u[failure: 53] = .silentDrop
        #expect(u.ports == ["443": .reached, "53": .blocked])
        #expect(u.failures == ["53": .silentDrop])
        #expect(u[port: 443] == .reached && u[port: 53] == .blocked && u[port: 123] == nil)
        #expect(u[failure: 53] == .silentDrop && u[failure: 443] == nil)
        u[port: 443] = nil
        #expect(u.ports == ["53": .blocked])
    }

    @Test func portKeysAreInNumericOrder() {
        let u = UDPSection(ports: ["51820": .reached, "443": .blocked, "53": .unknown, "3478": .blocked, "40000": .reached])
        #expect(u.portKeys() == ["53", "443", "3478", "40000", "51820"])
        #expect(u.portKeys { $0 == .blocked } == ["443", "3478"])
        #expect(u.portKeys { $0 == .reached } == ["40000", "51820"])
    }

    /// A hand-edited report may hold a key that is no number: it stays, first, like port 0.
    @Test func aKeyThatIsNoNumberSortsFirst() {
        let u = UDPSection(ports: ["443": .reached, "x": .reached, "0": .reached, "b": .reached])
        #expect(u.portKeys() == ["0", "b", "x", "443"])
    }
}
