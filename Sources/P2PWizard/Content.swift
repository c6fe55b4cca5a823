// The wizard's own words: what each screen checks and why, in the support article's order. Findings,
// evidence and advice for a given report come from P2PExport's `Guide`, shared with the summary.
import P2PReport
import P2PExport

enum Readings {
    static let rfc4787 = Reading(title: "RFC 4787: NAT Behavioral Requirements for Unicast UDP",
                                 reference: "https://www.rfc-editor.org/rfc/rfc4787")
    static let rfc5780 = Reading(title: "RFC 5780: NAT Behavior Discovery Using STUN",
                                 reference: "https://www.rfc-editor.org/rfc/rfc5780")
    static let rfc8489 = Reading(title: "RFC 8489: Session Traversal Utilities for NAT (STUN)",
                                 reference: "https://www.rfc-editor.org/rfc/rfc8489")
    static let natTraversal = Reading(title: "How NAT traversal works (Tailscale blog)",
                                      reference: "https://tailscale.com/blog/how-nat-traversal-works")
    static let wikipedia = Reading(title: "Network address translation (encyclopedia entry)",
                                   reference: "https://en.wikipedia.org/wiki/Network_address_translation")
    static let pystun3 = Reading(title: "pystun3: the classic NAT type test",
                                 reference: "https://github.com/talkiq/pystun3")

    /// Fallback list per screen, used when the shared guide has none.
    static func forScreen(_ s: Screen) -> [Reading] {
        switch s {
        case .welcome: return [natTraversal, wikipedia]
        case .firewall: return [rfc4787, natTraversal]
        case .natType: return [rfc4787, rfc5780, rfc8489, pystun3, wikipedia]
        case .doubleNat: return [natTraversal, wikipedia]
        case .hairpin: return [rfc4787, natTraversal]
        case .cloudNat: return [rfc4787, natTraversal]
        case .logs: return [natTraversal]
        case .summary: return [rfc4787, rfc5780, rfc8489, natTraversal, wikipedia, pystun3]
        }
    }
}

enum Explain {
    /// Short explanation shown at the top of each screen.
    static func intro(_ s: Screen) -> [String] {
        switch s {
        case .welcome:
            return [
                "Peer-to-peer means the Client and the Connector send packets straight to each other over UDP (QUIC). When that is not possible, traffic goes through a Relay: it still works, but every packet takes a detour, so it is slower and adds latency.",
                "A direct connection is preferred. To get one, both machines must pass the checks that follow: outbound UDP allowed, a NAT that keeps the same public port for every destination, no second NAT, and no cloud NAT gateway that changes ports.",
                "Probes are already running in the background. Move through the steps at your own pace; each step shows its result as soon as it is ready.",
            ]
        case .firewall:
            return ["Peer-to-peer needs outbound UDP to any port of any public IP, and nothing that filters P2P or QUIC traffic: not the OS firewall, not security software, not the router's application (L7) filter, and not the ISP."]
        case .natType:
            return [
                "A NAT gives your private address a public address and port. Its mapping behaviour decides whether peer-to-peer can work: with endpoint-independent mapping (EIM) the NAT reuses the same public port for every destination, so the port a STUN server sees is the port the peer can use.",
                "If the public port changes per destination (endpoint-dependent mapping, the classic \"Symmetric NAT\"), the port learned from STUN is useless to the peer and direct connections mostly fail. Filtering decides which inbound packets are let in; it matters less, because both sides send first.",
            ]
        case .doubleNat:
            return ["Two NATs in a row (an ISP router in front of your own router, or carrier-grade NAT) make a direct path much less likely, because both NATs must behave well. Evidence: the address the gateway reports for itself, private or shared (100.64.0.0/10) hops on the path, and a public address that differs from the gateway's."]
        case .hairpin:
            return ["Hairpinning is a NAT sending a packet addressed to its own public address back inside. It matters only when the Client and the Connector sit on the same LAN behind the same NAT: they then learn each other's public address and need the NAT to loop the packets back (RFC 4787 REQ-9)."]
        case .cloudNat:
            return ["Cloud NAT gateways (AWS NAT Gateway, Azure NAT Gateway, Google Cloud NAT with default settings) pick a new public port per destination, which defeats peer-to-peer. A Connector in the cloud should have its own public address: on AWS a public subnet behind an Internet Gateway instead of a NAT Gateway; on Google Cloud an external IP, or Cloud NAT with endpoint-independent mapping; on Azure an instance-level public IP."]
        case .logs:
            return [
                "The probes show whether a direct path is possible; the logs show what actually happened. In the admin console, the connection details name the path (direct peer-to-peer or relayed) (unverified).",
                "Client logs: look for the NAT type the Client detected and for lines saying the connection went peer-to-peer or fell back to a relay (unverified).",
                "Connector logs: with analytics logging on (TWINGATE_LOG_ANALYTICS=v2) the Connector writes ANALYTICS {json} lines whose connection fields name the tunnel path and protocol (unverified).",
                "The logs may not be written continuously: reproduce the connection first (open the resource again), then read the logs from that moment.",
            ]
        case .summary:
            return []
        }
    }
}

extension Role {
    var displayName: String {
        switch self {
        case .client: return "Client"
        case .connector: return "Connector"
        case .unknown: return "not sure"
        }
    }
}
