// Words for the fix catalogue: a device's name as its vendor writes it, and a fix as lines.

extension NATDevice {
    /// The device as people call it ("FortiGate", "GCP Cloud NAT").
    public var displayName: String {
        switch self {
        case .pfsense: return "pfSense"
        case .opnsense: return "OPNsense"
        case .fortigate: return "FortiGate"
        case .paloalto: return "Palo Alto PAN-OS"
        case .ciscoASA: return "Cisco ASA"
        case .juniperSRX: return "Juniper SRX"
        case .sonicwall: return "SonicWall"
        case .linux: return "Linux / OpenWrt (nftables, iptables)"
        case .awsNATGateway: return "AWS NAT Gateway"
        case .awsEKS: return "AWS EKS (VPC CNI)"
        case .gcpCloudNAT: return "GCP Cloud NAT"
        case .azureNATGateway: return "Azure NAT Gateway"
        }
    }
}

public enum FixText {
    /// One fix as lines: the setting, the version that has it (when the vendor names one), and
    /// "Source: URL".
    public static func lines(_ fix: Fix) -> [String] {
        var out = [fix.setting]
        if let version = fix.version { out.append("Version: \(version)") }
        out.append("Source: \(fix.source)")
        return out
    }

    /// The device and how it is known, with what was seen when it is not known ("not known; UPnP
    /// description: ..."), for the text and the summary's header.
    public static func described(_ info: NATDeviceInfo) -> String {
        guard info.how == .unknown, let seen = info.evidence.first else { return how(info) }
        return "not known; " + seen
    }

    /// How the report came to name the device, in a few words ("identified from the gateway's
    /// UPnP description", "chosen", "not known").
    public static func how(_ info: NATDeviceInfo) -> String {
        switch info.how {
        case .chosen:
            return "\(info.name?.displayName ?? "none") (chosen)"
        case .identified:
            let from = info.evidence.first.map { $0.hasPrefix("cloud probe") ? "the cloud probe" : "the gateway's UPnP description" }
            return "\(info.name?.displayName ?? "none") (identified from \(from ?? "what the device said"))"
        case .unknown:
            return "not known"
        }
    }
}
