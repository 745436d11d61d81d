public import Foundation
public import LoRaWAN

/// Every step of the network server emits one of these onto a single in-process stream that the
/// broker, the store and the rules engine subscribe to. The JSON of each payload follows
/// ChirpStack v4's integration events (`up`, `join`, `ack`, `txack`, `status`, `log`), so
/// existing consumers work unchanged.
public enum NetworkServerEvent: Sendable, Equatable {
    case up(UplinkEvent)
    case join(JoinEvent)
    case ack(AckEvent)
    case txAck(TxAckEvent)
    case status(StatusEvent)
    case log(LogEvent)

    /// The ChirpStack event type name (`up`, `join`, …), used in MQTT topics.
    public var type: String {
        switch self {
        case .up: return "up"
        case .join: return "join"
        case .ack: return "ack"
        case .txAck: return "txack"
        case .status: return "status"
        case .log: return "log"
        }
    }

    /// The device this event is about, when there is one.
    public var deviceInfo: DeviceInfo? {
        switch self {
        case let .up(e): return e.deviceInfo
        case let .join(e): return e.deviceInfo
        case let .ack(e): return e.deviceInfo
        case let .txAck(e): return e.deviceInfo
        case let .status(e): return e.deviceInfo
        case let .log(e): return e.deviceInfo
        }
    }

    /// The event's JSON (ChirpStack v4 shape, camelCase keys).
    public func jsonData() -> Data {
        if case let .up(e) = self, let bytes = e.jsonBytes() { return Data(bytes) }
        return encodedWithFoundation()
    }

    /// `jsonData()` through `JSONEncoder` (the reference the hand-written `up` JSON is tested against).
    func encodedWithFoundation() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data?
        switch self {
        case let .up(e): data = try? encoder.encode(e)
        case let .join(e): data = try? encoder.encode(e)
        case let .ack(e): data = try? encoder.encode(e)
        case let .txAck(e): data = try? encoder.encode(e)
        case let .status(e): data = try? encoder.encode(e)
        case let .log(e): data = try? encoder.encode(e)
        }
        return data ?? Data("{}".utf8)
    }
}

/// `deviceInfo` of every event.
public struct DeviceInfo: Codable, Sendable, Equatable {
    public var tenantId: String = "default"
    public var tenantName: String = "default"
    public var applicationId: String
    public var applicationName: String
    public var deviceProfileId: String
    public var deviceProfileName: String
    public var deviceName: String
    public var devEui: String
    public var deviceClassEnabled: String
    public var tags: [String: String] = [:]
}

/// Reception metadata per gateway (`rxInfo[]`).
public struct EventRxInfo: Codable, Sendable, Equatable {
    public var gatewayId: String
    public var uplinkId: UInt32
    public var time: String?
    public var rssi: Int
    public var snr: Double
    public var channel: Int
    public var rfChain: Int
    public var board: Int
    public var antenna: Int
    public var location: EventLocation?
    public var context: String
    public var crcStatus: String
}

public struct EventLocation: Codable, Sendable, Equatable {
    public var latitude: Double
    public var longitude: Double
    public var altitude: Double
}

/// `txInfo` with the modulation in ChirpStack's shape.
public struct EventTxInfo: Codable, Sendable, Equatable {
    public var frequency: UInt32
    public var modulation: EventModulation

    public struct EventModulation: Codable, Sendable, Equatable {
        public var lora: LoRa?
        public var fsk: FSK?
        public struct LoRa: Codable, Sendable, Equatable {
            public var bandwidth: Int
            public var spreadingFactor: Int
            public var codeRate: String
        }
        public struct FSK: Codable, Sendable, Equatable {
            public var datarate: Int
            public var frequencyDeviation: Int
        }
    }

    /// "4/5" → "CR_4_5" (ChirpStack's enum name), without Foundation's string search.
    static func codeRateName(_ cr: String) -> String {
        "CR_" + String(decoding: cr.utf8.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    init(frequency: UInt32, modulation: Modulation) {
        self.frequency = frequency
        switch modulation {
        case let .lora(sf, bw, cr):
            self.modulation = EventModulation(lora: .init(bandwidth: bw, spreadingFactor: sf, codeRate: Self.codeRateName(cr)))
        case let .fsk(rate, dev):
            self.modulation = EventModulation(fsk: .init(datarate: rate, frequencyDeviation: dev))
        case .lrFHSS:
            self.modulation = EventModulation()
        }
    }
}

/// `up`: a verified, decrypted uplink.
public struct UplinkEvent: Codable, Sendable, Equatable {
    public var deduplicationId: String
    public var time: String
    public var deviceInfo: DeviceInfo
    public var devAddr: String
    public var adr: Bool
    public var dr: Int
    public var fCnt: UInt32
    public var fPort: UInt8?
    public var confirmed: Bool
    /// Base64 of the decrypted FRMPayload (absent for FPort 0 / empty payloads).
    public var data: String?
    public var rxInfo: [EventRxInfo]
    public var txInfo: EventTxInfo

    /// The decrypted payload bytes.
    public var payload: [UInt8] { data.flatMap { Data(base64Encoded: $0) }.map(Array.init) ?? [] }
}

/// `join`: a device joined.
public struct JoinEvent: Codable, Sendable, Equatable {
    public var deduplicationId: String
    public var time: String
    public var deviceInfo: DeviceInfo
    public var devAddr: String
}

/// `ack`: a confirmed downlink was (or was not) acknowledged.
public struct AckEvent: Codable, Sendable, Equatable {
    public var deduplicationId: String
    public var time: String
    public var deviceInfo: DeviceInfo
    public var queueItemId: String
    public var acknowledged: Bool
    public var fCntDown: UInt32
}

/// `txack`: a gateway reported on a downlink.
public struct TxAckEvent: Codable, Sendable, Equatable {
    public var downlinkId: UInt32
    public var time: String
    public var deviceInfo: DeviceInfo
    public var queueItemId: String?
    public var fCntDown: UInt32
    public var gatewayId: String
    /// "OK" or the gateway's error code (TOO_LATE, COLLISION_PACKET, …).
    public var status: String
}

/// `status`: the device answered DevStatusReq.
public struct StatusEvent: Codable, Sendable, Equatable {
    public var deduplicationId: String
    public var time: String
    public var deviceInfo: DeviceInfo
    public var margin: Int
    public var externalPowerSource: Bool
    public var batteryLevelUnavailable: Bool
    public var batteryLevel: Double
}

/// `log`: something an operator should see (MIC mismatch, replay, a downlink that cannot be sent).
public struct LogEvent: Codable, Sendable, Equatable {
    public var time: String
    public var deviceInfo: DeviceInfo?
    /// INFO, WARNING or ERROR.
    public var level: String
    /// Stable code: UPLINK_MIC, UPLINK_F_CNT_RETRANSMISSION, OTAA, DOWNLINK_PAYLOAD_SIZE, DOWNLINK_GATEWAY, …
    public var code: String
    public var description: String
    public var context: [String: String]
}
