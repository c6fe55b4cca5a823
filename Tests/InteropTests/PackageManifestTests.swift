import Foundation
import Testing

/// Package.swift declares only what the code uses: every library product a target depends on is
/// imported by at least one source file (an unused dependency is code fetched, built and shipped
/// for nothing).
@Suite struct PackageManifestTests {
    @Test func everyDeclaredProductIsImported() throws {
        let root = InteropTests.root
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let products = Set(manifest.components(separatedBy: ".product(name: \"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) })
        #expect(!products.isEmpty)
        var imports = Set<String>()
        let sources = root.appendingPathComponent("Sources")
        let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                imports.insert(String(line.dropFirst("import ".count)).trimmingCharacters(in: .whitespaces))
            }
        }
        for product in products.sorted() {
            #expect(imports.contains(product), "Package.swift declares \(product), but no file under Sources imports it")
        }
    }
}
