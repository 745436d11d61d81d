import Broker
import Events
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
    /// Called with a batch's messages right before they are handed to the bus (tests observe the
    /// telemetry-before-publish contract through it).
    var willPublish: (@Sendable ([MessageBus.Publication]) -> Void)?

    // MARK: Events → codec → MQTT + telemetry

    func handle(_ event: NetworkServerEvent) async {
        await handle(batch: [event])
    }

    /// Handles the events of one network-server commit, in order: the batch's `up` events are
    /// decoded by their codecs in ONE visit to the codec actor; then the telemetry of the whole
    /// batch is written in ONE store transaction, the detectors are fed in one call, and the
    /// batch's MQTT messages are published in ONE bus call (one broker lock hold and one
    /// encode-and-write pass per slice, not per event).
    ///
    /// Contract, per event as before batching: an uplink's telemetry is stored before its `up`
    /// event is published, so a consumer that reads telemetry on an `up` finds it; events reach
    /// the bus in the order the network server emitted them (so in order per device), and a
    /// codec's `log` event comes right before the `up` it is about. An event without a device
    /// (none today) is not published.
    ///
    /// Cost per event is kept to what the event itself needs: every JSON is written through one
    /// scratch array and copied once into a payload of its exact size (``EventBatch``), a device
    /// profile is looked up once per batch, a codec's decoded object is flattened without a JSON
    /// text round trip, and detector samples are built only when detectors exist.
    func handle(batch events: [NetworkServerEvent]) async {
        guard !events.isEmpty else { return }
        // Pass 1: the device profile of each `up` (once per profile per batch) and the uplinks
        // its codec decodes, all decoded in one visit to the codec actor.
        var batchProfiles: [String: DeviceProfile?] = [:]
        var requests: [CodecService.DecodeRequest] = []
        var requestOf: [Int: Int] = [:]   // event index → request index
        for (index, event) in events.enumerated() {
            guard case let .up(up) = event else { continue }
            let id = up.deviceInfo.deviceProfileId
            let profile: DeviceProfile?
            if let memo = batchProfiles[id] { profile = memo } else {
                profile = await profiles.profile(id: id, registry: registry)
                batchProfiles[id] = profile
            }
            if let codecName = profile?.codec, !codecName.isEmpty, let port = up.fPort, port > 0 {
                requestOf[index] = requests.count
                requests.append(CodecService.DecodeRequest(codec: codecName, bytes: up.payload, fPort: Int(port)))
            }
        }
        let decoded = requests.isEmpty ? [] : await codecs.decode(batch: requests, time: Date())

        // Pass 2, in event order: messages, telemetry points and detector samples.
        var out = EventBatch(expected: events.count)
        var points: [String: [TelemetryPoint]] = [:]
        let feed = self.events.flatMap { $0.service.hasDetectors.value ? $0 : nil }
        var samples: [Sample] = []
        var skipped = 0
        for (index, event) in events.enumerated() {
            guard let info = event.deviceInfo else {
                skipped += 1
                continue
            }
            let topic = EventBatch.topic(application: info.applicationId, devEUI: info.devEui, type: event.type)
            guard case let .up(up) = event else {
                out.append(event, topic: topic)
                continue
            }
            var object: JSONObject?
            if let r = requestOf[index], r < decoded.count {
                let codecName = requests[r].codec
                switch decoded[r] {
                case let .success(payload) where payload.errors.isEmpty:
                    object = payload.data
                case let .success(payload):
                    appendLog(&out, info, code: "UPLINK_CODEC", "codec \(codecName) reported: \(payload.errors.joined(separator: "; "))",
                              context: ["deduplication_id": up.deduplicationId])
                case let .failure(error):
                    appendLog(&out, info, code: "UPLINK_CODEC", "codec \(codecName) failed: \(error)", context: ["deduplication_id": up.deduplicationId])
                }
            }
            var objectText: [UInt8]?
            if let object {
                var text = ""
                JSONValue.object(object).write(to: &text)
                objectText = Array(text.utf8)
            }
            let time = Int64(Date().timeIntervalSince1970 * 1000)
            let metrics = telemetrySamples(up, info: info, object: object)
            if !metrics.isEmpty {
                points[info.applicationId, default: []].append(contentsOf: metrics.map {
                    TelemetryPoint(device: info.devEui, metric: $0.metric, time: time, value: $0.value)
                })
            }
            if feed != nil {
                samples += EventsFeed.samples(device: info.devEui, application: info.applicationId, deviceProfile: info.deviceProfileId,
                                              time: time, metrics: metrics)
            }
            out.append(event, topic: topic, object: objectText)
        }
        if skipped > 0 { logger.debug("ns events without device not published", metadata: ["events.count": "\(skipped)"]) }
        for (application, batch) in points {
            do { try telemetry.write(batch, application: application) } catch {
                logger.error("telemetry write failed", metadata: ["application.id": "\(application)", "telemetry.points": "\(batch.count)",
                                                                  "error": "\(error)"])
            }
        }
        if let feed, !samples.isEmpty { await feed.ingest(samples) }
        let publications = out.publications
        willPublish?(publications)
        logger.trace("mqtt publish batch", metadata: ["mqtt.messages": "\(publications.count)"])
        do { try bus.publish(batch: publications) } catch {
            // Topics are built from registry identifiers; one that is not a valid topic name
            // (a `+` in an application id) must not cost the other events of the batch.
            logger.warning("mqtt batch publish failed; publishing one by one", metadata: ["error": "\(error)"])
            for p in publications {
                do { try bus.publish(topic: p.topic, payload: p.payload) } catch {
                    logger.warning("mqtt publish failed", metadata: ["mqtt.topic": "\(p.topic)", "error": "\(error)"])
                }
            }
        }
    }

    /// Numeric fields of the decoded object + radio metadata (device = DevEUI), the samples that
    /// go to the telemetry store and, with an `uplink` arrival sample, to the event detectors.
    /// Without a decoded object (no codec) only the radio metadata is flattened.
    func telemetrySamples(_ up: UplinkEvent, info: DeviceInfo, object: JSONObject?) -> [(metric: String, value: Double)] {
        let best = up.rxInfo.max { ($0.snr, $0.rssi) < ($1.snr, $1.rssi) }
        let radio = UplinkMetrics.Radio(rssi: best.map { Double($0.rssi) }, snr: best?.snr, frequency: Double(up.txInfo.frequency),
                                        dataRate: up.dr, gatewayCount: up.rxInfo.count)
        let selection = UplinkMetrics.Selection(include: telemetryMetrics[info.applicationId])
        let json = object.map { UplinkMetrics.JSON(.object($0)) } ?? .object([:])
        return UplinkMetrics.metrics(object: json, radio: radio, selection: selection)
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

    /// A ChirpStack-shaped `log` event about `info`'s device, appended to a batch (so it keeps its
    /// place among the batch's events).
    func appendLog(_ out: inout EventBatch, _ info: DeviceInfo, code: String, _ description: String, context: [String: String]) {
        let log = LogJSON(time: Self.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)), deviceInfo: LogDeviceInfo(info),
                          level: "ERROR", code: code, description: description, context: context)
        guard let json = Self.encode(log) else { return }
        out.append(topic: EventBatch.topic(application: info.applicationId, devEUI: info.devEui, type: "log"), json: json)
    }

    static func encode(_ value: some Encodable) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init)
    }

    /// A ChirpStack-shaped `log` event on the device's topic.
    func publishLog(_ info: DeviceInfo, code: String, _ description: String, context: [String: String]) {
        publishLog(applicationID: info.applicationId, devEUI: info.devEui, deviceInfo: LogDeviceInfo(info), code: code, description, context: context)
    }

    func publishLog(applicationID: String, devEUI: String, deviceInfo: LogDeviceInfo?, code: String, _ description: String,
                    context: [String: String]) {
        let log = LogJSON(time: Self.iso8601(millis: Int64(Date().timeIntervalSince1970 * 1000)), deviceInfo: deviceInfo, level: "ERROR",
                          code: code, description: description, context: context)
        publish(topic: "application/\(applicationID)/device/\(devEUI)/event/log", encodable: log)
    }

    func publish(topic: String, encodable: some Encodable, retain: Bool = false) {
        guard let bytes = Self.encode(encodable) else { return }
        publish(topic: topic, bytes: bytes, retain: retain)
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

extension LogDeviceInfo {
    init(_ info: DeviceInfo) {
        self.init(tenantId: info.tenantId, tenantName: info.tenantName, applicationId: info.applicationId, applicationName: info.applicationName,
                  deviceProfileId: info.deviceProfileId, deviceProfileName: info.deviceProfileName, deviceName: info.deviceName,
                  devEui: info.devEui, deviceClassEnabled: info.deviceClassEnabled, tags: info.tags)
    }
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
