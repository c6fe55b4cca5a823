import Glibc
import P2PSocket
import STUNCodec
import Testing

@Suite("Fragmentation forbidden (DF)")
struct DontFragmentTests {
    @Test("forbidFragmentation sets IP_PMTUDISC_DO", arguments: [AddressFamily.ipv4, .ipv6])
    func setsPMTUDiscDo(family: AddressFamily) throws {
        guard let s = try? UDPSocket(family: family) else { return }  // no IPv6 in this namespace
        defer { s.close() }
        #expect(try !s.isFragmentationForbidden())
        try s.forbidFragmentation()
        #expect(try s.isFragmentationForbidden())
        // A full-size datagram still leaves on loopback (its MTU is far larger).
        let peer = try UDPSocket(family: family, bindTo: TransportAddress(family == .ipv4 ? loopback4 : loopback6, 0))
        defer { peer.close() }
        try s.send([UInt8](repeating: 7, count: 1472), to: try peer.localAddress())
        #expect(try peer.receive(timeout: 2)?.bytes.count == 1472)
    }

    @Test("the MTU of fragmentation-needed, packet-too-big and local EMSGSIZE reports")
    func mtuOfReports() {
        func report(_ errno: Int32, _ origin: UInt8, _ type: UInt8, _ code: UInt8, _ info: UInt32) -> ICMPErrorReport {
            ICMPErrorReport(errno: errno, origin: origin, type: type, code: code, offender: nil, info: info)
        }
        #expect(report(EMSGSIZE, ICMPErrorReport.originICMP, 3, 4, 1280).fragmentationNeededMTU == 1280)
        #expect(report(EMSGSIZE, ICMPErrorReport.originICMP6, 2, 0, 1400).fragmentationNeededMTU == 1400)
        #expect(report(EMSGSIZE, ICMPErrorReport.originLocal, 0, 0, 1500).fragmentationNeededMTU == 1500)
        // Port unreachable, time exceeded, and a router that names no MTU: none.
        #expect(report(ECONNREFUSED, ICMPErrorReport.originICMP, 3, 3, 0).fragmentationNeededMTU == nil)
        #expect(report(EHOSTUNREACH, ICMPErrorReport.originICMP, 11, 0, 0).fragmentationNeededMTU == nil)
        #expect(report(EMSGSIZE, ICMPErrorReport.originICMP, 3, 4, 0).fragmentationNeededMTU == nil)
    }
}
