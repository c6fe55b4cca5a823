// This target's golden files (Tests/Support/GoldenFiles.swift): `P2PTUI_RECORD=1` rewrites them.
import Foundation
import P2PTestSupport

let golden = GoldenFiles(
    sourceDirectory: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden"),
    bundledDirectory: Bundle.module.url(forResource: "Golden", withExtension: nil))
