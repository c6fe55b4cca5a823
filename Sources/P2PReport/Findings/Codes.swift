// The shared vocabulary of findings: stable codes a program can read, the NAT devices the fix
// catalogue knows, and the shape of one fix. Rules that decide codes live beside this file; the
// words for each code live in Content/. docs/report-schema.md documents every code.

/// What a check found, as a stable kebab-case name (never reworded; add new codes, never rename).
public enum FindingCode: String, Codable, Sendable, CaseIterable, Comparable {
    // Firewall step
    /// No UDP datagram reached any public destination.
    case udpBlocked = "udp-blocked"
    /// Some destination ports were blocked, others reached.
    case udpPartial = "udp-partial"
    /// UDP reached, but QUIC-shaped packets to 443 were dropped.
    case quicFiltered = "quic-filtered"
    /// Outbound UDP reached every probed port (ports left unproven by an ICMP rate limit aside).
    case udpOpen = "udp-open"
    /// Only UDP to the STUN server was proven; the egress probe could not prove other ports.
    case udpStunOnly = "udp-stun-only"
    /// The egress probe ran but proved nothing either way, and no STUN server answered.
    case udpUnproven = "udp-unproven"
    /// The egress probe did not run, and no STUN server answered over UDP (the NAT step weighs it).
    case udpNoStunAnswer = "udp-no-stun-answer"
    /// The egress probe did not run, but a STUN server answered over UDP.
    case udpStunReached = "udp-stun-reached"
    /// The egress probe did not run and nothing else proved UDP.
    case udpNotChecked = "udp-not-checked"
    /// No valid QUIC Version Negotiation reply came back (not proven open; not proven filtered).
    case quicNotProven = "quic-not-proven"
    // NAT type step
    /// The NAT picks a new public port per destination (RFC 4787 section 4.1: "symmetric").
    case mappingEndpointDependent = "mapping-endpoint-dependent"
    /// The NAT behaviour could not be read (no STUN server answered, or the probe did not run).
    case natNotChecked = "nat-not-checked"
    /// This host has a public address of its own: no NAT mapping at all.
    case noNat = "no-nat"
    /// The NAT keeps one public port for every destination (RFC 4787 section 4.1).
    case mappingEndpointIndependent = "mapping-endpoint-independent"
    /// Enough STUN requests went unanswered to call UDP blocked.
    case stunNoAnswer = "stun-no-answer"
    /// STUN answered, but the mapping could not be decided (the reason is a parameter).
    case natInconclusive = "nat-inconclusive"
    // Double NAT step
    /// More than one NAT between this host and the internet.
    case doubleNat = "double-nat"
    /// Only one NAT (or none) on the way out.
    case singleNat = "single-nat"
    /// Not enough evidence to rule double NAT in or out.
    case doubleNatUndecided = "double-nat-undecided"
    /// The double NAT probe did not run.
    case doubleNatNotChecked = "double-nat-not-checked"
    // Hairpin step
    /// The NAT does not loop packets to its own public address back inside (RFC 4787 REQ-9).
    case noHairpin = "no-hairpin"
    /// The NAT loops packets to its own public address back inside.
    case hairpin = "hairpin"
    /// No NAT: peers reach this host at its own address, hairpin is not needed.
    case hairpinNotNeeded = "hairpin-not-needed"
    /// The hairpin probe ran but could not decide (no public endpoint learnt).
    case hairpinUndecided = "hairpin-undecided"
    /// The hairpin probe did not run (it is optional).
    case hairpinNotChecked = "hairpin-not-checked"
    // Cloud NAT step
    /// A managed cloud NAT gateway with endpoint-dependent mapping is likely in the path.
    case cloudNatGateway = "cloud-nat-gateway"
    /// Not a cloud VM (DMI names no cloud).
    case notCloud = "not-cloud"
    /// A cloud VM with a public address of its own, or whose mapping keeps ports.
    case cloudNoNatGateway = "cloud-no-nat-gateway"
    /// A cloud VM whose metadata service did not answer: a NAT gateway can be neither ruled in nor out.
    case cloudMetadataSilent = "cloud-metadata-silent"
    /// A cloud VM; whether a NAT gateway is in the path is not decidable.
    case cloudNatUndecided = "cloud-nat-undecided"
    /// The cloud probe did not run.
    case cloudNotChecked = "cloud-not-checked"
    // Beyond the article: datagram size and mapping lifetime
    /// The largest UDP payload that crosses the path is below 1200 bytes (RFC 9000 section 14).
    case datagramTooSmall = "datagram-too-small"
    /// The largest UDP payload is 1200-1399 bytes: QUIC starts, but the path is narrow (VPN, PPPoE).
    case datagramReduced = "datagram-reduced"
    /// The NAT forgets an idle UDP mapping in under 30 s (RFC 4787 REQ-5, RFC 8085 section 3.5).
    case shortMappingLifetime = "short-mapping-lifetime"

    public static func < (a: FindingCode, b: FindingCode) -> Bool { a.rawValue < b.rawValue }
}

/// A NAT device or managed gateway the fix catalogue has exact settings for. The raw values are
/// the names `check --nat-device` takes.
public enum NATDevice: String, Codable, Sendable, CaseIterable {
    case pfsense
    case opnsense
    case fortigate
    case paloalto
    case ciscoASA = "cisco-asa"
    case juniperSRX = "juniper-srx"
    case sonicwall
    case linux
    case awsNATGateway = "aws-nat-gateway"
    case awsEKS = "aws-eks"
    case gcpCloudNAT = "gcp-cloud-nat"
    case azureNATGateway = "azure-nat-gateway"
}

/// How the report came to name a device.
public enum NATDeviceSource: String, Codable, Sendable, CaseIterable {
    /// Read from what the gateway or the cloud said about itself (the evidence says what).
    case identified
    /// Named by the person (`--nat-device`, the config file, or the wizard's question).
    case chosen
    /// Not known: the fixes are the generic ones.
    case unknown
}

/// Which device does NAT in front of this host, and how that is known (`natDevice` in the JSON).
public struct NATDeviceInfo: Codable, Sendable, Equatable {
    /// The device, or nil when not known.
    @Nullable public var name: NATDevice?
    /// Identified, chosen or unknown.
    public var how: NATDeviceSource
    /// What identified it (e.g. the UPnP description's manufacturer), cleaned; empty when chosen.
    public var evidence: [String]

    public init(name: NATDevice? = nil, how: NATDeviceSource = .unknown, evidence: [String] = []) {
        self.name = name
        self.how = how
        self.evidence = evidence
    }
}

/// One exact change on one device that removes a finding, and the vendor page it comes from.
public struct Fix: Codable, Sendable, Equatable {
    /// The device it applies to; nil for the generic advice shown when the device is not known.
    @Nullable public var device: NATDevice?
    /// The exact setting, menu path or command.
    public var setting: String
    /// The software version that has the setting, when the vendor names one.
    @Nullable public var version: String?
    /// The page the setting was read on (a URL). Every fix has one.
    public var source: String

    public init(device: NATDevice?, setting: String, version: String? = nil, source: String) {
        self.device = device
        self.setting = setting
        self.version = version
        self.source = source
    }
}
