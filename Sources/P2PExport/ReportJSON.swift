// The report's JSON form (`check --json`, `--output FILE.json`, the input of `compare`).
import Foundation
import P2PReport

/// Why a file could not be read as a report. Messages are for a person, not a programmer.
public enum ReportDecodeError: Error, Equatable, CustomStringConvertible {
    /// Not JSON at all (a summary text file, a truncated download...).
    case notJSON(String)
    /// JSON, but no `schemaVersion`: some other program's output.
    case notAReport
    /// A report of a schema this version cannot read.
    case unsupportedSchema(Int)
    /// The right schema version, but a field is missing or has the wrong type.
    case invalid(String)

    public var description: String {
        switch self {
        case .notJSON(let why):
            return "not a JSON file (\(why)); save the report with `p2ptui check --json` or `--output FILE.json`"
        case .notAReport:
            return "this JSON is not a p2ptui report (it has no \"schemaVersion\")"
        case .unsupportedSchema(let v):
            let known = Report.readableSchemaVersions
            return "this report uses schema version \(v), but this p2ptui reads versions "
                + "\(known.lowerBound) to \(known.upperBound); run the same p2ptui version on both sides"
        case .invalid(let why):
            return "the report is damaged: \(why)"
        }
    }
}

/// The report's fields at the top level, plus `findings` (derived by `FindingRules`; a reader
/// ignores them and derives them again, so a schema-1 report without them reads the same).
struct ReportDocument: Encodable {
    var report: Report

    private enum Extra: String, CodingKey { case findings }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: Extra.self)
        try c.encode(report.findings, forKey: .findings)
    }
}

public enum ReportJSON {
    /// Pretty-printed, sorted keys, trailing newline: stable output that diffs well. The report's
    /// fields plus `findings`, derived from them.
    public static func encode(_ report: Report) throws -> [UInt8] {
        try encodeValue(ReportDocument(report: report))
    }

    /// The same JSON style for any other exported value (the comparison).
    public static func encodeValue<T: Encodable>(_ value: T) throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = [UInt8](try e.encode(value))
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a report, checking `schemaVersion` before anything else so that a report of another
    /// version gets "unsupported version" rather than a confusing missing-field message.
    public static func decode(_ bytes: [UInt8]) throws(ReportDecodeError) -> Report {
        let data = Data(bytes)
        let top: Any
        do {
            top = try JSONSerialization.jsonObject(with: data, options: [])
        } catch {
            let hint = bytes.isEmpty ? "the file is empty" : "it does not parse as JSON"
            throw .notJSON(hint)
        }
        guard let object = top as? [String: Any], object["schemaVersion"] != nil else {
            throw .notAReport
        }
        struct VersionOnly: Decodable { var schemaVersion: Int }
        guard let version = try? JSONDecoder().decode(VersionOnly.self, from: data).schemaVersion else {
            throw .invalid("\"schemaVersion\" is not a whole number")
        }
        guard Report.readableSchemaVersions.contains(version) else { throw .unsupportedSchema(version) }
        // A saved report is outside text too (someone sent it): every string in it is cleaned, as
        // the probes clean what they quote, before anything renders it (`compare`).
        let cleaned = (try? JSONSerialization.data(withJSONObject: cleanStrings(object), options: [])) ?? data
        do {
            return try JSONDecoder().decode(Report.self, from: cleaned)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .invalid("missing field \(path(ctx.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalid("field \(path(ctx.codingPath)) has the wrong type")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .invalid("field \(path(ctx.codingPath)) is null")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw .invalid("field \(path(ctx.codingPath)): \(ctx.debugDescription)")
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// Longest string kept from a loaded report; the longest p2ptui writes is a few hundred.
    static let maxLoadedString = 4096

    /// Every string (keys included) of a parsed JSON value through `UntrustedText.clean`.
    static func cleanStrings(_ value: Any) -> Any {
        switch value {
        case let s as String: return UntrustedText.clean(s, limit: maxLoadedString)
        case let a as [Any]: return a.map(cleanStrings)
        case let d as [String: Any]:
            var out: [String: Any] = [:]
            for (k, v) in d { out[UntrustedText.clean(k, limit: maxLoadedString)] = cleanStrings(v) }
            return out
        default: return value
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// Why a report file could not be loaded: the file itself, or its content.
public enum ReportLoadError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read (missing, a directory, no permission...).
    case unreadable(path: String, reason: String)
    /// The file was read but is not a usable report.
    case invalid(path: String, ReportDecodeError)

    public var description: String {
        switch self {
        case .unreadable(let p, let why): return "cannot read \(p): \(why)"
        case .invalid(let p, let e): return "\(p): \(e)"
        }
    }
}

extension ReportJSON {
    /// Largest report file accepted; real ones are a few kilobytes.
    public static let maxFileSize = 16 << 20

    /// Reads and decodes a saved report.
    public static func load(path: String) throws(ReportLoadError) -> Report {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.read(path: path, limit: maxFileSize)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
        do {
            return try decode(bytes)
        } catch {
            throw .invalid(path: path, error)
        }
    }
}
