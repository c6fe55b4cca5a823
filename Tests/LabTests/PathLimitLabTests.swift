// The path's limits against real Linux routers: the largest datagram each way behind a small-MTU
// link and behind a router that drops large UDP datagrams, and the idle mapping lifetime behind
// conntrack timeouts of 20 s and 60 s (scripts/natlab: mtu-1280, drop-over-1200, udp-timeout-20/60).
import Foundation
import P2PReport
import Testing

extension NATLab {
@Suite("Path limits in the lab")
struct PathLimitLabTests {
    /// Datagram section and finding, with the evidence printed on failure.
    func expectDatagram(_ scenario: String, servers: [String] = [Lab.p2ptuiServer, Lab.coturnServer],
                        out: Int, outFailed: Int?, inb: Int?, code: FindingCode?,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let report = try labReport(scenario, servers: servers, sourceLocation: sourceLocation) else { return }
        let d = try #require(report.datagram, sourceLocation: sourceLocation)
        let context = "\(scenario): \(d.evidence)"
        #expect(d.status == .checked, "\(context)", sourceLocation: sourceLocation)
        #expect(d.outboundMax == out, "\(context)", sourceLocation: sourceLocation)
        #expect(d.outboundFailedAt == outFailed, "\(context)", sourceLocation: sourceLocation)
        #expect(d.inboundMax == inb, "\(context)", sourceLocation: sourceLocation)
        #expect(PathLimitRules.findings(d).first?.code == code, "\(context)", sourceLocation: sourceLocation)
        if code == .datagramTooSmall {
            #expect(report.verdict.blocking, "\(context)", sourceLocation: sourceLocation)
        }
    }

    @Test("a plain NAT carries 1472 bytes both ways")
    func plainPath() throws {
        try expectDatagram("eim", out: 1472, outFailed: nil, inb: 1472, code: nil)
    }

    @Test("a 1280-byte MTU link: 1200 crosses both ways, 1280 does not; datagram-reduced")
    func mtu1280() throws {
        try expectDatagram("mtu-1280", out: 1200, outFailed: 1280, inb: 1200, code: .datagramReduced)
    }

    @Test("a router dropping UDP over 1200 bytes: 1000 is the largest; datagram-too-small blocks")
    func dropOver1200() throws {
        try expectDatagram("drop-over-1200", out: 1000, outFailed: 1200, inb: 1000, code: .datagramTooSmall)
    }

    /// `check --lifetime` in a conntrack-timeout scenario under its own lab prefix (so two run at once).
    static func lifetime(_ scenario: String, limit: Int, prefix: String) async throws -> (Report?, Double) {
        let command = [Lab.natlab, "run", scenario, Lab.p2ptui, "check", "--json", "--stun", Lab.p2ptuiServer,
                       "--lifetime", "--lifetime-max", String(limit)]
        let start = Date()
        let outcome = try await Lab.runAsync(command, timeout: Double(limit) + 120, environment: ["NATLAB_PREFIX": prefix])
        let took = Date().timeIntervalSince(start)
        #expect(!outcome.timedOut, "\(scenario) timed out")
        return (try? JSONDecoder().decode(Report.self, from: Data(outcome.stdout.utf8)), took)
    }

    @Test("check --lifetime: an interval at most 10 s wide around conntrack timeouts of 20 s and 60 s")
    func mappingLifetime() async throws {
        // Both at once, each under its own prefix: about 70 s instead of 100.
        async let short = Self.lifetime("udp-timeout-20", limit: 40, prefix: Lab.prefix + "a")
        async let long = Self.lifetime("udp-timeout-60", limit: 90, prefix: Lab.prefix + "b")
        let ((r20, t20), (r60, t60)) = try await (short, long)
        print("PathLimitLabTests: udp-timeout-20 \(r20?.mappingLifetime.map { "\($0.minSeconds ?? -1)-\($0.maxSeconds ?? -1) s" } ?? "no report") in \(Int(t20)) s; "
              + "udp-timeout-60 \(r60?.mappingLifetime.map { "\($0.minSeconds ?? -1)-\($0.maxSeconds ?? -1) s" } ?? "no report") in \(Int(t60)) s")
        for (report, timeout) in [(r20, 20), (r60, 60)] {
            let m = try #require(report?.mappingLifetime, "no report for the \(timeout) s scenario")
            let context = "\(timeout) s: \(m.evidence)"
            #expect(m.status == .checked, "\(context)")
            let min = m.minSeconds ?? -1, max = m.maxSeconds ?? -1
            #expect(min <= timeout && timeout <= max, "\(context)")
            #expect(max - min <= 10, "\(context)")
            let short = PathLimitRules.findings(m).first?.code == .shortMappingLifetime
            #expect(short == (timeout < 30), "\(context)")
        }
    }
}
}
