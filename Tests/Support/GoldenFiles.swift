// Golden-file comparison with a record mode.
//
// `P2PTUI_RECORD=1 swift test --filter TARGET` rewrites the files in the source tree (the target's
// Golden folder, found from #filePath, since `.copy` resources are only a copy in the test bundle);
// without it the output must match the bundled copy byte for byte, and a mismatch shows the
// differing lines.
import Foundation
import Testing

public struct GoldenFiles: Sendable {
    /// The folder in the source tree that recording rewrites.
    public let sourceDirectory: URL
    /// The test bundle's copy that is compared against (nil: the bundle has none).
    public let bundledDirectory: URL?

    public init(sourceDirectory: URL, bundledDirectory: URL?) {
        self.sourceDirectory = sourceDirectory
        self.bundledDirectory = bundledDirectory
    }

    public static var recording: Bool { ProcessInfo.processInfo.environment["P2PTUI_RECORD"] == "1" }

    public func expect(_ actual: String, matches name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        if Self.recording {
            let url = sourceDirectory.appendingPathComponent(name)
            do {
                try Data(actual.utf8).write(to: url)
            } catch {
                Issue.record("could not record \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let dir = bundledDirectory,
              let data = try? Data(contentsOf: dir.appendingPathComponent(name)) else {
            Issue.record("golden file \(name) is missing: run the tests with P2PTUI_RECORD=1, review and commit",
                         sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        if expected != actual {
            let message = "\(name) differs from the golden file (P2PTUI_RECORD=1 to accept):\n"
                + Self.diff(expected: expected, actual: actual)
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        }
    }

    /// The differing lines, with line numbers (a line diff, enough to see what moved).
    public static func diff(expected: String, actual: String, limit: Int = 20) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(e.count, a.count) where out.count < limit * 2 {
            let el = i < e.count ? String(e[i]) : nil
            let al = i < a.count ? String(a[i]) : nil
            if el != al {
                if let el { out.append("\(i + 1)- \(el)") }
                if let al { out.append("\(i + 1)+ \(al)") }
            }
        }
        if e.count != a.count { out.append("(expected \(e.count) lines, got \(a.count))") }
        return out.joined(separator: "\n")
    }
}
