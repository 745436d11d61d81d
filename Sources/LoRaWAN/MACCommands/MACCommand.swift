/// One LoRaWAN MAC command, in the direction it travels (LoRaWAN L2 1.0.4 §5 table 14,
/// LoRaWAN 1.1 §5, class B commands in L2 1.0.4 §12 table 61 and 1.1 §14, class C in 1.1 §18).
///
/// A MAC command is a one-octet command identifier (CID) followed by a payload whose length is
/// implied by the CID *and the direction*: CID 0x02 is `LinkCheckReq` (no payload) from the end
/// device and `LinkCheckAns` (Margin, GwCnt) from the network. Each case here is one command in
/// one direction; commands without a payload have no associated value.
///
/// Commands that only LoRaWAN 1.1 defines (ResetInd/Conf, RekeyInd/Conf, ADRParamSetup, ForceRejoin,
/// RejoinParamSetup, DeviceModeInd/Conf) are told apart from 1.0.x only by their CID, so all are
/// parsed whatever the device's version.
///
/// The length of an unknown command is not known, so the specification says the first unknown
/// command ends processing. ``parseAll(_:direction:)`` therefore returns an `.unknown` (CID
/// 0x01–0x7F not defined for that direction) or `.proprietary` (CID 0x80–0xFF) value holding every
/// remaining byte, and stops.
///
/// ```swift
/// // LinkADRReq: DR5, TXPower 1, channels 0–2 enabled, ChMaskCntl 0, NbTrans 1.
/// let commands = try MACCommand.parseAll([0x03, 0x51, 0x07, 0x00, 0x01], direction: .downlink)
/// // [.linkADRReq(LinkADRReq(dataRate: 5, txPower: 1, chMask: 0x0007, chMaskCntl: 0, nbTrans: 1))]
/// MACCommand.encodeAll(commands) // [0x03, 0x51, 0x07, 0x00, 0x01]
/// ```
public enum MACCommand: Hashable, Sendable, Encodable {
    /// 0x01 up (1.1): the device announces a reset and its LoRaWAN minor version (ABP devices).
    case resetInd(ResetInd)
    /// 0x01 down (1.1): the network's answer to `ResetInd`.
    case resetConf(ResetConf)
    /// 0x02 up: the device asks for a link check. No payload.
    case linkCheckReq
    /// 0x02 down: the link margin of the uplink and the number of gateways that received it.
    case linkCheckAns(LinkCheckAns)
    /// 0x03 down: data rate, TX power, channel mask and repetitions.
    case linkADRReq(LinkADRReq)
    /// 0x03 up: which parts of a `LinkADRReq` the device accepted.
    case linkADRAns(LinkADRAns)
    /// 0x04 down: the maximum aggregated transmit duty cycle.
    case dutyCycleReq(DutyCycleReq)
    /// 0x04 up: acknowledges `DutyCycleReq`. No payload.
    case dutyCycleAns
    /// 0x05 down: RX1 data-rate offset, RX2 data rate and RX2 frequency.
    case rxParamSetupReq(RXParamSetupReq)
    /// 0x05 up: which parts of an `RXParamSetupReq` the device accepted.
    case rxParamSetupAns(RXParamSetupAns)
    /// 0x06 down: asks for battery level and demodulation margin. No payload.
    case devStatusReq
    /// 0x06 up: battery level and demodulation margin.
    case devStatusAns(DevStatusAns)
    /// 0x07 down: creates, modifies or disables an uplink channel.
    case newChannelReq(NewChannelReq)
    /// 0x07 up: whether the device accepted a `NewChannelReq`.
    case newChannelAns(NewChannelAns)
    /// 0x08 down: the delay between the end of the uplink and RX1.
    case rxTimingSetupReq(RXTimingSetupReq)
    /// 0x08 up: acknowledges `RXTimingSetupReq`. No payload.
    case rxTimingSetupAns
    /// 0x09 down: dwell-time limits and maximum EIRP.
    case txParamSetupReq(TxParamSetupReq)
    /// 0x09 up: acknowledges `TxParamSetupReq`. No payload.
    case txParamSetupAns
    /// 0x0A down: a separate RX1 downlink frequency for a channel.
    case dlChannelReq(DlChannelReq)
    /// 0x0A up: whether the device accepted a `DlChannelReq`.
    case dlChannelAns(DlChannelAns)
    /// 0x0B up (1.1): the device confirms a new session after an OTAA join or rejoin.
    case rekeyInd(RekeyInd)
    /// 0x0B down (1.1): the network's answer to `RekeyInd`.
    case rekeyConf(RekeyConf)
    /// 0x0C down (1.1): ADR_ACK_LIMIT and ADR_ACK_DELAY.
    case adrParamSetupReq(ADRParamSetupReq)
    /// 0x0C up (1.1): acknowledges `ADRParamSetupReq`. No payload.
    case adrParamSetupAns
    /// 0x0D up: asks for the network's GPS time. No payload.
    case deviceTimeReq
    /// 0x0D down: GPS time at the end of the uplink that carried `DeviceTimeReq`.
    case deviceTimeAns(DeviceTimeAns)
    /// 0x0E down (1.1): asks the device to send rejoin-requests. It has no answer.
    case forceRejoinReq(ForceRejoinReq)
    /// 0x0F down (1.1): how often the device sends type-0 rejoin-requests.
    case rejoinParamSetupReq(RejoinParamSetupReq)
    /// 0x0F up (1.1): whether the device accepted the time limit of a `RejoinParamSetupReq`.
    case rejoinParamSetupAns(RejoinParamSetupAns)
    /// 0x10 up (class B): the device's unicast ping-slot periodicity.
    case pingSlotInfoReq(PingSlotInfoReq)
    /// 0x10 down (class B): acknowledges `PingSlotInfoReq`. No payload.
    case pingSlotInfoAns
    /// 0x11 down (class B): the unicast ping-slot frequency and data rate.
    case pingSlotChannelReq(PingSlotChannelReq)
    /// 0x11 up (class B): whether the device accepted a `PingSlotChannelReq`.
    case pingSlotChannelAns(PingSlotChannelAns)
    /// 0x12 up (class B, deprecated in 1.0.4 and 1.1): asks when the next beacon comes. No payload.
    case beaconTimingReq
    /// 0x12 down (class B, deprecated in 1.0.4 and 1.1): time to the next beacon and its channel.
    case beaconTimingAns(BeaconTimingAns)
    /// 0x13 down (class B): the beacon frequency.
    case beaconFreqReq(BeaconFreqReq)
    /// 0x13 up (class B): whether the device accepted a `BeaconFreqReq`.
    case beaconFreqAns(BeaconFreqAns)
    /// 0x20 up (1.1, class C): the device's operating class.
    case deviceModeInd(DeviceModeInd)
    /// 0x20 down (1.1, class C): the network's answer to `DeviceModeInd`.
    case deviceModeConf(DeviceModeConf)
    /// A CID in 0x00–0x7F that is not defined for the direction it was read in. Its length is
    /// unknown, so `payload` is every byte that followed it.
    ///
    /// Building one with a CID that *is* defined for the direction it will travel in gives bytes that
    /// parse back as that command instead.
    case unknown(cid: UInt8, payload: [UInt8])
    /// A proprietary command (CID 0x80–0xFF, reserved for proprietary network command extensions).
    /// Its length is unknown, so `payload` is every byte that followed it.
    ///
    /// `parseAll` only produces it for CIDs 0x80–0xFF; build it with such a CID, since a lower one
    /// would parse back as a defined or unknown command.
    case proprietary(cid: UInt8, payload: [UInt8])
}

extension MACCommand {
    /// The command identifier, the first octet on the wire.
    public var cid: UInt8 {
        switch self {
        case let .unknown(cid, _), let .proprietary(cid, _): return cid
        default: return kind?.cid ?? 0
        }
    }

    /// The command's name as the specification spells it (`"LinkADRReq"`), `"Unknown"` for an
    /// undefined CID and `"Proprietary"` for CIDs 0x80–0xFF.
    public var name: String {
        switch self {
        case .unknown: return "Unknown"
        case .proprietary: return "Proprietary"
        default: return kind?.name ?? "Unknown"
        }
    }

    /// The direction this command travels in, or `nil` for unknown and proprietary commands,
    /// whose direction is only that of the frame they were read from.
    public var direction: Direction? { kind?.direction }

    /// The length in octets of the payload that follows the CID of the command `cid` travelling in
    /// `direction`, or `nil` when the CID is not defined for that direction (unknown or proprietary).
    public static func payloadLength(cid: UInt8, direction: Direction) -> Int? {
        Kind.lookup(cid: cid, direction: direction)?.payloadLength
    }

    /// The specification name of the command `cid` travelling in `direction`, or `nil` when the CID
    /// is not defined for that direction.
    public static func name(cid: UInt8, direction: Direction) -> String? {
        Kind.lookup(cid: cid, direction: direction)?.name
    }
}
