// The fix catalogue: for a finding code and the NAT device in front, the exact setting or command
// that removes the finding, the version that has it, and the vendor page it was read on.
//
// Every entry was checked on its source page; an entry whose page could not be read is left out
// (the generic advice, which has a source too, stands in for it). The table is data: rendering
// lives in Content/ (`FixText`), deciding which code applies lives in the rules.

public enum FixCatalogue {
    /// One row of the catalogue: the codes a fix removes, and the fix.
    public struct Entry: Sendable, Equatable {
        public var codes: [FindingCode]
        public var fix: Fix

        public init(_ codes: [FindingCode], _ fix: Fix) {
            self.codes = codes
            self.fix = fix
        }
    }

    /// The fixes for `code` on `device`, in the order to try them. A device without an entry for
    /// the code, and `device == nil` (not known), get the generic advice; a code nobody has a fix
    /// for gets none.
    public static func fixes(for code: FindingCode, device: NATDevice?) -> [Fix] {
        if let device {
            let own = entries.filter { $0.fix.device == device && $0.codes.contains(code) }.map(\.fix)
            if !own.isEmpty { return own }
        }
        return entries.filter { $0.fix.device == nil && $0.codes.contains(code) }.map(\.fix)
    }

    /// Every entry: the devices' own, then the generic ones.
    public static let entries: [Entry] = onPremises + clouds + generic

    /// The pages the entries were read on.
    enum Source {
        static let pfSense = "https://tailscale.com/kb/1146/pfsense"
        static let opnSense = "https://docs.opnsense.org/manual/nat.html"
        static let fortiFixedPort = "https://community.fortinet.com/t5/FortiGate/Technical-Tip-Using-Fixedport-or-Preserve-Source-Port-on/ta-p/195738"
        static let fortiSessionTTL = "https://community.fortinet.com/t5/FortiGate/Technical-Tip-Session-timeout-settings/ta-p/191228"
        static let paloAlto = "https://knowledgebase.paloaltonetworks.com/KCSArticleDetail?id=kA14u000000kHuECAU&lang=en_US"
        static let ciscoASA = "https://www.cisco.com/en/US/docs/security/asa/asa91/configuration/firewall/nat_objects.html"
        static let juniper = "https://juniper.net/documentation/software/junos-security/junos-security10.2/junos-security-swconfig-security/topic-42827.html"
        static let sonicWall = "https://www.sonicwall.com/support/technical-documentation/docs/sonicos-7-0-0-0-voip/Content/voip-config-tasks-config-voip-gen-set.htm/"
        static let iptables = "https://git.stg.centos.org/source-git/iptables/blame/extensions/libxt_MASQUERADE.man?identifier=ec31e52900b00e31ea3bde9d5f50baf1bdfeff7f"
        static let conntrack = "https://docs.kernel.org/networking/nf_conntrack-sysctl.html"
        static let coder = "https://github.com/coder/coder/blob/main/docs/admin/networking/stun.md"
        static let awsInternetGateway = "https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html"
        static let awsNATTroubleshooting = "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html"
        static let gcloudNatsUpdate = "https://cloud.google.com/sdk/gcloud/reference/compute/routers/nats/update"
        static let azureOverview = "https://learn.microsoft.com/azure/nat-gateway/nat-overview"
        static let azureResource = "https://learn.microsoft.com/azure/nat-gateway/nat-gateway-resource"
        static let rfc4787 = "https://www.rfc-editor.org/rfc/rfc4787"
    }

    static let mapping: [FindingCode] = [.mappingEndpointDependent]
    static let cloudMapping: [FindingCode] = [.mappingEndpointDependent, .cloudNatGateway]
    static let lifetime: [FindingCode] = [.shortMappingLifetime]

    static let onPremises: [Entry] = [
        Entry(mapping, Fix(device: .pfsense, setting: "Firewall > NAT > Outbound: select Hybrid Outbound NAT rule generation "
            + "and Save; add a rule at the top of the list for Protocol UDP (source: this host, or any) with Static Port "
            + "checked in the Translation section; Save, then Apply Changes.", source: Source.pfSense)),
        Entry(mapping, Fix(device: .pfsense, setting: "Or Services > UPnP & NAT-PMP: enable the service and Allow NAT-PMP "
            + "Port Mapping, for programs that ask the firewall for a mapping.", source: Source.pfSense)),
        Entry(mapping, Fix(device: .opnsense, setting: "Firewall > NAT > Outbound: select Hybrid outbound NAT rule generation; "
            + "add a rule for Protocol UDP from this host with Static-port checked (pf then keeps the source port of "
            + "TCP and UDP packets).", source: Source.opnSense)),
        Entry(mapping, Fix(device: .fortigate, setting: "On the firewall policy that NATs this host: config firewall policy, "
            + "edit <ID>, set fixedport enable, end. A fixed port lets one connection per source port through the "
            + "policy: add a dynamic IP pool to the policy for more.",
            version: "FortiOS 7.4.4 and later also have set port-preserve enable, and the GUI's Manage source port > Fixed Port",
            source: Source.fortiFixedPort)),
        Entry(lifetime, Fix(device: .fortigate, setting: "config system global, set udp-idle-timer <seconds>, end (default "
            + "180); per service: config firewall service custom, edit <name>, set udp-idle-timer <seconds>.",
            source: Source.fortiSessionTTL)),
        Entry(mapping, Fix(device: .paloalto, setting: "Persistent NAT for DIPP (global, every NAT rule): > set system setting "
            + "persistent-dipp enable yes, then > request restart system; check with > show system setting "
            + "persistent-dipp. With HA, repeat on the peer.",
            version: "PAN-OS 10.1.6 (VM-Series), 10.1.7 (all firewalls)", source: Source.paloAlto)),
        Entry(mapping, Fix(device: .ciscoASA, setting: "On the dynamic PAT rule with a PAT pool, leave out the extended "
            + "keyword (nat (inside,outside) dynamic pat-pool <object> without extended): ICE and TURN rely on one "
            + "PAT binding for all destinations, which extended PAT breaks.",
            version: "ASA 8.4(3) and later (PAT pool options)", source: Source.ciscoASA)),
        Entry(mapping, Fix(device: .juniperSRX, setting: "Persistent NAT of type any remote host in the source NAT rule's "
            + "action: set security nat source rule-set <set> rule <rule> then source-nat interface persistent-nat "
            + "permit any-remote-host (or source-nat pool <pool> persistent-nat ...). A binding stays 5 minutes after "
            + "its last session (inactivity-timeout, 60-7200 s).", source: Source.juniper)),
        Entry(mapping, Fix(device: .sonicwall, setting: "VoIP > Settings > General Settings: check Enable Consistent NAT, "
            + "then Accept (off by default).", version: "SonicOS 7", source: Source.sonicWall)),
        Entry(mapping, Fix(device: .linux, setting: "Remove --random and --random-fully from the MASQUERADE or SNAT rule "
            + "(nftables: the random or fully-random flag of masquerade/snat): without them the kernel keeps the source "
            + "port where it can. Since kernel 5.0 --random is the same as --random-fully.", source: Source.iptables)),
        Entry(lifetime, Fix(device: .linux, setting: "On the router: sysctl -w net.netfilter.nf_conntrack_udp_timeout=<s> "
            + "net.netfilter.nf_conntrack_udp_timeout_stream=<s> (defaults 30 and 120).", source: Source.conntrack)),
    ]

    static let gcloudUpdate = "gcloud compute routers nats update NAT --router=ROUTER --region=REGION"

    static let clouds: [Entry] = [
        Entry(cloudMapping, Fix(device: .awsNATGateway, setting: "Put this host in a public subnet whose route table sends "
            + "0.0.0.0/0 to an Internet Gateway, and give it a public IPv4 or Elastic IP address.",
            source: Source.awsInternetGateway)),
        Entry(cloudMapping, Fix(device: .awsNATGateway, setting: "Or replace the NAT Gateway with a NAT instance doing "
            + "Linux MASQUERADE, which keeps one public port for all UDP from a source IP:port.", source: Source.coder)),
        Entry(cloudMapping, Fix(device: .awsEKS, setting: "Set AWS_VPC_K8S_CNI_RANDOMIZESNAT=none on the aws-node DaemonSet "
            + "(kubectl -n kube-system set env daemonset/aws-node AWS_VPC_K8S_CNI_RANDOMIZESNAT=none). Nodes in a "
            + "private subnet still pass the AWS NAT Gateway.", source: Source.coder)),
        Entry(lifetime, Fix(device: .awsNATGateway, setting: "The NAT Gateway times out a connection that is idle for "
            + "350 seconds or more: send traffic on the flow more often than that.", source: Source.awsNATTroubleshooting)),
        // The API refuses endpoint-independent mapping while dynamic port allocation is on
        // (RouterNat.enableDynamicPortAllocation in the Compute Engine API reference).
        Entry(cloudMapping, Fix(device: .gcpCloudNAT, setting: gcloudUpdate + " --no-enable-dynamic-port-allocation "
            + "--enable-endpoint-independent-mapping (endpoint-independent mapping cannot be on while dynamic port "
            + "allocation is).", source: Source.gcloudNatsUpdate)),
        Entry(lifetime, Fix(device: .gcpCloudNAT, setting: gcloudUpdate + " --udp-idle-timeout=<duration>.",
                            source: Source.gcloudNatsUpdate)),
        // A NAT Gateway on the subnet takes precedence over an instance-level public IP for all new
        // outbound flows ("Outbound connectivity"): a public IP alone changes nothing.
        Entry(cloudMapping, Fix(device: .azureNATGateway, setting: "Move this VM to a subnet without a NAT Gateway (or "
            + "dissociate the NAT Gateway from its subnet) and give it a Standard public IP address: while a NAT "
            + "Gateway is on the subnet it takes precedence over the VM's own public IP.", source: Source.azureOverview)),
        Entry(lifetime, Fix(device: .azureNATGateway, setting: "The NAT Gateway's UDP idle timeout is 4 minutes and cannot "
            + "be changed (only TCP's can): keep traffic on the flow more often than that, or leave the NAT Gateway.",
            source: Source.azureResource)),
    ]

    static let generic: [Entry] = [
        Entry(mapping, Fix(device: nil, setting: "Use a NAT with endpoint-independent mapping (RFC 4787 REQ-1), which "
            + "routers call full cone, static port, port preservation or consistent NAT; or give this host a public "
            + "address.", source: Source.rfc4787)),
        Entry([.cloudNatGateway], Fix(device: nil, setting: "Give this VM a public address of its own on a subnet whose "
            + "outbound traffic does not pass the managed NAT gateway, or route it through a NAT with "
            + "endpoint-independent mapping (RFC 4787 REQ-1).", source: Source.rfc4787)),
        Entry(lifetime, Fix(device: nil, setting: "Raise the NAT's UDP mapping timeout to at least 2 minutes (RFC 4787 "
            + "REQ-5), or have the program send traffic more often than the mapping lasts.", source: Source.rfc4787)),
    ]
}
