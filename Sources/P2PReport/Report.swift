// The flat, Codable result of one p2ptui run. The probe sections' types are in Sections.swift,
// the overall answer in Verdict.swift.
//
// One commented field per fact. "Not checked" is always distinct from "no": every section carries a
// `status` whose `not-checked` value means the probe did not run, and optional booleans are `nil`
// (JSON `null`) when the evidence was not enough to say yes or no.
//
// The JSON form is a stable, documented interface (`schemaVersion` 2, see docs/report-schema.md);
// add fields, never rename or remove them without bumping the version.

/// The whole report. JSON keys are the property names.
public struct Report: Codable, Sendable, Equatable {
    /// Version of this JSON shape. Consumers must reject versions they do not know.
    public var schemaVersion: Int
    /// Who ran what, where and when.
    public var run: RunInfo
    /// NAT mapping and filtering behaviour (RFC 5780 section 4.3 and 4.4).
    public var nat: NATSection
    /// Outbound UDP reachability by destination port.
    public var udp: UDPSection
    /// Whether QUIC (UDP 443 long-header packets) is let through.
    public var quic: QUICSection
    /// Whether more than one NAT sits between this host and the internet.
    public var doubleNat: DoubleNATSection
    /// The default gateway and what it says about its external address (UPnP IGD, NAT-PMP, PCP).
    public var gateway: GatewaySection
    /// Whether the NAT loops a packet sent to its own public address back inside (RFC 4787 REQ-9).
    public var hairpin: HairpinSection
    /// Cloud provider and whether a cloud NAT gateway is likely in the path.
    public var cloud: CloudSection
    /// IPv6 reachability.
    public var ipv6: IPv6Section
    /// The overall answer, derived from every section by `Verdict.derive(from:)`.
    public var verdict: Verdict
    /// The live hole-punch test against the other side (`p2ptui punch`); absent when not run.
    public var punch: PunchSection?
    /// Which device does NAT in front of this host and how that is known (identified, chosen or
    /// unknown); the fix catalogue's key. Absent in reports written before it existed.
    public var natDevice: NATDeviceInfo?
    /// The largest datagram that crosses the path each way; absent in reports written before it.
    public var datagram: DatagramSection?
    /// How long the NAT keeps an idle UDP mapping (`check --lifetime`); absent in older reports.
    public var mappingLifetime: MappingLifetimeSection?

    public static let currentSchemaVersion = 2
    /// Versions this p2ptui reads: schema 1 lacks `findings` and `verdict.codes`, which are
    /// derived again from the sections.
    public static let readableSchemaVersions = 1...2

    public init(schemaVersion: Int = Report.currentSchemaVersion, run: RunInfo = RunInfo(),
                nat: NATSection = NATSection(), udp: UDPSection = UDPSection(),
                quic: QUICSection = QUICSection(), doubleNat: DoubleNATSection = DoubleNATSection(),
                gateway: GatewaySection = GatewaySection(), hairpin: HairpinSection = HairpinSection(),
                cloud: CloudSection = CloudSection(), ipv6: IPv6Section = IPv6Section(),
                verdict: Verdict = Verdict(), punch: PunchSection? = nil, natDevice: NATDeviceInfo? = nil,
                datagram: DatagramSection? = nil, mappingLifetime: MappingLifetimeSection? = nil) {
        self.schemaVersion = schemaVersion
        self.run = run
        self.nat = nat
        self.udp = udp
        self.quic = quic
        self.doubleNat = doubleNat
        self.gateway = gateway
        self.hairpin = hairpin
        self.cloud = cloud
        self.ipv6 = ipv6
        self.verdict = verdict
        self.punch = punch
        self.natDevice = natDevice
        self.datagram = datagram
        self.mappingLifetime = mappingLifetime
    }
}

/// Which machine of the pair this is. Both sides must be peer-to-peer friendly.
public enum Role: String, Codable, Sendable, CaseIterable {
    case client
    case connector
    case unknown
}

public struct RunInfo: Codable, Sendable, Equatable {
    /// p2ptui version that wrote the report.
    public var toolVersion: String
    /// UTC start time, ISO 8601 (e.g. "2026-11-30T06:00:00Z").
    public var startedAt: String
    /// Wall time of the whole check in milliseconds.
    public var durationMs: Int
    /// Host name of the machine that ran the check.
    public var hostname: String
    /// Operating system and kernel, e.g. "Linux 6.1.0 x86_64".
    public var os: String
    /// Which side of the connection this machine is.
    public var role: Role
    /// STUN servers used, as given ("host:port").
    public var stunServers: [String]

    public init(toolVersion: String = "", startedAt: String = "", durationMs: Int = 0,
                hostname: String = "", os: String = "", role: Role = .unknown,
                stunServers: [String] = []) {
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.durationMs = durationMs
        self.hostname = hostname
        self.os = os
        self.role = role
        self.stunServers = stunServers
    }
}
