import MQTT
import NIOCore

/// The retained messages on disk (`broker-retained.mqtt`): the header `LKRT`, a version byte (1),
/// then each message as an MQTT 5.0 PUBLISH packet with RETAIN set, exactly as on the wire:
/// topic, QoS, payload and the properties that travel with it (payload format, content type,
/// response topic, correlation data, user properties), and the Message Expiry Interval left when
/// the file was written. So the file is read back by the same decoder that faces the network,
/// and `mosquitto_sub`-style tooling could read it with the header skipped.
///
/// A file is read whole or not at all: a damaged one (bad header, unknown version, a packet that
/// does not decode — a wildcard or empty topic name included —, is not a retained PUBLISH, or
/// ends mid-packet) is
/// refused with the reason, never half-restored.
enum RetainedFile {
    static let magic: [UInt8] = Array("LKRT".utf8)
    static let version: UInt8 = 1

    enum ReadError: Error, Equatable, CustomStringConvertible {
        case badHeader
        case unsupportedVersion(UInt8)
        case packet(index: Int, MQTTError)
        case notRetainedPublish(index: Int)
        case truncated(index: Int)

        var description: String {
            switch self {
            case .badHeader: "not a retained-messages file (no LKRT header)"
            case let .unsupportedVersion(v): "unsupported version \(v) (this build reads 1)"
            case let .packet(i, e): "message \(i): \(e)"
            case let .notRetainedPublish(i): "message \(i): not a retained PUBLISH"
            case let .truncated(i): "message \(i): the file ends inside it"
            }
        }
    }

    /// The file's bytes for `messages` at broker time `now` (expired ones are left out).
    static func encode(_ messages: [BrokerMessage], now: Duration) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeBytes(magic)
        out.writeInteger(version)
        for m in messages where !m.isExpired(at: now) {
            let packet = m.publishPacket(qos: m.qos, retainFlag: true, packetIdentifier: m.qos == .atMostOnce ? nil : 1,
                                         subscriptionIdentifiers: [], now: now)
            MQTTPacket.publish(packet).encode(into: &out, version: .v5)
        }
        return out
    }

    /// The messages in `bytes`, with expiry counted from `now` (the time spent on disk does not
    /// count: the broker was not running to deliver them).
    static func decode(_ bytes: ByteBuffer, now: Duration) throws(ReadError) -> [BrokerMessage] {
        var buffer = bytes
        guard buffer.readableBytes >= 5, buffer.readBytes(length: 4) == magic else { throw .badHeader }
        let v: UInt8 = buffer.readInteger()!
        guard v == version else { throw .unsupportedVersion(v) }
        var decoder = MQTTDecoder(version: .v5)
        var messages: [BrokerMessage] = []
        while buffer.readableBytes > 0 {
            let index = messages.count
            let packet: MQTTPacket?
            do { packet = try decoder.next(from: &buffer) } catch { throw .packet(index: index, error) }
            guard let packet else { throw .truncated(index: index) }
            guard case let .publish(p) = packet, p.retain, p.payload.readableBytes > 0 else { throw .notRetainedPublish(index: index) }
            messages.append(BrokerMessage(publish: p, topic: p.topic, clientID: nil, now: now))
        }
        return messages
    }
}
