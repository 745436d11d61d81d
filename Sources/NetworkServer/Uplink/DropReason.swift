/// Why an uplink was not accepted. Expected outcomes, not errors: each is counted
/// (`ns_uplinks_dropped_total{reason}`) and logged at debug; the ones an operator should see
/// (MIC mismatch, replay) also become error events.
public enum DropReason: String, Sendable, Hashable, CaseIterable, Codable {
    case duplicate = "duplicate"
    case unparsable = "unparsable"
    case unsupportedMessageType = "unsupported_message_type"
    case unknownDevAddr = "unknown_dev_addr"
    case unknownDevice = "unknown_device"
    case deviceDisabled = "device_disabled"
    case micMismatch = "mic_mismatch"
    case fCntReplay = "f_cnt_replay"
    case devNonceReplay = "dev_nonce_replay"
    case unknownRegion = "unknown_region"
    case crcBad = "crc_bad"
    case noGateway = "no_gateway"
}
