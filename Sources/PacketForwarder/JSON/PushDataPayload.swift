/// The JSON object of a PUSH_DATA: received packets and/or a status report.
public struct PushDataPayload: Sendable, Hashable, Codable {
    public var rxpk: [RxPacket]?
    public var stat: GatewayStat?

    public init(rxpk: [RxPacket]? = nil, stat: GatewayStat? = nil) {
        self.rxpk = rxpk
        self.stat = stat
    }
}

/// The JSON object of a PULL_RESP: one packet to transmit.
public struct PullRespPayload: Sendable, Hashable, Codable {
    public var txpk: TxPacket

    public init(txpk: TxPacket) { self.txpk = txpk }
}

/// The JSON object of a TX_ACK (PROTOCOL.TXT v2 §6): the gateway's verdict on a PULL_RESP.
public struct TxAckPayload: Sendable, Hashable, Codable {
    public var txpk_ack: TxAck?

    public init(txpk_ack: TxAck?) { self.txpk_ack = txpk_ack }

    /// The verdict: an error code ("NONE" when accepted), an optional warning and its value.
    public struct TxAck: Sendable, Hashable, Codable {
        public var error: String?
        public var warn: String?
        public var value: DataRateField?

        public init(error: String? = nil, warn: String? = nil, value: DataRateField? = nil) {
            self.error = error; self.warn = warn; self.value = value
        }
    }

    /// The outcome as a typed value.
    public var result: TxAckResult {
        guard let ack = txpk_ack, let e = ack.error, e != "NONE", !e.isEmpty else {
            if let w = txpk_ack?.warn, !w.isEmpty, w != "NONE" { return .acceptedWithWarning(w) }
            return .ok
        }
        return .rejected(TxAckError(rawValue: e) ?? .other)
    }
}

/// What the gateway did with a downlink.
public enum TxAckResult: Sendable, Hashable {
    /// Accepted for transmission.
    case ok
    /// Accepted with a limitation, e.g. "TX_POWER" clipped.
    case acceptedWithWarning(String)
    /// Rejected.
    case rejected(TxAckError)
}

/// The TX_ACK error codes of PROTOCOL.TXT v2 §6.
public enum TxAckError: String, Sendable, Hashable, CaseIterable {
    case tooLate = "TOO_LATE"
    case tooEarly = "TOO_EARLY"
    case collisionPacket = "COLLISION_PACKET"
    case collisionBeacon = "COLLISION_BEACON"
    case txFrequency = "TX_FREQ"
    case txPower = "TX_POWER"
    case gpsUnlocked = "GPS_UNLOCKED"
    case other = "OTHER"

    /// A stable snake_case code for metrics and events.
    public var code: String { rawValue.lowercased() }
}
