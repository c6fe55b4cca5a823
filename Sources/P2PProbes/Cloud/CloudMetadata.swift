import Foundation
import P2PReport
import P2PSocket
import STUNCodec
import Synchronization

/// What one cloud's metadata service said.
public struct MetadataAnswer: Sendable, Equatable {
    public var provider: CloudProvider
    /// The VM's public IPv4, nil when the service says it has none.
    public var publicAddress: IPAddress?
    public var evidence: [String]
}

/// Queries for the AWS, Google Cloud and Azure instance metadata services. Each returns nil when
/// the service does not answer like that cloud's (wrong status, missing marker header or field).
/// Blocking (HTTP): run through `blocking {}`.
public enum CloudMetadata {
    public static let defaultEndpoint = "http://169.254.169.254"

    /// Set once any HTTP response came back, whatever it said: tells a silent service (worth a
    /// second, longer try) from one that answered unlike the cloud's.
    public final class Heard: Sendable {
        private let value = Atomic<Bool>(false)
        public init() {}
        public var any: Bool { value.load(ordering: .acquiring) }
        func mark() { value.store(true, ordering: .releasing) }
    }

    /// `HTTP.fetch` that notes a response in `heard`.
    static func fetch(method: String = "GET", url: HTTP.URL, headers: [(String, String)], deadline: Deadline,
                      heard: Heard?) -> HTTP.Response? {
        let r = try? HTTP.fetch(method: method, url: url, headers: headers, deadline: deadline)
        if r != nil { heard?.mark() }
        return r
    }

    static func url(_ base: HTTP.URL, _ path: String) -> HTTP.URL {
        let prefix = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        return HTTP.URL(host: base.host, port: base.port, path: prefix + path)
    }

    /// AWS IMDSv2: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), then GETs with
    /// X-aws-ec2-metadata-token. meta-data/public-ipv4 is 404 without a public address; the
    /// per-interface public-ipv4s of the primary MAC double-checks it.
    public static func aws(_ base: HTTP.URL, deadline: Deadline, heard: Heard? = nil) -> MetadataAnswer? {
        guard let tokenResponse = fetch(method: "PUT", url: url(base, "/latest/api/token"),
                                        headers: [("X-aws-ec2-metadata-token-ttl-seconds", "60")], deadline: deadline, heard: heard),
              tokenResponse.status == 200, !tokenResponse.body.isEmpty else { return nil }
        let token = tokenResponse.text.trimmingCharacters(in: .whitespacesAndNewlines)
        // The token goes back in a header: one holding CR/LF or other controls is no token.
        guard UntrustedText.isClean(token), !token.contains(" ") else { return nil }
        let h = [("X-aws-ec2-metadata-token", token)]
        func get(_ p: String) -> HTTP.Response? { fetch(url: url(base, "/latest/meta-data/" + p), headers: h, deadline: deadline, heard: heard) }
        // Text from the service is cleaned where it enters the evidence.
        var evidence = ["AWS IMDSv2 answered" + (tokenResponse.header("server").map { " (Server: \(UntrustedText.clean($0)))" } ?? "")]
        var address: IPAddress?
        guard let pub = get("public-ipv4") else { return nil }
        switch pub.status {
        case 200:
            address = IPAddress(pub.text.trimmingCharacters(in: .whitespacesAndNewlines))
            evidence.append("meta-data/public-ipv4: \(address.map(\.description) ?? "unparsable")")
        case 404:
            evidence.append("meta-data/public-ipv4: 404, the instance has no public IPv4")
        default:
            evidence.append("meta-data/public-ipv4: HTTP \(pub.status)")
        }
        if let mac = get("mac"), mac.status == 200 {
            let m = mac.text.trimmingCharacters(in: .whitespacesAndNewlines)
            // A MAC address goes into the next URLs' path: nothing but hex digits and colons.
            if !m.isEmpty, m.count <= 32, m.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":") }) {
                if let ifPub = get("network/interfaces/macs/\(m)/public-ipv4s") {
                    if ifPub.status == 200, let first = ifPub.text.split(whereSeparator: \.isNewline).first, let ip = IPAddress(String(first)) {
                        evidence.append("interface \(m) public-ipv4s: \(ip)")
                        if address == nil { address = ip }
                    } else if ifPub.status == 404 {
                        evidence.append("interface \(m) has no public IPv4")
                    }
                }
                for key in ["subnet-id", "vpc-id"] {
                    if let r = get("network/interfaces/macs/\(m)/\(key)"), r.status == 200 {
                        evidence.append("\(key) \(UntrustedText.clean(r.text.trimmingCharacters(in: .whitespacesAndNewlines), limit: 64))")
                    }
                }
            }
        }
        return MetadataAnswer(provider: .aws, publicAddress: address, evidence: evidence)
    }

    /// Google Cloud: `Metadata-Flavor: Google` on request and response; the external IP of the
    /// first access config (404 or empty: no external IP).
    public static func gcp(_ base: HTTP.URL, deadline: Deadline, heard: Heard? = nil) -> MetadataAnswer? {
        guard let r = fetch(url: url(base, "/computeMetadata/v1/instance/network-interfaces/0/access-configs/0/external-ip"),
                            headers: [("Metadata-Flavor", "Google")], deadline: deadline, heard: heard),
              r.header("metadata-flavor")?.lowercased() == "google" else { return nil }
        let text = r.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if r.status == 200, let ip = IPAddress(text) {
            return MetadataAnswer(provider: .gcp, publicAddress: ip, evidence: ["GCE metadata: external IP \(ip)"])
        }
        if r.status == 200 || r.status == 404 {
            return MetadataAnswer(provider: .gcp, publicAddress: nil, evidence: ["GCE metadata: no external IP (no access config)"])
        }
        return MetadataAnswer(provider: .gcp, publicAddress: nil, evidence: ["GCE metadata: HTTP \(r.status)"])
    }

    /// Azure IMDS: `Metadata: true`, /metadata/instance JSON; publicIpAddress of any interface
    /// (often empty with standard SKU public IPs: then STUN decides).
    public static func azure(_ base: HTTP.URL, deadline: Deadline, heard: Heard? = nil) -> MetadataAnswer? {
        guard let r = fetch(url: url(base, "/metadata/instance?api-version=2021-02-01"),
                            headers: [("Metadata", "true")], deadline: deadline, heard: heard),
              r.status == 200, let parsed = parseAzureInstance(r.body) else { return nil }
        var evidence = ["Azure IMDS answered" + (parsed.vmSize.map { " (\(UntrustedText.clean($0, limit: 64)))" } ?? "")]
        if let ip = parsed.publicAddress {
            evidence.append("IMDS publicIpAddress \(ip)")
        } else {
            evidence.append("IMDS lists no publicIpAddress (empty for standard SKU public IPs, so not conclusive alone)")
        }
        return MetadataAnswer(provider: .azure, publicAddress: parsed.publicAddress, evidence: evidence)
    }

    /// Pure parse of Azure's instance document: compute.vmSize and
    /// network.interface[].ipv4.ipAddress[].publicIpAddress. Nil unless it has a compute or
    /// network object (so another service's JSON is not taken for Azure's).
    public static func parseAzureInstance(_ body: [UInt8]) -> (publicAddress: IPAddress?, vmSize: String?)? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        let compute = root["compute"] as? [String: Any]
        let network = root["network"] as? [String: Any]
        guard compute != nil || network != nil else { return nil }
        var address: IPAddress?
        for iface in network?["interface"] as? [[String: Any]] ?? [] {
            let v4 = iface["ipv4"] as? [String: Any]
            for entry in v4?["ipAddress"] as? [[String: Any]] ?? [] {
                if address == nil, let s = entry["publicIpAddress"] as? String, let ip = IPAddress(s) { address = ip }
            }
        }
        return (address, compute?["vmSize"] as? String)
    }
}
