import Broker
import NetworkServer
import NIOCore
import PayloadCodecs
import TimeSeries

/// The MQTT messages of one event batch, in the order they are appended: every event's JSON is
/// encoded through one reused scratch array into one shared buffer, and each message's payload
/// is a slice of it, so a batch costs one payload allocation however many events it has.
///
/// The slices are taken only after the last write (a write to a buffer with a live slice would
/// copy the whole storage), in ``publications()``.
struct EventBatch {
    private var arena: ByteBuffer
    private var scratch: [UInt8] = []
    private var entries: [(topic: String, start: Int, length: Int)] = []

    /// Room for `expected` events of a typical size (the buffer grows if they are larger).
    init(expected: Int) {
        arena = ByteBufferAllocator().buffer(capacity: max(1, expected) * 768)
        entries.reserveCapacity(expected)
        scratch.reserveCapacity(1024)
    }

    var count: Int { entries.count }

    /// Appends a network-server event (with a codec's decoded object for an `up`).
    mutating func append(_ event: NetworkServerEvent, topic: String, object: [UInt8]? = nil) {
        scratch.removeAll(keepingCapacity: true)
        event.appendJSON(to: &scratch, object: object)
        append(topic: topic, json: scratch)
    }

    /// Appends a message whose JSON is already encoded.
    mutating func append(topic: String, json: [UInt8]) {
        let start = arena.writerIndex
        arena.writeBytes(json)
        entries.append((topic, start, json.count))
    }

    /// The messages, payloads sliced from the shared buffer.
    func publications() -> [MessageBus.Publication] {
        entries.map { e in
            MessageBus.Publication(topic: e.topic, payload: arena.getSlice(at: e.start, length: e.length) ?? ByteBuffer())
        }
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
