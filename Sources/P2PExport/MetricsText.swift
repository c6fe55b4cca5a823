// The report as Prometheus text exposition (format 0.0.4), for node_exporter's textfile collector
// (`check --format openmetrics`). Every metric is a gauge, carries the `host` and `role` labels
// a fleet needs to tell machines apart, and has no timestamp (the textfile collector rejects
// them). Enum-like facts follow the "enum" pattern: one series per possible value, 1 on the
// current one, so `changes()` and `max_over_time()` work on them.
import Foundation
import P2PReport

/// One finding of a report, as the metrics name it: a stable code, the article step it belongs to
/// and that step's status.
public struct FindingLabel: Sendable, Equatable, Hashable, Comparable {
    public var code: String
    public var step: String
    public var status: String

    public init(code: String, step: String, status: String) {
        self.code = code
        self.step = step
        self.status = status
    }

    public static func < (a: FindingLabel, b: FindingLabel) -> Bool {
        (a.code, a.step, a.status) < (b.code, b.step, b.status)
    }
}

public enum MetricsText {
    /// The exposition text for `report` with its `findings`.
    public static func render(_ report: Report, findings: [FindingLabel]) -> String {
        let base = [("host", UntrustedText.clean(report.run.hostname, limit: 253)), ("role", report.run.role.rawValue)]
        var out = ""
        func family(_ name: String, _ help: String, _ series: [([(String, String)], String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for (labels, value) in series { out += "\(name)\(labelText(base + labels)) \(value)\n" }
        }
        let verdict = report.verdict.directConnection
        family("p2ptui_direct_connection",
               "Whether a direct (peer-to-peer) connection is likely, possible, unlikely or unknown: 1 on the verdict of the last check.",
               DirectConnection.allCases.map { ([("verdict", $0.rawValue)], $0 == verdict ? "1" : "0") })
        family("p2ptui_finding",
               "A finding of the last check (stable code, article step, step status); only present findings are listed.",
               Set(findings).sorted().map { ([("code", $0.code), ("status", $0.status), ("step", $0.step)], "1") })
        family("p2ptui_udp_port_reachable",
               "Outbound UDP to this destination port: 1 reached, 0 blocked; ports not proven either way are left out.",
               udpPorts(report.udp))
        family("p2ptui_nat_mapping",
               "NAT mapping behaviour (RFC 4787 section 4.1): 1 on the one the last check found.",
               NATMapping.allCases.map { ([("mapping", $0.rawValue)], $0 == report.nat.mapping ? "1" : "0") })
        family("p2ptui_check_duration_seconds", "Wall time of the last check in seconds.",
               [([], number(Double(report.run.durationMs) / 1000))])
        if let started = unixTime(report.run.startedAt) {
            family("p2ptui_check_timestamp_seconds", "When the last check started, in seconds since the Unix epoch.",
                   [([], number(started))])
        }
        family("p2ptui_check_info", "The p2ptui version that ran the last check (value always 1).",
               [([("version", UntrustedText.clean(report.run.toolVersion, limit: 64))], "1")])
        return out
    }

    /// Reached and blocked ports in numeric order; unknown ones are not "no" and are left out.
    static func udpPorts(_ udp: UDPSection) -> [([(String, String)], String)] {
        udp.sortedPorts().compactMap { port in
            switch udp.ports[port] {
            case .reached?: return ([("port", port.description)], "1")
            case .blocked?: return ([("port", port.description)], "0")
            default: return nil
            }
        }
    }

    /// `{a="x",b="y"}` with label values escaped as the text format requires.
    static func labelText(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Backslash, double quote and line feed escaped (text format 0.0.4, label values).
    static func escape(_ value: String) -> String {
        var s = ""
        for c in value {
            switch c {
            case "\\": s += "\\\\"
            case "\"": s += "\\\""
            case "\n": s += "\\n"
            default: s.append(c)
            }
        }
        return s
    }

    /// A sample value: integers without a fraction, others in Swift's shortest exact form.
    static func number(_ v: Double) -> String {
        if v.isFinite, v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return v.isFinite ? String(v) : "NaN"
    }

    /// Seconds since the epoch of an ISO 8601 UTC time ("2026-11-30T06:00:00Z"), nil when it is not one.
    static func unixTime(_ iso: String) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: iso) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: iso)?.timeIntervalSince1970
    }
}
