// swift-tools-version: 6.1
// Lorikeet: a self-hosted LoRaWAN network server and telemetry analytics backend.
//
// Layout (see README.md, "Architecture"): level-0 modules are pure (no sockets, files or clocks);
// Storage-like modules own the disk; the socket edges sit above them; ServerApp composes; the
// `lorikeet` executable only parses arguments. Each area keeps its targets in its own array below
// so that work on one area does not touch the lines of another.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// MARK: - System libraries (C shims; the Makefile installs the -dev packages)

let systemLibraries: [Target] = [
    .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                   providers: [.apt(["libssl-dev"])]),
    .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                   providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                   providers: [.apt(["libsqlite3-dev"])]),
]

// MARK: - Shared SQLite access (a thin layer over the C API; used by every module that owns tables)

let sqliteTargets: [Target] = [
    .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
    .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: swiftSettings),
]

// MARK: - Foundation: LoRaWAN frames and crypto, regional parameters (issue #2)

let foundationTargets: [Target] = [
    .target(name: "LoRaWAN", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
    .testTarget(name: "LoRaWANTests", dependencies: ["LoRaWAN"], swiftSettings: swiftSettings),
]

// MARK: - MQTT broker (issue #4): the pure MQTT codec (level 0) and the broker service (level 3)

let brokerTargets: [Target] = [
    .target(
        name: "MQTT",
        dependencies: [.product(name: "NIOCore", package: "swift-nio")],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "Broker",
        dependencies: [
            "MQTT", "COpenSSL",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "MQTTTests",
        dependencies: [
            "MQTT",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTestUtils", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "BrokerTests",
        dependencies: [
            "Broker", "MQTT",
            .product(name: "NIOCore", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - The executable (argument parsing only)

let executableTargets: [Target] = [
    .executableTarget(
        name: "lorikeet",
        dependencies: [
            "LoRaWAN",
            "Broker",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
]

let package = Package(
    name: "Lorikeet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "lorikeet", targets: ["lorikeet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: systemLibraries + sqliteTargets + foundationTargets + brokerTargets + executableTargets
)
