// Redaction: a report a person can paste into a public ticket.
//
// Public addresses are replaced by placeholders ("public-1"), the same address by the same
// placeholder everywhere, so the evidence still reads ("the gateway says public-2, STUN saw
// public-1": two different addresses, hence double NAT). Ports stay, and private, CGNAT and
// link-local addresses stay because they are what explains a double NAT and identify nobody.
import Foundation
import P2PAddress
import P2PReport

public struct Redactor: Sendable {
    /// Placeholder prefix; a placeholder is "public-N" with N counting from 1 (`ReportedAddress`).
    public static let placeholderPrefix = ReportedAddress.placeholderPrefix

    private var table: [IPAddress: ReportedAddress] = [:]

    public init() {}

    /// The placeholder of `address`, allocating the next one the first time it is seen.
    public mutating func placeholder(for address: IPAddress) -> ReportedAddress {
        if let p = table[address] { return p }
        let p = ReportedAddress.redacted(table.count + 1)
        table[address] = p
        return p
    }

    /// `hop` with its address replaced when it is public.
    public mutating func redact(hop: PathHop) -> PathHop {
        guard case .ip(let ip)? = hop.address, ip.scope.isPublic else { return hop }
        return PathHop(ttl: hop.ttl, address: placeholder(for: ip), isDestination: hop.isDestination)
    }

    /// `text` with every public address literal replaced; "203.0.113.5:4000" becomes "public-1:4000"
    /// and "[2001:db8::1]:3478" becomes "[public-2]:3478".
    public mutating func redact(text: String) -> String {
        let found = IPScanner.matches(in: text).filter { $0.address.scope.isPublic }
        guard !found.isEmpty else { return text }
        var out = ""
        var cursor = text.startIndex
        for m in found {
            out += text[cursor..<m.range.lowerBound]
            out += placeholder(for: m.address).description
            cursor = m.range.upperBound
        }
        out += text[cursor...]
        return out
    }

    /// The report with every public address replaced by a placeholder.
    ///
    /// Numbering is stable: the host's own public endpoint is "public-1", then the other addresses
    /// the summary names first, then everything else in the JSON's sorted-key order. The whole JSON
    /// text is rewritten (address literals never contain quotes or escapes, so this is safe), which
    /// also covers fields added to the report later.
    public static func redact(_ report: Report) -> Report {
        var r = Redactor()
        for s in [report.nat.publicEndpoint, report.gateway.externalAddress, report.cloud.publicAddress,
                  report.ipv6.globalAddress, report.ipv6.publicEndpoint] {
            if let s { _ = r.redact(text: s) }
        }
        guard let bytes = try? ReportJSON.encode(report),
              let text = String(bytes: bytes, encoding: .utf8) else { return report }
        let redacted = r.redact(text: text)
        // Decoding our own output only fails if the report could not be encoded; then redact by hand
        // rather than hand back unredacted data.
        if let back = try? ReportJSON.decode(Array(redacted.utf8)) { return back }
        return r.redactFallback(report)
    }

    /// Field-by-field redaction, used only if the JSON round trip fails.
    private mutating func redactFallback(_ report: Report) -> Report {
        var x = report
        func f(_ s: inout String) { s = redact(text: s) }
        func o(_ s: inout String?) { if let v = s { s = redact(text: v) } }
        func a(_ s: inout [String]) { s = s.map { redact(text: $0) } }
        a(&x.run.stunServers)
        o(&x.nat.publicEndpoint); o(&x.nat.localEndpoint); o(&x.nat.inconclusiveReason); a(&x.nat.evidence)
        x.nat.mappedByTest = x.nat.mappedByTest?.mapValues { redact(text: $0) }
        for i in x.nat.servers.indices {
            f(&x.nat.servers[i].server); o(&x.nat.servers[i].address); o(&x.nat.servers[i].mappedEndpoint)
            o(&x.nat.servers[i].otherAddress); o(&x.nat.servers[i].detail)
        }
        a(&x.udp.evidence); a(&x.udp.firewallRules)
        o(&x.quic.server); a(&x.quic.evidence)
        a(&x.doubleNat.evidence); x.doubleNat.hops = x.doubleNat.hops.map { redact(hop: $0) }
        o(&x.gateway.address); o(&x.gateway.externalAddress); a(&x.gateway.evidence)
        o(&x.hairpin.observedSource); a(&x.hairpin.evidence)
        o(&x.cloud.publicAddress); a(&x.cloud.evidence)
        o(&x.ipv6.globalAddress); o(&x.ipv6.publicEndpoint); a(&x.ipv6.evidence)
        a(&x.verdict.reasons)
        if var d = x.datagram { a(&d.evidence); x.datagram = d }
        if var m = x.mappingLifetime { o(&m.server); a(&m.evidence); x.mappingLifetime = m }
        if var p = x.punch {
            o(&p.localEndpoint); o(&p.remoteEndpoint); f(&p.reason); o(&p.fix)
            x.punch = p
        }
        return x
    }
}
