import AlertHooks
import Foundation
import Logging
@testable import ServerApp
import Testing
import TestSupport

/// How `serve` builds the events service: always (with or without stored detectors), and a bad webhook stops the start.
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

    @Test("no detectors: the events service still runs (rule alerts and webhooks), with none")
    func noDetectors() async throws {
        try await Self.withDirectory(detectors: nil) { dir in
            let app = try await ServerApp(configuration: Self.configuration(dir), logger: Logger(label: "t"))
            #expect(await app.events.service.definitions.isEmpty)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("events.sqlite").path))
            // The rule-webhook secret is generated once, mode 0600, and kept across starts.
            let secretPath = dir.appendingPathComponent("rules-webhook.secret").path
            let secret = try String(contentsOfFile: secretPath, encoding: .utf8)
            #expect(secret.count == 65)
            let mode = try FileManager.default.attributesOfItem(atPath: secretPath)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            _ = try await ServerApp(configuration: Self.configuration(dir), logger: Logger(label: "t"))
            #expect(try String(contentsOfFile: secretPath, encoding: .utf8) == secret)
        }
    }

    @Test("stored detectors: the events service is built")
    func withDetectors() async throws {
        try await Self.withDirectory(detectors: Self.hot) { dir in
            let app = try await ServerApp(configuration: Self.configuration(dir), logger: Logger(label: "t"))
            let feed = app.events
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
