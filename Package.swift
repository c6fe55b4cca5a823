// swift-tools-version:6.0
// p2ptui: why two machines cannot talk directly, and what to change.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "p2ptui",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "p2ptui", targets: ["p2ptui"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `serve --metrics`: counters and a latency histogram through swift-metrics, exposed in the
        // Prometheus format by swift-prometheus, over HTTP by FlyingFox (small, no NIO).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // Layer 0: IP addresses, endpoints, host[:port] text and address scopes (pure values).
        .target(name: "P2PAddress", swiftSettings: strict),
        // Layer 1: pure STUN codec (value types, no I/O).
        .target(name: "STUNCodec",
                dependencies: ["P2PAddress", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        // C helpers for things Swift cannot import (CMSG macros, errqueue structs).
        .target(name: "CP2PShim"),
        // Layer 2: every POSIX socket call behind one wrapper.
        .target(name: "P2PSocket", dependencies: ["P2PAddress", "STUNCodec", "CP2PShim"], swiftSettings: strict),
        // Layer 2.5: the STUN client: one scheduled send/receive loop with an injected clock and
        // socket, retransmission schedules, and concurrent STUN transactions on one socket.
        .target(name: "P2PExchange", dependencies: ["P2PAddress", "STUNCodec", "P2PSocket"], swiftSettings: strict),
        // Layer 3: the flat Codable report and the pure verdict over it.
        .target(name: "P2PReport", dependencies: ["P2PAddress"], swiftSettings: strict),
        // Layer 4: probes (STUN transactions, NAT behaviour discovery, egress, ...).
        .target(name: "P2PProbes",
                dependencies: ["P2PAddress", "STUNCodec", "P2PSocket", "P2PExchange", "P2PReport"],
                swiftSettings: strict),
        // The RFC 5780 STUN server behind `p2ptui serve`.
        .target(name: "P2PServer",
                dependencies: ["STUNCodec", "P2PSocket",
                               .product(name: "CoreMetrics", package: "swift-metrics")],
                swiftSettings: strict),
        // `p2ptui punch`: connection codes, the check state machine (pure) and the one-socket runner.
        .target(name: "P2PPunch", dependencies: ["P2PAddress", "STUNCodec", "P2PSocket", "P2PExchange", "P2PReport",
                                                 .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        // Exporters: plain functions over the report (summary text, JSON, redaction, compare).
        .target(name: "P2PExport", dependencies: ["P2PAddress", "P2PReport"], swiftSettings: strict),
        // ncurses, through a system library target.
        // (No pkgConfig: ncursesw.pc adds feature macros SwiftPM rejects as warnings.)
        .systemLibrary(name: "CNcurses", providers: [.apt(["libncurses-dev"])]),
        // Pure wizard state machine: model -> update -> view into a text grid.
        .target(name: "P2PWizard", dependencies: ["P2PReport", "P2PExport"], swiftSettings: strict),
        // Thin ncurses adapter that draws the grid and reads keys (main thread only).
        .target(name: "P2PTerminal", dependencies: ["CNcurses", "P2PWizard"], swiftSettings: strict),
        .executableTarget(
            name: "p2ptui",
            dependencies: ["P2PAddress", "STUNCodec", "P2PSocket", "P2PReport", "P2PProbes", "P2PServer",
                           "P2PExport", "P2PWizard", "P2PTerminal", "P2PPunch",
                           .product(name: "ArgumentParser", package: "swift-argument-parser"),
                           .product(name: "CoreMetrics", package: "swift-metrics"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "FlyingFox", package: "FlyingFox"),
                           .product(name: "FlyingSocks", package: "FlyingFox")],
            swiftSettings: strict),
        // Benchmark load generator (scripts/bench): Binding requests or malformed floods over UDP.
        .executableTarget(name: "p2ptui-load", dependencies: ["STUNCodec"], swiftSettings: strict),
        // libFuzzer harness over the decoder and the server's request path (scripts/fuzz); a plain
        // build makes a replay driver of the same checks.
        .executableTarget(name: "p2ptui-fuzz", dependencies: ["STUNCodec", "P2PServer"], swiftSettings: strict),

        .testTarget(name: "P2PAddressTests", dependencies: ["P2PAddress"], swiftSettings: strict),
        .testTarget(name: "STUNCodecTests", dependencies: ["STUNCodec", "P2PSocket"],
                    resources: [.copy("Corpus")], swiftSettings: strict),
        .testTarget(name: "P2PSocketTests", dependencies: ["P2PSocket", "P2PTestSupport"], swiftSettings: strict),
        .testTarget(name: "P2PExchangeTests", dependencies: ["P2PExchange", "P2PAddress", "STUNCodec", "P2PSocket"],
                    swiftSettings: strict),
        .testTarget(name: "P2PReportTests", dependencies: ["P2PAddress", "P2PReport", "P2PTestSupport"],
                    resources: [.copy("Golden")], swiftSettings: strict),
        .testTarget(name: "P2PProbesTests",
                    dependencies: ["P2PProbes", "P2PExchange", "P2PServer", "STUNCodec", "P2PSocket", "P2PTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "P2PServerTests", dependencies: ["P2PServer", "STUNCodec", "P2PSocket",
                                                          .product(name: "Prometheus", package: "swift-prometheus")],
                    swiftSettings: strict),
        .testTarget(name: "P2PPunchTests", dependencies: ["P2PPunch", "P2PExchange", "P2PReport", "P2PServer", "STUNCodec", "P2PSocket"],
                    swiftSettings: strict),
        .testTarget(name: "P2PExportTests", dependencies: ["P2PExport", "P2PReport", "P2PTestSupport"],
                    resources: [.copy("Golden")], swiftSettings: strict),
        .testTarget(name: "P2PWizardTests", dependencies: ["P2PWizard", "P2PReport", "P2PExport", "P2PTestSupport"],
                    resources: [.copy("Golden")], swiftSettings: strict),
        // What the test targets share: subprocesses, hang guards, the `.needsLab` trait, golden
        // files and the fixed reports.
        .target(name: "P2PTestSupport", dependencies: ["STUNCodec", "P2PSocket", "P2PReport"], path: "Tests/Support",
                swiftSettings: strict),
        // End-to-end: the real binary in NAT lab namespaces (root), against third-party STUN
        // tools, and in tmux.
        .testTarget(name: "LabTests", dependencies: ["P2PReport", "P2PTestSupport"], swiftSettings: strict),
        .testTarget(name: "InteropTests", dependencies: ["P2PReport", "P2PPunch", "STUNCodec", "P2PTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "TUITests", dependencies: ["P2PReport", "P2PTestSupport"], swiftSettings: strict),
    ]
)
