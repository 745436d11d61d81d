import Broker
import Foundation
import GatewayBridge
import LoRaWAN
import Logging
import NetworkServer
import NIOCore
import PayloadCodecs
import Registry
import TelemetryStore
import TimeSeries

/// The product path after the network server: every event is completed (an `up` gets its codec's
/// decoded `object`), published on MQTT under ChirpStack v4 topics, and an `up`'s numeric fields
/// and radio metadata are written to the telemetry store. Downlink commands from MQTT are checked,
/// encoded and queued. Nothing here stops the server: a failure becomes a `log` event.
struct Pipelines: Sendable {
    let bus: MessageBus
    let codecs: CodecService
    let registry: SQLiteRegistry
    let networkServer: NetworkServer
    let telemetry: TelemetryStore
    /// Per application: which metrics to keep (absent = all).
    let telemetryMetrics: [String: [String]]
    /// The event detectors, fed every sample written (nil = none defined).
    let events: EventsFeed?
    let logger: Logger
    /// Device profiles by id for the `up` path (which only needs the codec name), kept 5 s like
    /// the network server's device cache, so an uplink does not read and decode the profile.
    let profiles = ProfileCache()

    // MARK: Events → codec → MQTT + telemetry

    func handle(_ event: NetworkServerEvent) async {
        await handle(batch: [event])
    }

    /// Handles the events of one network-server commit: each `up` is decoded by its codec, then
    /// the telemetry of the whole batch is written in ONE store transaction, the detectors are
    /// fed, and the events are published in order. Per event this is what `handle(_:)` always
    /// did (telemetry stored before the event is published); one transaction per batch instead
    /// of one per uplink is what lets the store keep up at thousands of uplinks per second.
    func handle(batch events: [NetworkServerEvent]) async {
        var outgoing: [(topic: String, bytes: [UInt8])] = []
        var points: [String: [TelemetryPoint]] = [:]
        var samples: [(info: DeviceInfo, time: Int64, metrics: [(metric: String, value: Double)])] = []
        outgoing.reserveCapacity(events.count)
        for event in events {
            logger.debug("ns event", metadata: ["event.type": "\(event.type)"])
            guard let info = event.deviceInfo else {
                logger.debug("ns event without device", metadata: ["event.type": "\(event.type)"])
                continue
            }
            var json = Array(event.jsonData())
            if case let .up(up) = event {
                let profile = await profiles.profile(id: info.deviceProfileId, registry: registry)
                var object: JSONObject?
                if let codecName = profile?.codec, !codecName.isEmpty, let port = up.fPort, port > 0 {
                    do {
                        let decoded = try await codecs.decode(codec: codecName, bytes: up.payload, fPort: Int(port), time: Date())
                        if decoded.errors.isEmpty {
                            object = decoded.data
                        } else {
                            publishLog(info, code: "UPLINK_CODEC", "codec \(codecName) reported: \(decoded.errors.joined(separator: "; "))",
                                       context: ["deduplication_id": up.deduplicationId])
                        }
                    } catch {
                        publishLog(info, code: "UPLINK_CODEC", "codec \(codecName) failed: \(error)", context: ["deduplication_id": up.deduplicationId])
                    }
                }
                var objectJSON: Data?
                if let object {
                    var text = ""
                    JSONValue.object(object).write(to: &text)
                    // The event JSON is an object: add `"object": …` as its first member.
                    if json.first == UInt8(ascii: "{") {
                        json = [UInt8(ascii: "{")] + Array("\"object\":\(text)".utf8) + (json.count > 2 ? [UInt8(ascii: ",")] : []) + json.dropFirst()
                    }
                    objectJSON = Data(text.utf8)
                }
                let time = Int64(Date().timeIntervalSince1970 * 1000)
                let metrics = telemetrySamples(up, info: info, objectJSON: objectJSON)
                if !metrics.isEmpty {
                    points[info.applicationId, default: []].append(contentsOf: metrics.map {
                        TelemetryPoint(device: info.devEui, metric: $0.metric, time: time, value: $0.value)
                    })
                }
                samples.append((info, time, metrics))
            }
            outgoing.append(("application/\(info.applicationId)/device/\(info.devEui)/event/\(event.type)", json))
        }
        for (application, batch) in points {
            do { try telemetry.write(batch, application: application) } catch {
                logger.error("telemetry write failed", metadata: ["application.id": "\(application)", "telemetry.points": "\(batch.count)",
                                                                  "error": "\(error)"])
            }
        }
        if let detectors = self.events {
            for s in samples {
                await detectors.ingest(device: s.info.devEui, application: s.info.applicationId, deviceProfile: s.info.deviceProfileId,
                                       time: s.time, metrics: s.metrics)
            }
        }
        for o in outgoing { publish(topic: o.topic, bytes: o.bytes) }
    }

    /// Numeric fields of the decoded object + radio metadata (device = DevEUI), the samples that
    /// go to the telemetry store and, with an `uplink` arrival sample, to the event detectors
    /// (none when the object cannot be flattened).
    /// Without a decoded object (no codec) only the radio metadata is flattened, with no JSON parse.
    func telemetrySamples(_ up: UplinkEvent, info: DeviceInfo, objectJSON: Data?) -> [(metric: String, value: Double)] {
        let best = up.rxInfo.max { ($0.snr, $0.rssi) < ($1.snr, $1.rssi) }
        let radio = UplinkMetrics.Radio(rssi: best.map { Double($0.rssi) }, snr: best?.snr, frequency: Double(up.txInfo.frequency),
                                        dataRate: up.dr, gatewayCount: up.rxInfo.count)
        let selection = UplinkMetrics.Selection(include: telemetryMetrics[info.applicationId])
        guard let objectJSON else { return UplinkMetrics.metrics(object: .object([:]), radio: radio, selection: selection) }
        do { return try UplinkMetrics.metrics(objectJSON: objectJSON, radio: radio, selection: selection) } catch {
            logger.warning("telemetry: cannot flatten the decoded object", metadata: ["device.dev_eui": "\(info.devEui)", "error": "\(error)"])
            return []
        }
    }

    /// Gateway state (ChirpStack v4 `gateway/{id}/state/conn`, retained).
    func gatewayOnline(_ eui: EUI64, lastSeenMillis: Int64?) {
        let state = GatewayState(gatewayId: eui.description, state: "ONLINE", lastSeen: lastSeenMillis.map(Self.iso8601(millis:)))
        publish(topic: "gateway/\(eui.description)/state/conn", encodable: state, retain: true)
    }

    // MARK: MQTT command/down → downlink queue

    /// Handles `application/{app}/device/{devEui}/command/down`.
    func command(topic: String, payload: ByteBuffer) async {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "application", parts[2] == "device", parts[4] == "command", parts[5] == "down" else { return }
        let appID = parts[1], topicEUI = parts[3].lowercased()
        var info: LogDeviceInfo?
        do {
            guard let eui = try? EUI64(hex: topicEUI) else { throw CommandError("the topic's DevEUI \(topicEUI) is not 16 hex digits") }
            guard let device = try await registry.device(devEUI: eui), device.applicationID == appID else {
                throw CommandError("device \(topicEUI) is not registered in application \(appID)")
            }
            let profile = try await registry.deviceProfile(id: device.deviceProfileID)
            let app = try await registry.application(id: appID)
            info = LogDeviceInfo(applicationId: appID, applicationName: app?.name ?? appID, deviceProfileId: device.deviceProfileID,
                                 deviceProfileName: profile?.name ?? device.deviceProfileID, deviceName: device.name, devEui: topicEUI,
                                 deviceClassEnabled: profile?.supportsClassC == true ? "CLASS_C" : "CLASS_A")
            let bytes = payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? []
            let body: JSONValue
            do { body = try JSONValue(parsingUTF8: bytes) } catch { throw CommandError("the payload is not JSON: \(error)") }
            guard case .object = body else { throw CommandError("the payload is not a JSON object") }
            if let given = body["devEui"] {
                guard case let .string(s) = given, s.lowercased() == topicEUI else { throw CommandError("devEui \(given) does not match the topic's \(topicEUI)") }
            }
            var fPort: Int?
            if let p = body["fPort"] {
                guard case let .number(n) = p, let i = Int(exactly: n) else { throw CommandError("fPort must be an integer") }
                fPort = i
            }
            var confirmed = false
            if let c = body["confirmed"] {
                guard case let .bool(b) = c else { throw CommandError("confirmed must be true or false") }
                confirmed = b
            }
            let data: [UInt8]
            if let d = body["data"] {
                guard body["object"] == nil else { throw CommandError("give either data or object, not both") }
                guard case let .string(s) = d, let raw = Data(base64Encoded: s) else { throw CommandError("data is not base64") }
                data = Array(raw)
            } else if let object = body["object"] {
                guard let codecName = profile?.codec, !codecName.isEmpty else {
                    throw CommandError("object given but device profile \(device.deviceProfileID) has no codec")
                }
                let encoded: EncodedPayload
                do { encoded = try await codecs.encode(codec: codecName, object: object) } catch {
                    throw CommandError("codec \(codecName) cannot encode the object: \(error)")
                }
                guard encoded.errors.isEmpty else { throw CommandError("codec \(codecName): \(encoded.errors.joined(separator: "; "))") }
                data = encoded.bytes
                if fPort == nil { fPort = encoded.fPort }
            } else {
                throw CommandError("neither data nor object given")
            }
            guard let port = fPort, (1...223).contains(port) else { throw CommandError("fPort must be 1…223") }
            let id = try await networkServer.enqueueDownlink(devEUI: eui, fPort: UInt8(port), data: data, confirmed: confirmed)
            logger.debug("downlink queued from MQTT", metadata: ["device.dev_eui": "\(topicEUI)", "queue.id": "\(id)"])
        } catch {
            let why = (error as? CommandError)?.message ?? "\(error)"
            logger.info("downlink command rejected", metadata: ["mqtt.topic": "\(topic)", "error": "\(why)"])
            publishLog(applicationID: appID, devEUI: topicEUI, deviceInfo: info, code: "DOWNLINK_COMMAND",
                       "command/down rejected: \(why)", context: ["topic": topic])
        }
    }

    struct CommandError: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    // MARK: Publishing

    /// A ChirpStack-shaped `log` event on the device's topic.
    func publishLog(_ info: DeviceInfo, code: String, _ description: String, context: [String: String]) {
        let d = LogDeviceInfo(applicationId: info.applicationId, applicationName: info.applicationName, deviceProfileId: info.deviceProfileId,
                              deviceProfileName: info.deviceProfileName, deviceName: info.deviceName, devEui: info.devEui,
                              deviceClassEnabled: info.deviceClassEnabled, tags: info.tags)
        publishLog(applicationID: info.applicationId, devEUI: info.devEui, deviceInfo: d, code: code, description, context: context)
    }

    func publishLog(applicationID: String, devEUI: String, deviceInfo: LogDeviceInfo?, code: String, _ description: String,
                    context: [String: String]) {
        let log = LogJSON(time: Self.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)), deviceInfo: deviceInfo, level: "ERROR",
                          code: code, description: description, context: context)
        publish(topic: "application/\(applicationID)/device/\(devEUI)/event/log", encodable: log)
    }

    func publish(topic: String, encodable: some Encodable, retain: Bool = false) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(encodable) else { return }
        publish(topic: topic, bytes: Array(data), retain: retain)
    }

    func publish(topic: String, bytes: [UInt8], retain: Bool = false) {
        logger.trace("mqtt publish", metadata: ["mqtt.topic": "\(topic)", "mqtt.bytes": "\(bytes.count)"])
        do { try bus.publish(topic: topic, payload: ByteBuffer(bytes: bytes), retain: retain) } catch {
            logger.warning("mqtt publish failed", metadata: ["mqtt.topic": "\(topic)", "error": "\(error)"])
        }
    }

    static func iso8601(millis: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}

/// `deviceInfo` of a log event the glue produces (the same fields as the network server's).
struct LogDeviceInfo: Encodable {
    var tenantId = "default"
    var tenantName = "default"
    var applicationId: String
    var applicationName: String
    var deviceProfileId: String
    var deviceProfileName: String
    var deviceName: String
    var devEui: String
    var deviceClassEnabled: String
    var tags: [String: String] = [:]
}

/// A ChirpStack v4 `log` event.
struct LogJSON: Encodable {
    var time: String
    var deviceInfo: LogDeviceInfo?
    var level: String
    var code: String
    var description: String
    var context: [String: String]
}

/// ChirpStack v4 gateway connection state (`gateway/{id}/state/conn`).
struct GatewayState: Encodable {
    var gatewayId: String
    var state: String
    var lastSeen: String?
}

/// Device profiles read from the registry, each kept for `ttlMillis`.
final class ProfileCache: @unchecked Sendable {
    static let ttlMillis: Int64 = 5_000
    private let lock = NSLock()
    private var entries: [String: (profile: DeviceProfile?, expires: Int64)] = [:]

    func profile(id: String, registry: SQLiteRegistry) async -> DeviceProfile? {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if let hit = cached(id), hit.expires > now { return hit.profile }
        let profile = (try? await registry.deviceProfile(id: id)) ?? nil
        store(id, profile, expires: now + Self.ttlMillis, now: now)
        return profile
    }

    private func cached(_ id: String) -> (profile: DeviceProfile?, expires: Int64)? {
        lock.withLock { entries[id] }
    }

    private func store(_ id: String, _ profile: DeviceProfile?, expires: Int64, now: Int64) {
        lock.withLock {
            if entries.count > 10_000 { entries = entries.filter { $0.value.expires > now } }
            entries[id] = (profile, expires)
        }
    }
}
