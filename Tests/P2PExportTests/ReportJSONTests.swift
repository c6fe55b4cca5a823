import Foundation
import P2PExport
import P2PReport
import P2PTestSupport
import Testing

/// `r` with every string through `UntrustedText.clean`, as `ReportJSON.decode` reads it.
func cleaned(_ r: Report) throws -> Report {
    func walk(_ v: Any) -> Any {
        switch v {
        case let s as String: return UntrustedText.clean(s, limit: 4096)
        case let a as [Any]: return a.map(walk)
        case let d as [String: Any]: return Dictionary(uniqueKeysWithValues: d.map { (UntrustedText.clean($0.key, limit: 4096), walk($0.value)) })
        default: return v
        }
    }
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r))
    return try JSONDecoder().decode(Report.self, from: JSONSerialization.data(withJSONObject: walk(object)))
}

@Suite struct ReportJSONTests {
    @Test func aLoadedReportHoldsNoRawControlCharacter() throws {
        var r = ReportFixtures.inconclusiveAllWarn
        r.run.hostname = "h\u{1B}]0;title\u{07}"
        r.verdict.reasons = ["\u{202E}reversed", String(repeating: "x", count: 10_000)]
        let back = try ReportJSON.decode(ReportJSON.encode(r))
        #expect(back.run.hostname == "h\\x1b]0;title\\x07")
        #expect(back.verdict.reasons[0] == "\\u202ereversed")
        #expect(back.verdict.reasons[1].unicodeScalars.count == 4096 && back.verdict.reasons[1].hasSuffix("..."))
        #expect(back.nat.servers.compactMap(\.detail).allSatisfy(UntrustedText.isClean))
        #expect(back.nat.servers.contains { $0.detail == "SOFTWARE \\x1b[31mevil\\x1b[0m\\x09server" })
        // Clean reports come back unchanged.
        #expect(try ReportJSON.decode(ReportJSON.encode(ReportFixtures.cloudAllFail)) == ReportFixtures.cloudAllFail)
    }

    @Test(arguments: ReportFixtures.all.map(\.name))
    func roundTrip(name: String) throws {
        let r = ReportFixtures.all.first { $0.name == name }!.report
        let bytes = try ReportJSON.encode(r)
        #expect(bytes.last == 0x0A)
        // Reading a report cleans its strings (a fixture holds a server's raw escape codes).
        #expect(try ReportJSON.decode(bytes) == cleaned(r))
        // Stable output: encoding twice gives the same bytes.
        #expect(try ReportJSON.encode(r) == bytes)
    }

    @Test func keysAreSorted() throws {
        let text = String(decoding: try ReportJSON.encode(ReportFixtures.nothingChecked), as: UTF8.self)
        let cloud = text.range(of: "\"cloud\"")!.lowerBound
        let nat = text.range(of: "\"nat\"")!.lowerBound
        #expect(cloud < nat)
        #expect(text.hasPrefix("{\n"))
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func badInput() throws {
        #expect(throws: ReportDecodeError.notJSON("the file is empty")) { try ReportJSON.decode([]) }
        #expect(throws: ReportDecodeError.notJSON("it does not parse as JSON")) {
            try ReportJSON.decode(Self.bytes("p2ptui summary: can this machine..."))
        }
        #expect(throws: ReportDecodeError.notAReport) { try ReportJSON.decode(Self.bytes("[1, 2]")) }
        #expect(throws: ReportDecodeError.notAReport) { try ReportJSON.decode(Self.bytes(#"{"name": "x"}"#)) }
        // The version is checked before anything else: a v3 report with other fields gets "unsupported".
        #expect(throws: ReportDecodeError.unsupportedSchema(3)) {
            try ReportJSON.decode(Self.bytes(#"{"schemaVersion": 3, "whatever": true}"#))
        }
        #expect(throws: ReportDecodeError.invalid("\"schemaVersion\" is not a whole number")) {
            try ReportJSON.decode(Self.bytes(#"{"schemaVersion": "1"}"#))
        }
        do {
            _ = try ReportJSON.decode(Self.bytes(#"{"schemaVersion": 1}"#))
            Issue.record("a report without sections decoded")
        } catch {
            #expect("\(error)".contains("missing field"))
        }
        // A wrong enum value names the field.
        var text = String(decoding: try ReportJSON.encode(ReportFixtures.homeAllPass), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"endpoint-independent\"", with: "\"sideways\"")
        do {
            _ = try ReportJSON.decode(Self.bytes(text))
            Issue.record("a bad enum value decoded")
        } catch {
            #expect("\(error)".contains("nat."))
            #expect("\(error)".hasPrefix("the report is damaged"))
        }
    }

    /// A port key or a hop the report could not have written names its field and says why.
    @Test func aDamagedPortOrHopSaysWhere() throws {
        let text = String(decoding: try ReportJSON.encode(ReportFixtures.homeAllPass), as: UTF8.self)
        for (from, to, message) in [
            ("\"53\" : \"reached\"", "\"x53\" : \"reached\"", "field udp.ports.x53: \"x53\" is not a UDP port number"),
            ("\"2 203.0.113.1\"", "\"2 gateway\"", "field doubleNat.hops.[1]: hop \"2 gateway\" is not \"TTL address\""),
        ] {
            #expect(text.contains(from))
            do {
                _ = try ReportJSON.decode(Self.bytes(text.replacingOccurrences(of: from, with: to)))
                Issue.record("\(to) decoded")
            } catch {
                #expect("\(error)".hasPrefix("the report is damaged: " + message), "\(error)")
            }
        }
    }

    @Test func messagesArePlain() {
        #expect("\(ReportDecodeError.unsupportedSchema(7))".contains("schema version 7"))
        #expect("\(ReportDecodeError.notAReport)".contains("not a p2ptui report"))
    }

    @Test func loadReportsFileProblems() throws {
        let dir = try TempDir()
        #expect(throws: ReportLoadError.unreadable(path: dir.path + "/none.json", reason: "no such file")) {
            try ReportJSON.load(path: dir.path + "/none.json")
        }
        #expect(throws: ReportLoadError.unreadable(path: dir.path, reason: "it is a directory")) {
            try ReportJSON.load(path: dir.path)
        }
        let good = dir.path + "/good.json"
        try Data(try ReportJSON.encode(ReportFixtures.cloudAllFail)).write(to: URL(fileURLWithPath: good))
        #expect(try ReportJSON.load(path: good) == ReportFixtures.cloudAllFail)
        let bad = dir.path + "/bad.json"
        try Data("{\"schemaVersion\": 9}".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(throws: ReportLoadError.invalid(path: bad, .unsupportedSchema(9))) {
            try ReportJSON.load(path: bad)
        }
    }
}

/// A fresh directory under /tmp, removed at the end of the test.
final class TempDir {
    let path: String
    init() throws {
        var template = Array("/tmp/p2ptui-export-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func entries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

@Suite struct ExportJSONTests {
    @Test(arguments: ReportFixtures.all.map(\.name))
    func exportIsStillAReport(name: String) throws {
        let r = ReportFixtures.all.first { $0.name == name }!.report
        let bytes = try ReportJSON.encodeExport(r)
        #expect(try ReportJSON.decode(bytes) == cleaned(r))
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
        let steps = object["steps"] as! [[String: Any]]
        #expect(steps.map { $0["step"] as! String } == Step.allCases.map(\.rawValue))
        #expect(steps.map { $0["status"] as! String } == r.assessSteps().map(\.status.rawValue))
        #expect((object["logs"] as! [String]).count == Pages.logs.count)
        #expect(steps.map { $0["title"] as! String } == Step.allCases.map(\.title))
        #expect(object["redacted"] as? Bool == false)
    }

    /// `findings` and `verdict.codes` in the saved JSON are the rules' output for the saved report.
    @Test(arguments: ReportFixtures.all.map(\.name))
    func exportCarriesTheCodedFindings(name: String) throws {
        let r = ReportFixtures.all.first { $0.name == name }!.report
        for bytes in [try ReportJSON.encode(r), try ReportJSON.encodeExport(r)] {
            struct Coded: Decodable { var findings: [ReportFinding]; var verdict: Verdict }
            let coded = try JSONDecoder().decode(Coded.self, from: Data(bytes))
            #expect(coded.findings == FindingRules.findings(for: r))
            #expect(coded.verdict.codes == r.verdict.codes)
        }
    }

    /// A report saved by an older p2ptui (schema 1: no findings, no verdict codes) still loads, and
    /// `compare` reads it as it reads the same report saved now.
    @Test func schemaOneReportStillLoads() throws {
        for fixture in ReportFixtures.all {
            var object = try JSONSerialization.jsonObject(with: Data(ReportJSON.encode(fixture.report))) as! [String: Any]
            object["schemaVersion"] = 1
            object["findings"] = nil
            var verdict = object["verdict"] as! [String: Any]
            verdict["codes"] = nil
            object["verdict"] = verdict
            let old = try ReportJSON.decode(Array(JSONSerialization.data(withJSONObject: object)))
            #expect(old.schemaVersion == 1 && old.verdict.codes.isEmpty)
            let now = try ReportJSON.decode(ReportJSON.encode(fixture.report))
            #expect(Compare.compare(client: old, connector: old) == Compare.compare(client: now, connector: now), "\(fixture.name)")
        }
    }

    @Test func redactedExport() throws {
        let bytes = try ReportJSON.encodeExport(ReportFixtures.cloudAllFail, redact: true)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(LeakScanner.publicLiterals(in: text).isEmpty)
        #expect(try ReportJSON.decode(bytes) == Redactor.redact(ReportFixtures.cloudAllFail))
        golden.expect(text, matches: "cloud-all-fail.export.redacted.json")
    }
}
