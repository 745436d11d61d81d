import Broker
import NetworkServer
import NIOCore
import PayloadCodecs
import TimeSeries

/// The MQTT messages of one event batch, in the order they are appended: every event's JSON is
/// encoded through one reused scratch array (no per-event growth of an encoder buffer) and then
/// copied once into a payload of exactly its size.
///
/// One buffer per message, not slices of one buffer per batch: a message can outlive its batch by
/// a long time (queued for an offline MQTT session, held by a slow subscriber), and a slice would
/// keep the whole batch's bytes alive with it.
struct EventBatch {
    private let allocator = ByteBufferAllocator()
    private var scratch: [UInt8] = []
    private(set) var publications: [MessageBus.Publication] = []

    init(expected: Int) {
        publications.reserveCapacity(expected)
        scratch.reserveCapacity(1024)
    }

    var count: Int { publications.count }

    /// Appends a network-server event (with a codec's decoded object for an `up`).
    mutating func append(_ event: NetworkServerEvent, topic: String, object: [UInt8]? = nil) {
        scratch.removeAll(keepingCapacity: true)
        event.appendJSON(to: &scratch, object: object)
        append(topic: topic, json: scratch)
    }

    /// Appends a message whose JSON is already encoded.
    mutating func append(topic: String, json: [UInt8]) {
        var payload = allocator.buffer(capacity: json.count)
        payload.writeBytes(json)
        publications.append(MessageBus.Publication(topic: topic, payload: payload))
    }

    /// `application/{app}/device/{devEui}/event/{type}` (ChirpStack v4), built without
    /// interpolation's intermediate segments.
    static func topic(application: String, devEUI: String, type: String) -> String {
        var t = "application/"
        t.reserveCapacity(12 + application.utf8.count + 8 + devEUI.utf8.count + 7 + type.utf8.count)
        t += application
        t += "/device/"
        t += devEUI
        t += "/event/"
        t += type
        return t
    }
}

extension UplinkMetrics.JSON {
    /// A codec's decoded value as the flattener's JSON, converted directly (no text round trip:
    /// writing the object as text and parsing it back with `JSONDecoder` cost more than the rest
    /// of an uplink's pipeline). The result is what parsing `value`'s compact JSON text gives:
    /// numbers stay doubles, booleans stay booleans, member order does not matter to flattening
    /// (it sorts keys), and a non-finite number (written as `null`) is dropped by the flattener.
    init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case let .bool(b): self = .bool(b)
        case let .number(n): self = n.isFinite ? .number(n) : .null
        case let .string(s): self = .string(s)
        case let .array(items): self = .array(items.map(UplinkMetrics.JSON.init))
        case let .object(object):
            var members: [String: UplinkMetrics.JSON] = [:]
            members.reserveCapacity(object.members.count)
            for (key, item) in object.members { members[key] = UplinkMetrics.JSON(item) }
            self = .object(members)
        }
    }
}
