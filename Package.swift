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

// MARK: - Text primitives: calendar day arithmetic and JSON string escaping (level 0, no dependencies)

let textPrimitivesTargets: [Target] = [
    .target(name: "TextPrimitives", swiftSettings: swiftSettings),
    .testTarget(name: "TextPrimitivesTests", dependencies: ["TextPrimitives"], swiftSettings: swiftSettings),
]

// MARK: - Foundation: LoRaWAN frames and crypto, regional parameters (issue #2)

let foundationTargets: [Target] = [
    .target(name: "LoRaWAN", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
    .testTarget(name: "LoRaWANTests", dependencies: ["LoRaWAN"], swiftSettings: swiftSettings),
]

// MARK: - Regional parameters: channel plans from Regions/ (issue #2)

let regionalParametersTargets: [Target] = [
    .target(name: "RegionalParameters", dependencies: ["LoRaWAN"], swiftSettings: swiftSettings),
    .testTarget(name: "RegionalParametersTests", dependencies: ["RegionalParameters", "LoRaWAN"],
                swiftSettings: swiftSettings),
]

// MARK: - Payload codecs (issue #6): JavaScript codecs on JavaScriptCore, native Cayenne LPP

let payloadCodecTargets: [Target] = [
    .systemLibrary(name: "CJavaScriptCore", path: "Sources/CJavaScriptCore",
                   pkgConfig: "javascriptcoregtk-4.1",
                   providers: [.apt(["libjavascriptcoregtk-4.1-dev"])]),
    .target(name: "PayloadCodecs", dependencies: ["CJavaScriptCore", "TextPrimitives"], swiftSettings: swiftSettings),
    .testTarget(name: "PayloadCodecsTests", dependencies: ["PayloadCodecs"], swiftSettings: swiftSettings),
]

// MARK: - Rules: AWS IoT-style rule SQL, topic filters, actions as values (issue #7)

let rulesTargets: [Target] = [
    .target(name: "Rules", dependencies: ["TextPrimitives"], swiftSettings: swiftSettings),
    // AWS's md5()/sha256()/… for Rules, over OpenSSL (Rules itself stays Foundation-only).
    .target(name: "RulesHashing", dependencies: ["Rules", "COpenSSL"], swiftSettings: swiftSettings),
    .testTarget(name: "RulesTests", dependencies: ["Rules", "RulesHashing"], swiftSettings: swiftSettings),
]

// MARK: - Telemetry: time-series chunks, the telemetry store, SQL analytics (issue #5)

let telemetryTargets: [Target] = [
    .target(name: "TimeSeries", dependencies: ["TextPrimitives"], swiftSettings: swiftSettings),
    .target(name: "TelemetryStore", dependencies: ["TimeSeries", "SQLite", "CSQLite", "CZstd",
                                                 .product(name: "Metrics", package: "swift-metrics")], swiftSettings: swiftSettings),
    .target(name: "Analytics", dependencies: ["TextPrimitives", "TimeSeries", "TelemetryStore", "SQLite", "CSQLite"], swiftSettings: swiftSettings),
    .testTarget(name: "TimeSeriesTests", dependencies: ["TimeSeries"], swiftSettings: swiftSettings),
    .testTarget(name: "TelemetryStoreTests", dependencies: ["TelemetryStore", "TimeSeries", "SQLite"], swiftSettings: swiftSettings),
    .testTarget(name: "AnalyticsTests", dependencies: ["Analytics", "TelemetryStore", "TimeSeries", "SQLite"], swiftSettings: swiftSettings),
]

// MARK: - Events: detectors and alert lifecycle (pure), alert store (disk), hook delivery (I/O) (issue #7)

let eventsTargets: [Target] = [
    .target(name: "Events", dependencies: ["TextPrimitives"], swiftSettings: swiftSettings),
    .target(name: "AlertStore", dependencies: ["Events", "SQLite"], swiftSettings: swiftSettings),
    // Webhooks go out through async-http-client on the process's NIO event loops (kept-alive,
    // bounded per-host pools), not URLSession.
    .target(name: "AlertHooks", dependencies: ["Events", "AlertStore", "COpenSSL", "SQLite",
                                             .product(name: "Metrics", package: "swift-metrics"),
                                             .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                             .product(name: "NIOCore", package: "swift-nio"),
                                             .product(name: "NIOPosix", package: "swift-nio"),
                                             .product(name: "NIOHTTP1", package: "swift-nio")], swiftSettings: swiftSettings),
    .testTarget(name: "EventsTests", dependencies: ["Events"], swiftSettings: swiftSettings),
    .testTarget(name: "AlertStoreTests", dependencies: ["AlertStore", "Events"], swiftSettings: swiftSettings),
    .testTarget(name: "AlertHooksTests", dependencies: ["AlertHooks", "AlertStore", "Events"], swiftSettings: swiftSettings),
]

// MARK: - Network server: packet-forwarder protocol, gateway bridge, registry, network server (issue #3)

let networkServerTargets: [Target] = [
    .target(name: "PacketForwarder", dependencies: ["LoRaWAN", "TextPrimitives"], swiftSettings: swiftSettings),
    .testTarget(name: "PacketForwarderTests", dependencies: ["PacketForwarder"], swiftSettings: swiftSettings),
    .target(
        name: "GatewayBridge",
        dependencies: [
            "PacketForwarder", "LoRaWAN",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "GatewayBridgeTests",
        dependencies: [
            "GatewayBridge", "PacketForwarder", "TestSupport",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(name: "Registry", dependencies: ["SQLite", "LoRaWAN", "COpenSSL"], swiftSettings: swiftSettings),
    .testTarget(name: "RegistryTests", dependencies: ["Registry", "LoRaWAN", "SQLite"], swiftSettings: swiftSettings),
    .target(
        name: "NetworkServer",
        dependencies: [
            "LoRaWAN", "RegionalParameters", "Registry", "TextPrimitives",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "TestSupport",
        dependencies: [
            "LoRaWAN", "RegionalParameters", "Simulator",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .target(
        name: "HTTPAPI",
        dependencies: [
            "LoRaWAN", "Registry", "NetworkServer", "Rules", "Events", "TextPrimitives",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ],
        exclude: ["OpenAPI"],
        swiftSettings: swiftSettings,
        plugins: ["EmbedOpenAPI"]
    ),
    .target(
        name: "ServerApp",
        dependencies: [
            "LoRaWAN", "RegionalParameters", "Registry", "NetworkServer", "GatewayBridge", "PacketForwarder", "HTTPAPI",
            "Broker", "MQTT", "PayloadCodecs", "TimeSeries", "TelemetryStore", "Analytics", "Rules", "RulesHashing",
            "Events", "AlertStore", "AlertHooks", "Dashboard",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ServerAppTests",
        dependencies: ["ServerApp", "TestSupport", "PacketForwarder", "LoRaWAN", "Registry", "Broker", "AlertHooks",
                       .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                       .product(name: "Logging", package: "swift-log")],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "NetworkServerTests",
        dependencies: ["NetworkServer", "TestSupport", "LoRaWAN", "RegionalParameters", "Registry",
                       .product(name: "Logging", package: "swift-log")],
        swiftSettings: swiftSettings
    ),
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

// MARK: - Web dashboard (issue #8): static pages embedded in the binary, served at /ui/ by `lorikeet serve`

let dashboardTargets: [Target] = [
    .target(
        name: "Dashboard",
        dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ],
        // Embedded (not copied) so that a release binary moved anywhere still serves the pages.
        resources: [.embedInCode("Web")],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "DashboardTests",
        dependencies: [
            "Dashboard",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - LoRaWAN tools: libFuzzer target over frame and MAC-command parsing (issue #2).
// Built for fuzzing only by scripts/run-fuzz (`make fuzz`), which adds -sanitize=fuzzer,address
// and -D LORIKEET_FUZZING; in a normal build it is a stub that says how to run it.

let lorawanToolTargets: [Target] = [
    .executableTarget(name: "FuzzFrames", dependencies: ["LoRaWAN"], swiftSettings: swiftSettings),
]

// MARK: - Observability (issue #8): the Prometheus backend of swift-metrics, /metrics, /readyz, /api/stream

let observabilityTargets: [Target] = [
    .target(
        name: "Observability",
        dependencies: [
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "ObservabilityTests",
        dependencies: [
            "Observability", "HTTPAPI", "TestSupport", "Registry",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - The executable (argument parsing only)

// MARK: Simulator (`lorikeet simulate`: packet-forwarder gateways and OTAA/ABP devices over real UDP, provisioned through the HTTP API)
let simulatorTargets: [Target] = [
    .target(
        name: "Simulator",
        dependencies: [
            "LoRaWAN", "PacketForwarder", "RegionalParameters",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ],
        swiftSettings: swiftSettings
    ),
    .testTarget(
        name: "SimulatorTests",
        dependencies: ["Simulator", "TestSupport", "LoRaWAN", "PacketForwarder", "RegionalParameters"],
        swiftSettings: swiftSettings
    ),
]

let executableTargets: [Target] = [
    .executableTarget(
        name: "lorikeet",
        dependencies: [
            "LoRaWAN",
            "RegionalParameters",
            "PayloadCodecs",
            .product(name: "Yams", package: "Yams"),
            "Rules",
            "RulesHashing",
            "Events",
            "AlertHooks",
            "Registry",
            "ServerApp",
            "TimeSeries", "TelemetryStore", "Analytics",
            "Broker",
            "Simulator",
            "Observability", "HTTPAPI",
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ],
        swiftSettings: swiftSettings
    ),
]

// MARK: - HTTP API and access control (issue #8): OpenAPI fragments embedded at build time

let httpAPITargets: [Target] = [
    .executableTarget(name: "EmbedOpenAPITool", path: "Sources/EmbedOpenAPITool"),
    .plugin(name: "EmbedOpenAPI", capability: .buildTool(), dependencies: ["EmbedOpenAPITool"]),
    .testTarget(name: "HTTPAPITests", dependencies: ["HTTPAPI", "Registry", "LoRaWAN",
                                                     .product(name: "Hummingbird", package: "hummingbird"),
                                                     .product(name: "HummingbirdTesting", package: "hummingbird")],
                swiftSettings: swiftSettings),
]

// Every area's targets, in level order.
let allTargets: [Target] =
    systemLibraries
    + sqliteTargets
    + textPrimitivesTargets
    + foundationTargets
    + regionalParametersTargets
    + payloadCodecTargets
    + rulesTargets
    + eventsTargets
    + lorawanToolTargets
    + networkServerTargets
    + telemetryTargets
    + brokerTargets
    + dashboardTargets
    + simulatorTargets
    + httpAPITargets
    + observabilityTargets
    + executableTargets

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
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: allTargets
)
