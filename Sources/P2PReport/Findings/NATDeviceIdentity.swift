// Which device does NAT in front of this host, from what the devices say about themselves.
//
// Pure: the report in, `NATDeviceInfo` out. A device is named only when a signal names it
// unmistakably (the gateway's UPnP description carries the vendor's or product's own name, or the
// cloud probe suspects its provider's managed NAT gateway). Anything else is "unknown" with the raw
// words in the evidence, so a person can see what the gateway said: never a guess shown as a fact.

/// What the gateway's UPnP IGD device description says about the root device (UPnP Device
/// Architecture 1.1 section 2.3), cleaned where it entered. Empty strings for absent elements.
public struct UPnPDeviceInfo: Codable, Sendable, Equatable {
    public var manufacturer: String
    public var modelName: String
    public var modelDescription: String

    public init(manufacturer: String = "", modelName: String = "", modelDescription: String = "") {
        self.manufacturer = manufacturer
        self.modelName = modelName
        self.modelDescription = modelDescription
    }

    /// True when the description named nothing at all.
    public var isEmpty: Bool { manufacturer.isEmpty && modelName.isEmpty && modelDescription.isEmpty }
}

public enum NATDeviceIdentity {
    /// The device for the report: `chosen` (by flag, config or the wizard) wins; otherwise what the
    /// gateway's UPnP description or the cloud probe identify; otherwise unknown.
    public static func resolve(_ report: Report, chosen: NATDevice?) -> NATDeviceInfo {
        if let chosen { return NATDeviceInfo(name: chosen, how: .chosen) }
        let upnp = report.gateway.device.flatMap { $0.isEmpty ? nil : $0 }
        let byGateway = upnp.flatMap(fromUPnP)
        let byCloud = fromCloud(report.cloud)
        var evidence: [String] = []
        if let upnp { evidence.append(describe(upnp)) }
        if let byCloud { evidence.append(describe(report.cloud.provider, byCloud)) }
        switch (byGateway, byCloud) {
        case let (g?, c?) where g != c:
            evidence.append("the gateway and the cloud probe name different devices: not known which does the NAT")
            return NATDeviceInfo(name: nil, how: .unknown, evidence: evidence)
        case let (g?, _):
            return NATDeviceInfo(name: g, how: .identified, evidence: evidence)
        case let (nil, c?):
            return NATDeviceInfo(name: c, how: .identified, evidence: evidence)
        case (nil, nil):
            if upnp != nil { evidence.append("not a device the fix catalogue knows (or not named clearly enough)") }
            return NATDeviceInfo(name: nil, how: .unknown, evidence: evidence)
        }
    }

    /// A rule: the device is named when every word of one of its word sets is in the description.
    struct Rule: Sendable {
        var device: NATDevice
        var wordSets: [[String]]
    }

    /// Product and vendor names as the devices write them. Names that span several product lines
    /// (Cisco, Juniper) need the product's own word too; a bare "Cisco" or "Linux" names nothing.
    static let rules: [Rule] = [
        Rule(device: .pfsense, wordSets: [["pfsense"], ["netgate"]]),
        Rule(device: .opnsense, wordSets: [["opnsense"], ["deciso"]]),
        Rule(device: .fortigate, wordSets: [["fortigate"], ["fortinet"]]),
        Rule(device: .paloalto, wordSets: [["palo", "alto"]]),
        Rule(device: .ciscoASA, wordSets: [["cisco", "asa"], ["adaptive", "security", "appliance"]]),
        Rule(device: .juniperSRX, wordSets: [["juniper", "srx"]]),
        Rule(device: .sonicwall, wordSets: [["sonicwall"]]),
        Rule(device: .linux, wordSets: [["openwrt"]]),
    ]

    /// The device a UPnP description names, or nil when no rule matches or several devices do.
    public static func fromUPnP(_ d: UPnPDeviceInfo) -> NATDevice? {
        let words = Set(tokens(d.manufacturer + " " + d.modelName + " " + d.modelDescription))
        let named = rules.filter { rule in rule.wordSets.contains { $0.allSatisfy(words.contains) } }.map(\.device)
        return named.count == 1 ? named[0] : nil
    }

    /// The provider's managed NAT gateway, when the cloud probe suspects one in the path.
    public static func fromCloud(_ c: CloudSection) -> NATDevice? {
        guard c.status == .checked, c.natGatewaySuspected == true else { return nil }
        switch c.provider {
        case .aws: return .awsNATGateway
        case .gcp: return .gcpCloudNAT
        case .azure: return .azureNATGateway
        case .none, .unknown: return nil
        }
    }

    /// Lower-case runs of ASCII letters, and of digits ("pfSense®-2.7" gives "pfsense", "2", "7";
    /// "SRX300" gives "srx", "300").
    static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var currentIsDigit = false
        for c in text.lowercased() {
            let letter = c.isASCII && c.isLetter, digit = c.isASCII && c.isNumber
            if (letter || digit) && (current.isEmpty || digit == currentIsDigit) {
                current.append(c)
            } else {
                if !current.isEmpty { out.append(current) }
                current = letter || digit ? String(c) : ""
            }
            currentIsDigit = digit
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func describe(_ d: UPnPDeviceInfo) -> String {
        var parts: [String] = []
        if !d.manufacturer.isEmpty { parts.append("manufacturer \"\(d.manufacturer)\"") }
        if !d.modelName.isEmpty { parts.append("model \"\(d.modelName)\"") }
        if !d.modelDescription.isEmpty { parts.append("description \"\(d.modelDescription)\"") }
        return "gateway's UPnP description: " + parts.joined(separator: ", ")
    }

    static func describe(_ provider: CloudProvider, _ device: NATDevice) -> String {
        "cloud probe: \(provider.rawValue) VM with no public address of its own and a mapping that changes per "
            + "destination, so the provider's managed NAT gateway (\(device.rawValue)) is suspected"
    }
}
