import AlertHooks
import Foundation
import Logging
@testable import ServerApp
import Testing
import TestSupport

/// When `serve` builds the events service: only with stored detectors, and a bad webhook stops the start.
@Suite("serve: event detectors from events.sqlite")
struct EventsFeedTests {
    static func configuration(_ dir: URL) -> ServerConfiguration {
        var config = ServerConfiguration(dataDir: dir.path, regionsDir: RegionFiles.directory.path)
        config.broker.port = 0
        config.broker.webSocketPort = nil
        return config
    }

    static func withDirectory(detectors: String?, _ body: (URL) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-events-feed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        if let detectors {
            let file = dir.appendingPathComponent("detectors.json")
            try Data(detectors.utf8).write(to: file)
            _ = try EventsRunner.importDetectors(dataDirectory: dir.path, file: file.path)
        }
        try await body(dir)
    }

    static let hot = #"[{"id": "hot", "threshold": {"metric": "temperature_3", "direction": "above", "threshold": 30}}]"#

    @Test("no events.sqlite: no events service")
    func noDetectors() async throws {
        try await Self.withDirectory(detectors: nil) { dir in
            let app = try await ServerApp(configuration: Self.configuration(dir), logger: Logger(label: "t"))
            #expect(app.events == nil)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("events.sqlite").path))
        }
    }

    @Test("stored detectors: the events service is built")
    func withDetectors() async throws {
        try await Self.withDirectory(detectors: Self.hot) { dir in
            let app = try await ServerApp(configuration: Self.configuration(dir), logger: Logger(label: "t"))
            let feed = try #require(app.events)
            await feed.ingest(device: "0102030405060708", application: "farm", deviceProfile: "lpp", time: 1_790_000_000_000,
                              metrics: [(metric: "temperature_3", value: 35)])
            let alerts = try await feed.service.alerts(openOnly: true, limit: 10)
            #expect(alerts.map(\.detectorID) == ["hot"])
            #expect(alerts.first?.value == 35)
        }
    }

    @Test("a webhook without a secret stops the start with a configuration error")
    func webhookWithoutSecret() async throws {
        try await Self.withDirectory(detectors: Self.hot) { dir in
            var config = Self.configuration(dir)
            config.alertWebhook = AlertWebhookConfiguration(url: "http://127.0.0.1:9/hook")
            await #expect(throws: ServerAppError.invalidConfiguration("alertWebhook needs secret or secretFile")) {
                _ = try await ServerApp(configuration: config, logger: Logger(label: "t"))
            }
        }
    }
}
