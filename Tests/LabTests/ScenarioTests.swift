// p2ptui against real Linux NATs: `p2ptui check --json` in the client namespace of each natlab
// scenario, decoded into `Report`, compared with what the router really does (docs/lab.md has the
// same scenarios checked by coturn's and the classic stun client).
import Foundation
import P2PReport
import Testing

/// What a correct RFC 5780 client must report behind one scenario's router.
struct NATExpectation: Sendable, CustomTestStringConvertible {
    let scenario: String
    /// nil: not asserted (no UDP gets through, so there is nothing to map).
    let mapping: NATMapping?
    /// nil: not asserted (a symmetric NAT's class does not depend on it).
    let filtering: NATFiltering?
    let classic: ClassicNATType
    var testDescription: String { scenario }

    static let open = NATExpectation(scenario: "open", mapping: .noNAT, filtering: .endpointIndependent,
                                     classic: .openInternet)
    static let firewall = NATExpectation(scenario: "firewall", mapping: .noNAT,
                                         filtering: .addressAndPortDependent, classic: .symmetricUDPFirewall)
    static let eim = NATExpectation(scenario: "eim", mapping: .endpointIndependent,
                                    filtering: .addressAndPortDependent, classic: .portRestrictedCone)
    static let fullcone = NATExpectation(scenario: "fullcone", mapping: .endpointIndependent,
                                         filtering: .endpointIndependent, classic: .fullCone)
    static let restricted = NATExpectation(scenario: "restricted", mapping: .endpointIndependent,
                                           filtering: .addressDependent, classic: .restrictedCone)
    static let symmetric = NATExpectation(scenario: "symmetric", mapping: .addressAndPortDependent,
                                          filtering: nil, classic: .symmetricNAT)
    /// Two masquerading layers still map endpoint-independently.
    static let double = NATExpectation(scenario: "double", mapping: .endpointIndependent,
                                       filtering: .addressAndPortDependent, classic: .portRestrictedCone)
    static let udpBlocked = NATExpectation(scenario: "udp-blocked", mapping: nil, filtering: nil,
                                           classic: .blocked)
    static let hairpin = NATExpectation(scenario: "hairpin", mapping: .endpointIndependent,
                                        filtering: .addressAndPortDependent, classic: .portRestrictedCone)
    static let upnp = NATExpectation(scenario: "upnp", mapping: .endpointIndependent,
                                     filtering: .addressAndPortDependent, classic: .portRestrictedCone)

    static let all: [NATExpectation] = [open, firewall, eim, fullcone, restricted, symmetric, double,
                                        udpBlocked, hairpin, upnp]
}

/// Runs `p2ptui check --json` in a scenario and decodes the report; nil (after recording why)
/// when the lab is unavailable or the output is not a report.
func labReport(_ scenario: String, servers: [String] = [Lab.p2ptuiServer, Lab.coturnServer],
               sourceLocation: SourceLocation = #_sourceLocation) throws -> Report? {
    try labJSON(scenario, as: Report.self, servers: servers, sourceLocation: sourceLocation)
}

/// Runs `p2ptui check --json` in a scenario and decodes its output as `T`; nil (after recording
/// why) when the lab is unavailable or the output does not decode.
func labJSON<T: Decodable>(_ scenario: String, as: T.Type, servers: [String] = [Lab.p2ptuiServer, Lab.coturnServer],
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> T? {
    var command = [Lab.p2ptui, "check", "--json"]
    for server in servers { command += ["--stun", server] }
    let outcome = try Lab.inScenario(scenario, command)
    #expect(!outcome.timedOut, "p2ptui check timed out in \(scenario)", sourceLocation: sourceLocation)
    // Exit status (docs: 0 ok, 1 a blocking finding, 3 undecided) is judged by the fields below.
    #expect([0, 1, 3].contains(outcome.status),
            "p2ptui check exited \(outcome.status) in \(scenario); stderr:\n\(outcome.stderr)",
            sourceLocation: sourceLocation)
    do {
        return try JSONDecoder().decode(T.self, from: Data(outcome.stdout.utf8))
    } catch {
        let stdout = String(outcome.stdout.prefix(2000)), stderr = String(outcome.stderr.suffix(2000))
        Issue.record("\(scenario): stdout is not a \(T.self) (\(error))\nstdout:\n\(stdout)\nstderr:\n\(stderr)",
                     sourceLocation: sourceLocation)
        return nil
    }
}

/// The NAT section matches the scenario; evidence is printed on failure.
func expectNAT(_ report: Report, _ want: NATExpectation, sourceLocation: SourceLocation = #_sourceLocation) {
    let nat = report.nat
    let context = "\(want.scenario): nat=\(nat.mapping.rawValue)/\(nat.filtering.rawValue)/"
        + "\(nat.classicType.rawValue) status=\(nat.status.rawValue) evidence=\(nat.evidence)"
    if let mapping = want.mapping {
        #expect(nat.mapping == mapping, "\(context)", sourceLocation: sourceLocation)
    }
    if let filtering = want.filtering {
        #expect(nat.filtering == filtering, "\(context)", sourceLocation: sourceLocation)
    }
    #expect(nat.classicType == want.classic, "\(context)", sourceLocation: sourceLocation)
    if want.classic == .blocked {
        #expect(report.udp.status != .open, "\(want.scenario): udp=\(report.udp.status.rawValue)",
                sourceLocation: sourceLocation)
    } else {
        #expect(nat.status == .checked, "\(context)", sourceLocation: sourceLocation)
        // Behind a NAT the public address is the router's; without one it is the client's own.
        let publicIP = nat.publicEndpoint?.split(separator: ":").first.map(String.init)
        let expectedIP = want.mapping == .noNAT ? "192.0.2.2" : Lab.routerWAN
        #expect(publicIP == expectedIP, "\(context) publicEndpoint=\(nat.publicEndpoint ?? "nil")",
                sourceLocation: sourceLocation)
    }
}

extension NATLab {
@Suite("NAT lab scenarios")
struct ScenarioTests {
    private func check(_ want: NATExpectation, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let report = try labReport(want.scenario, sourceLocation: sourceLocation) else { return }
        expectNAT(report, want, sourceLocation: sourceLocation)
    }

    @Test func open() throws { try check(.open) }
    @Test func firewall() throws { try check(.firewall) }
    @Test func eim() throws { try check(.eim) }
    @Test func fullcone() throws { try check(.fullcone) }
    @Test func restricted() throws { try check(.restricted) }
    @Test func symmetric() throws { try check(.symmetric) }
    @Test func doubleMapping() throws { try check(.double) }
    @Test func udpBlocked() throws { try check(.udpBlocked) }
    @Test func hairpinMapping() throws { try check(.hairpin) }
    @Test func upnpMapping() throws { try check(.upnp) }

    /// The coded findings and the verdict's codes of `check --json`.
    struct Coded: Decodable {
        var findings: [ReportFinding]
        var verdict: Verdict
    }

    /// Behind the symmetric router the NAT step's coded finding is the one that decides the verdict.
    @Test func symmetricVerdictLeadsWithEndpointDependentMapping() throws {
        guard let coded = try labJSON("symmetric", as: Coded.self) else { return }
        let nat = coded.findings.first { $0.code == .mappingEndpointDependent }
        #expect(nat?.step == .natType && nat?.status == .fail && nat?.blocking == true && nat?.weight == .unlikely,
                "findings: \(coded.findings.map(\.code.rawValue))")
        #expect(coded.verdict.codes.first == .mappingEndpointDependent, "verdict.codes: \(coded.verdict.codes)")
        #expect(coded.verdict.directConnection == .unlikely)
    }

    // Double NAT, hairpin and the gateway's own external address: GatewayLabTests.

    /// The same classification against coturn alone: a server nobody here wrote, so a client bug
    /// mirrored by our own server cannot hide.
    @Test(arguments: [NATExpectation.open, .firewall, .eim, .fullcone, .restricted, .symmetric, .udpBlocked])
    func againstCoturnOnly(_ want: NATExpectation) throws {
        guard let report = try labReport(want.scenario, servers: [Lab.coturnServer]) else { return }
        expectNAT(report, want)
    }
}
}
