// The words around the steps: the welcome, the overall answer, IPv6, the logs, section labels and
// names. Shared by every front end, like the steps themselves (Steps.swift).

public enum Pages {
    // MARK: Section labels (the wizard and the summary use the same headings)

    public static let factsLabel = "What was found"
    public static let meaningLabel = "What it means"
    public static let adviceLabel = "What to do"
    public static let readingLabel = "Further reading"
    public static let nextStepsLabel = "Next steps"

    // MARK: Welcome

    public static let welcome: [String] = [
        "Peer-to-peer means the Client and the Connector send packets straight to each other over UDP "
            + "(QUIC). When that is not possible, traffic goes through a Relay: it still works, but every "
            + "packet takes a detour, so it is slower and adds latency.",
        "To get a direct connection, both machines must pass the checks that follow: outbound UDP allowed, "
            + "a NAT that keeps the same public port for every destination, no second NAT, and no cloud NAT "
            + "gateway that changes ports.",
    ]
    public static let welcomeReading: [Reading] = [natTraversal, wikipediaNAT]

    // MARK: Overall answer

    /// One-line headline of the overall answer.
    public static func headline(_ level: DirectConnection) -> String {
        switch level {
        case .likely: return "Direct connection: LIKELY"
        case .possible: return "Direct connection: POSSIBLE"
        case .unlikely: return "Direct connection: UNLIKELY"
        case .unknown: return "Direct connection: UNKNOWN"
        }
    }

    /// The first reason when nothing stands in the way.
    public static let nothingInTheWay = "Nothing found stands in the way of a direct peer-to-peer connection from this side."

    /// What the answer means for connections, when it says more than the reasons (nil for likely).
    public static func meaning(_ level: DirectConnection) -> String? {
        switch level {
        case .likely: return nil
        case .possible:
            return "A direct connection may work, but something found here can stop it. If it fails, "
                + "connections still work through a relay, only slower."
        case .unlikely:
            return "Something found on this side stops direct connections: expect connections to go "
                + "through a relay (they work, but slower) until it is fixed."
        case .unknown:
            return "The NAT could not be checked at all, so nothing can be said yet: fix what stopped the "
                + "check (see the next steps) and run it again."
        }
    }

    /// The last next steps, for every report: the other side, then what real connections did.
    static func closingSteps(role: Role) -> [String] {
        let other = role == .client ? "the Connector" : role == .connector ? "the Client" : "the other side"
        return [
            "Run the same check on \(other) (both sides must pass), save both as JSON and run "
                + "`p2ptui compare client.json connector.json`.",
            "Check whether real connections go direct or through a relay: the Logs step says where to look.",
        ]
    }

    // MARK: IPv6 (not an article step)

    public static let ipv6Title = "IPv6 (not an article step)"

    /// One line on IPv6, then the probe's evidence.
    public static func ipv6Facts(_ r: Report) -> [String] {
        let s = r.ipv6
        let line: String
        switch s.status {
        case .works:
            line = "Works" + (s.globalAddress.map { " from \($0)" } ?? "") + (s.publicEndpoint.map { ", STUN saw \($0)" } ?? "")
        case .blocked:
            line = "A global address exists" + (s.globalAddress.map { " (\($0))" } ?? "") + ", but STUN over IPv6 got no answer"
        case .noGlobalAddress: line = "No global IPv6 address on this machine"
        case .notChecked: line = "Not checked"
        }
        return [line] + s.evidence
    }

    // MARK: Logs: did real connections go direct?

    /// One statement about the product, with the public page that says so.
    public struct Claim: Sendable, Equatable, Codable {
        public var text: String
        public var source: String
    }

    public static let logsTitle = "Logs: direct or relayed?"
    public static let logsIntro = "This check says what the networks allow; the product's own records say "
        + "what real connections did."
    /// Each claim checked on the vendor's public page it links to; nothing unchecked is kept.
    public static let logs: [Claim] = [
        Claim(text: "In the Admin Console, a Connector's connection details show relayed connections as "
                + "\"Relayed\"; most or all of them relayed means peer-to-peer is failing.",
              source: "https://www.twingate.com/docs/firewall-failures"),
        Claim(text: "The Connector's details in the Admin Console show whether STUN discovery works; "
                + "without it the Connector cannot make peer-to-peer connections.",
              source: "https://www.twingate.com/docs/connector-details"),
        Claim(text: "Clients and Connectors need outbound TCP 443 to *.twingate.com (the Controller and "
                + "the relays) and TCP 30000-31000 to the relays (the relayed fallback); peer-to-peer needs "
                + "outbound UDP to all destinations.",
              source: "https://www.twingate.com/docs/firewall-failures"),
        Claim(text: "The vendor names four causes of failed peer-to-peer connections: UDP or QUIC blocked, "
                + "some addresses or ports blocked outbound, double NAT, and an incompatible NAT type.",
              source: "https://www.twingate.com/docs/troubleshooting-p2p"),
    ]
    public static let logsClosing = "If connections are relayed while both sides pass every step here, attach "
        + "both saved reports to the support ticket."

    // MARK: Live test with the other side (p2ptui punch)

    public static let punchTitle = "Live test with the other side"

    /// The result in one line, as `punch`, the wizard's dialog and the summary show it.
    /// - Parameter deadlineSeconds: how long the checks ran, when known (the CLI and the dialog).
    public static func punchHeadline(_ p: PunchSection, deadlineSeconds: Double? = nil, ascii: Bool = false) -> String {
        if p.direct {
            let rtt = p.rttMs.map { v -> String in
                let tenths = (v * 10).rounded() / 10
                return tenths == tenths.rounded() ? "\(Int(tenths)).0" : "\(tenths)"
            } ?? "?"
            return "DIRECT path proven: local \(p.localEndpoint ?? "?") \(ascii ? "<->" : "↔") peer "
                + "\(p.remoteEndpoint ?? "?"), RTT \(rtt) ms, after \(p.elapsedMs ?? 0) ms"
        }
        let within = deadlineSeconds.map { s in " in " + (s == s.rounded() ? "\(Int(s))" : "\((s * 10).rounded() / 10)") + " s" } ?? ""
        return "no direct path\(within): traffic would go through a relay"
    }

    // MARK: Names

    /// The provider's name as people write it.
    public static func providerName(_ p: CloudProvider) -> String {
        switch p {
        case .aws: return "AWS"
        case .gcp: return "Google Cloud"
        case .azure: return "Azure"
        case .none: return "none (not a cloud VM)"
        case .unknown: return "unknown"
        }
    }

    public static func roleName(_ role: Role) -> String {
        switch role {
        case .client: return "Client"
        case .connector: return "Connector"
        case .unknown: return "not given (Client or Connector)"
        }
    }

    /// What one STUN server did, in one line.
    static func describe(_ s: ServerObservation) -> String {
        var line = "STUN \(s.server)"
        if let a = s.address, a != s.server { line += " (\(a))" }
        line += ": \(s.outcome.rawValue)"
        if let rtt = s.rttMs {
            let tenths = (rtt * 10).rounded() / 10
            line += tenths == tenths.rounded() ? " in \(Int(tenths)) ms" : " in \(tenths) ms"
        }
        if let m = s.mappedEndpoint { line += ", saw \(m)" }
        if let o = s.otherAddress { line += ", other address \(o)" }
        switch s.supportsBehaviorTests {
        case true?: line += ", behaviour tests supported"
        case false?: line += ", behaviour tests not supported"
        case nil: break
        }
        if let d = s.detail { line += " (\(d))" }
        return line
    }

    // MARK: Further reading

    public static let rfc4787 = rfc(4787, "NAT behavioural requirements for unicast UDP")
    public static let rfc5780 = rfc(5780, "NAT behaviour discovery using STUN")
    public static let rfc8489 = rfc(8489, "Session Traversal Utilities for NAT (STUN)")
    public static let natTraversal = Reading(title: "How NAT traversal works (Tailscale blog)",
                                             reference: "https://tailscale.com/blog/how-nat-traversal-works")
    public static let wikipediaNAT = Reading(title: "Network address translation (Wikipedia)",
                                             reference: "https://en.wikipedia.org/wiki/Network_address_translation")
    public static let pystun3 = Reading(title: "pystun3: a STUN client printing the classic NAT type",
                                        reference: "https://github.com/talkiq/pystun3")

    /// An RFC on the RFC Editor's site, titled "RFC N: title".
    static func rfc(_ number: Int, _ title: String) -> Reading {
        Reading(title: "RFC \(number): \(title)", reference: "https://www.rfc-editor.org/rfc/rfc\(number)")
    }
}
