import Testing
import P2PReport
import P2PSocket
import STUNCodec
@testable import P2PProbes

@Suite struct IPv6ClassifierTests {
    func iface(_ a: String, up: Bool = true, lo: Bool = false) -> InterfaceAddress {
        InterfaceAddress(name: "eth0", address: IPAddress(a)!, prefixLength: 64, isUp: up, isLoopback: lo)
    }

    @Test func onlyUpGlobalUnicastCounts() {
        let all = [iface("::1", lo: true), iface("fe80::1"), iface("fd00::1"), iface("ff02::1"), iface("10.0.0.1"),
                   iface("2001:db8::5", up: false), iface("2a00:1450::1"), iface("2001:db8::2"), iface("3fff::1")]
        #expect(IPv6Classifier.globalAddresses(all) == [IPAddress("2a00:1450::1")!, IPAddress("2001:db8::2")!, IPAddress("3fff::1")!])
        #expect(!IPv6Classifier.isGlobal(IPAddress("4000::1")!))
    }

    @Test func noGlobalAddress() {
        let s = IPv6Classifier.classify(IPv6Observations())
        #expect(s.status == .noGlobalAddress)
        #expect(s.globalAddress == nil)
    }

    @Test func worksWithOwnAddressSaysNoNAT() {
        var o = IPv6Observations()
        let me = IPAddress("2001:db8::2")!
        o.globalAddresses = [me]
        let server = TransportAddress(IPAddress("2001:db8::10")!, 3478)
        o.servers = [("s", server, .answered(.init(mapped: TransportAddress(me, 5000), source: server)))]
        let s = IPv6Classifier.classify(o)
        #expect(s.status == .works)
        #expect(s.publicEndpoint == "[2001:db8::2]:5000")
        #expect(s.evidence.contains { $0.contains("IPv6 works: a direct IPv6 path avoids NAT entirely") })
        o.servers = [("s", server, .answered(.init(mapped: TransportAddress(IPAddress("2001:db8:ff::9")!, 5000), source: server)))]
        #expect(IPv6Classifier.classify(o).evidence.contains { $0.contains("NAT66") })
    }

    @Test func silentIsBlockedButNoAAAAIsNotChecked() {
        var o = IPv6Observations()
        o.globalAddresses = [IPAddress("2001:db8::2")!]
        o.servers = [("s", TransportAddress(IPAddress("2001:db8::10")!, 3478), .silent(sends: 6))]
        #expect(IPv6Classifier.classify(o).status == .blocked)
        o.servers = [("s", nil, .notRun("no IPv6 address"))]
        #expect(IPv6Classifier.classify(o).status == .notChecked)
    }
}
