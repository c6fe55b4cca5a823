import Foundation
import P2PProbes
import P2PReport
import P2PServer
import P2PSocket
import STUNCodec
import Testing

/// The datagram-size decision (pure) and the probe against the real server on loopback.
@Suite struct DatagramTests {
    static let sizes = DatagramProbe.defaultSizes  // 548, 1000, 1200, 1280, 1400, 1472

    /// Observations where sizes up to `out` crossed outbound to both servers and "ours" padded
    /// answers up to `inb`; `ours` is nil when no server pads.
    static func observe(out: Int?, inb: Int?, ours: Bool = true, mtu: Int? = nil) -> DatagramObservations {
        var o = DatagramObservations()
        for size in sizes {
            var z = DatagramSizeObservation(size: size)
            if let out, size <= out { z.answeredBy = ["ours", "public"] }
            if ours, let inb, size <= inb { z.paddedBy = ["ours"] }
            if ours, inb != nil, let out, size <= out, size > inb! { z.paddedLostFrom = ["ours"] }
            o.sizes.append(z)
        }
        if let mtu { o.mtuReports = [(mtu, "router 198.51.100.1")] }
        return o
    }

    @Test("a full path: 1472 both ways, no finding")
    func fullPath() {
        let s = DatagramClassifier.classify(Self.observe(out: 1472, inb: 1472))
        #expect(s.status == .checked)
        #expect(s.outboundMax == 1472 && s.inboundMax == 1472)
        #expect(s.outboundFailedAt == nil && s.inboundFailedAt == nil)
        #expect(PathLimitRules.findings(s).isEmpty)
        #expect(PathLimitsContent.datagramLine(s) == "Largest datagram (UDP payload, DF): out 1472+ bytes, in 1472+ bytes")
    }

    @Test("an MTU of 1280 each way: 1200 crosses, 1280 does not; datagram-reduced naming the MTU")
    func mtu1280() throws {
        let s = DatagramClassifier.classify(Self.observe(out: 1200, inb: 1200, mtu: 1280))
        #expect(s.outboundMax == 1200 && s.outboundFailedAt == 1280 && s.reportedMTU == 1280)
        let f = try #require(PathLimitRules.findings(s).first)
        #expect(f.code == .datagramReduced && !f.blocking)
        #expect(f.largest == 1200 && f.failedAt == 1280)
        let words = PathLimitsContent.words(f)
        #expect(words.meaning.contains("1280 bytes"))
        #expect(words.furtherReading.map(\.reference) == ["https://www.rfc-editor.org/rfc/rfc9000#section-14"])
    }

    @Test("1200 dropped silently: 1000 is the largest, datagram-too-small blocks and the verdict says so")
    func dropOver1200() throws {
        let s = DatagramClassifier.classify(Self.observe(out: 1000, inb: 1000))
        let f = try #require(PathLimitRules.findings(s).first)
        #expect(f.code == .datagramTooSmall && f.blocking && f.direction == .outbound)
        var report = Report(datagram: s)
        report.verdict = Verdict.derive(from: report)
        #expect(report.verdict.blocking)
        #expect(report.verdict.reasons.contains(PathLimitsContent.words(f).headline))
        // Its first advice leads the next steps (no step of the report fails here).
        #expect(Guide.nextSteps(for: report).first == PathLimitsContent.words(f).advice.first)
    }

    @Test("only the inbound direction is narrow: the finding says inbound")
    func inboundOnly() throws {
        let s = DatagramClassifier.classify(Self.observe(out: 1472, inb: 1000))
        #expect(s.inboundMax == 1000 && s.inboundFailedAt == 1200)
        let f = try #require(PathLimitRules.findings(s).first)
        #expect(f.code == .datagramTooSmall && f.direction == .inbound)
    }

    @Test("servers that ignore the padding request leave inbound not proven, never blocked")
    func publicServersOnly() {
        let s = DatagramClassifier.classify(Self.observe(out: 1472, inb: nil, ours: false))
        #expect(s.inboundMax == nil && s.inboundFailedAt == nil)
        #expect(PathLimitRules.findings(s).isEmpty)
        #expect(s.evidence.contains { $0.hasPrefix("inbound not proven") })
        #expect(PathLimitsContent.datagramLine(s)?.contains("in not proven") == true)
    }

    @Test("nothing answered at any size: inconclusive, no finding")
    func silence() {
        let s = DatagramClassifier.classify(Self.observe(out: nil, inb: nil))
        #expect(s.status == .inconclusive && s.outboundMax == nil)
        #expect(PathLimitRules.findings(s).isEmpty)
    }

    @Test("loopback: every size crosses both ways with DF against p2ptui serve")
    func loopback() async throws {
        let server = try STUNServer(addresses: ServerAddresses(primary: .v4(127, 0, 0, 1), alternate: .v4(127, 0, 0, 2), port: 26750))
        Thread { server.run() }.start()
        defer { server.stop() }
        // The window is a hang guard here: every size is answered at once on loopback.
        let section = await DatagramProbe(servers: ["127.0.0.1:26750"], deadline: .after(seconds: 20), window: 20).run()
        #expect(section.status == .checked)
        #expect(section.outboundMax == 1472)
        #expect(section.inboundMax == 1472)
        #expect(server.stats.padded >= Self.sizes.count)
    }
}

/// A binding server that never pads (like the large public ones): it answers every request with a
/// bare XOR-MAPPED-ADDRESS, whatever the request carries.
final class UnpaddedServer: Sendable {
    let socket: UDPSocket
    init(port: UInt16) throws {
        socket = try UDPSocket(family: .ipv4, bindTo: TransportAddress(.v4(127, 0, 0, 1), port))
        let s = socket
        Thread {
            while let d = try? s.receive(timeout: 30) {
                guard let m = try? STUNMessage.decode(d.bytes) else { continue }
                let answer = STUNMessage(type: .bindingSuccess, transactionID: m.transactionID, attributes: [.xorMappedAddress(d.source)])
                try? s.send(answer.encode(), to: d.source)
            }
        }.start()
    }
    func stop() { socket.close() }
}

extension DatagramTests {
    @Test("loopback: a server that never pads proves outbound only; inbound stays not proven")
    func loopbackUnpadded() async throws {
        let server = try UnpaddedServer(port: 26720)
        defer { server.stop() }
        let section = await DatagramProbe(servers: ["127.0.0.1:26720"], deadline: .after(seconds: 20), window: 20).run()
        #expect(section.status == .checked)
        #expect(section.outboundMax == 1472)
        #expect(section.inboundMax == nil && section.inboundFailedAt == nil)
        #expect(PathLimitRules.findings(section).isEmpty)
    }
}

extension DatagramTests {
    @Test("older reports without the new sections decode; the sections round-trip with nulls written out")
    func schema() throws {
        var old = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Report())) as! [String: Any]
        old.removeValue(forKey: "datagram")
        old.removeValue(forKey: "mappingLifetime")
        let decoded = try JSONDecoder().decode(Report.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.datagram == nil && decoded.mappingLifetime == nil)
        let r = Report(datagram: DatagramSection(status: .checked, outboundMax: 1472, sizes: Self.sizes),
                       mappingLifetime: MappingLifetimeSection(status: .checked, minSeconds: 15, maxSeconds: 25, limitSeconds: 300))
        let text = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        #expect(text.contains("\"inboundMax\":null"))
        #expect(try JSONDecoder().decode(Report.self, from: Data(text.utf8)) == r)
    }
}
