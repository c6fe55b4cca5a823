// The lab itself, checked with clients nobody here wrote, so a p2ptui failure in ScenarioTests
// points at p2ptui and not at a router that does not do what its scenario says.
import Foundation
import Testing

/// What the classic RFC 3489 client (`stun`, Debian stun-client) prints on its "Primary:" line,
/// against coturn, for each scenario (measured values are in docs/lab.md).
struct StunClientExpectation: Sendable, CustomTestStringConvertible {
    let scenario: String
    let contains: [String]
    var testDescription: String { scenario }

    static let all: [StunClientExpectation] = [
        .init(scenario: "open", contains: ["Primary: Open"]),
        .init(scenario: "firewall", contains: ["Primary: Firewall"]),
        .init(scenario: "eim", contains: ["Independent Mapping", "Port Dependent Filter", "no hairpin"]),
        .init(scenario: "fullcone", contains: ["Independent Mapping", "Independent Filter"]),
        .init(scenario: "restricted", contains: ["Independent Mapping", "Address Dependent Filter"]),
        .init(scenario: "symmetric", contains: ["Dependent Mapping", "random port"]),
        .init(scenario: "double", contains: ["Independent Mapping", "Port Dependent Filter"]),
        .init(scenario: "udp-blocked", contains: ["Blocked"]),
        .init(scenario: "hairpin", contains: ["Independent Mapping", "will hairpin"]),
        .init(scenario: "upnp", contains: ["Independent Mapping", "Port Dependent Filter"]),
    ]
}

extension NATLab {
@Suite("NAT lab self-check")
struct LabSelfTests {
    /// Every scenario behaves as named, judged by the classic stun client against coturn.
    @Test(.needsTools("stun"), arguments: StunClientExpectation.all)
    func stunClientSeesScenario(_ want: StunClientExpectation) throws {
        let outcome = try Lab.inScenario(want.scenario, ["stun", Lab.coturnHost], timeout: 60)
        let primary = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("Primary:") }.map(String.init) ?? ""
        for needle in want.contains {
            #expect(primary.contains(needle),
                    "\(want.scenario): stun printed '\(primary)'; stdout:\n\(outcome.stdout)\nstderr:\n\(outcome.stderr)")
        }
        #expect(try Lab.leftoverNamespaces().isEmpty)
    }

    /// `run` exits with the command's status and leaves nothing behind.
    @Test func runPropagatesStatusAndCleansUp() throws {
        let failing = try Lab.inScenario("eim", ["sh", "-c", "exit 7"], timeout: 60)
        #expect(failing.status == 7, "stderr:\n\(failing.stderr)")
        let addresses = try Lab.inScenario("eim", ["ip", "-4", "-o", "addr", "show", "dev", "eth0"], timeout: 60)
        #expect(addresses.status == 0)
        #expect(addresses.stdout.contains("192.168.1.2/24"), "\(addresses.stdout)")
        #expect(try Lab.leftoverNamespaces().isEmpty)
    }

    /// `up` twice rebuilds, `exec` reaches every namespace, `down` twice is harmless and removes
    /// every namespace and daemon.
    @Test func upExecDownIsIdempotent() throws {
        defer { _ = try? Lab.run([Lab.natlab, "down"], timeout: 30) }
        #expect(try Lab.run([Lab.natlab, "up", "double"], timeout: 60).status == 0)
        let again = try Lab.run([Lab.natlab, "up", "double"], timeout: 60)
        #expect(again.status == 0, "second up: \(again.stderr)")
        for (role, address) in [("client", "192.168.1.2"), ("router", "100.64.0.2"),
                                ("router2", "198.51.100.2"), ("inet", "203.0.113.20")] {
            let shown = try Lab.run([Lab.natlab, "exec", role, "ip", "-4", "-o", "addr"], timeout: 30)
            #expect(shown.stdout.contains(address), "\(role): \(shown.stdout) \(shown.stderr)")
        }
        // Nothing routes out of the lab: the simulated internet has no default route at all.
        let inetRoutes = try Lab.run([Lab.natlab, "exec", "inet", "ip", "route", "show", "default"], timeout: 30)
        #expect(inetRoutes.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        // coturn runs inside the lab's inet namespace (and only there).
        let pids = try Lab.run(["ip", "netns", "pids", "\(Lab.prefix)-inet"], timeout: 30)
        let daemons = pids.stdout.split(separator: "\n").compactMap { Int32($0) }
        #expect(!daemons.isEmpty, "nothing runs in inet: \(pids.stdout) \(pids.stderr)")
        #expect(try Lab.run([Lab.natlab, "down"], timeout: 30).status == 0)
        #expect(try Lab.run([Lab.natlab, "down"], timeout: 30).status == 0)
        #expect(try Lab.leftoverNamespaces().isEmpty)
        for daemon in daemons { #expect(!Lab.isAlive(daemon), "process \(daemon) survived down") }
    }

    /// The gateway really answers UPnP IGD and NAT-PMP with its WAN address (what the gateway
    /// probe will read). miniupnpd only reports a documentation-range address after its own STUN
    /// check; upnpc still flags it as reserved ("not connected?"), hence `-i`.
    @Test(.needsTools("miniupnpd", "upnpc", "python3")) func upnpGatewayReportsWANAddress() throws {
        let natpmp = """
            import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
            s.sendto(b"\\0\\0", ("192.168.1.1", 5351)); d = s.recv(64)
            print("natpmp", d[1], int.from_bytes(d[2:4], "big"), socket.inet_ntoa(d[8:12]))
            """
        let outcome = try Lab.inScenario("upnp", ["sh", "-c", "upnpc -i -s; python3 -c '\(natpmp)'"], timeout: 60)
        #expect(outcome.stdout.contains("ExternalIPAddress = \(Lab.routerWAN)"), "\(outcome.stdout)\n\(outcome.stderr)")
        // RFC 6886 §3.2: opcode 128 (reply to 0), result 0, then the external address.
        #expect(outcome.stdout.contains("natpmp 128 0 \(Lab.routerWAN)"), "\(outcome.stdout)\n\(outcome.stderr)")
    }
}
}
