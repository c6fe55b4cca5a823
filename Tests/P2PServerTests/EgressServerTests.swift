import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// The egress-mode server's setup as pure functions: the file limit, its nftables rules, and
/// which leftover tables are stale.
@Suite struct EgressServerTests {
    static let ip = IPAddress.v4(127, 0, 0, 4)

    @Test func socketsModeRefusesARangeBeyondTheFileLimit() {
        #expect(throws: EgressServerError.self) {
            _ = try EgressServer(primary: Self.ip, range: 1024...65535, mode: .sockets)
        }
    }

    @Test func staleTablesAreThoseOfDeadServersOnly() {
        let listing = "table inet filter\ntable ip p2ptui_egress_100\ntable ip6 p2ptui_egress_200\ntable ip p2ptui_egress_x\ntable ip natlab\n"
        #expect(EgressServer.staleTables(in: listing, isAlive: { $0 == 100 }) == ["ip6 p2ptui_egress_200"])
    }

    @Test func nftRulesAreScopedToTheAddressAndSkipOwnPorts() {
        let r = EgressServer.nftRules(table: "t", family: "ip", primary: .v4(192, 0, 2, 30), range: 1024...65535,
                                      exclude: [3479, 3478], to: 40001)
        #expect(r.contains("ip daddr 192.0.2.30 udp dport 1024-65535 udp dport != { 3478, 3479 } dnat to 192.0.2.30:40001"))
        #expect(r.contains("hook prerouting") && r.contains("hook output"))
    }
}
