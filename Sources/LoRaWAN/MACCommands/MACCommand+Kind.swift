extension MACCommand {
    /// The defined commands as data: CID, direction, spec name and payload length.
    ///
    /// This is the command table of LoRaWAN L2 1.0.4 §5 (table 14) and §12 (table 61, class B) and
    /// of LoRaWAN 1.1 §5 (MAC command table), §14 (class B) and §18 (class C), with each Req/Ans pair split by direction.
    /// Payload lengths come from each command's payload table in those sections.
    enum Kind: CaseIterable, Hashable, Sendable {
        case resetInd, resetConf
        case linkCheckReq, linkCheckAns
        case linkADRReq, linkADRAns
        case dutyCycleReq, dutyCycleAns
        case rxParamSetupReq, rxParamSetupAns
        case devStatusReq, devStatusAns
        case newChannelReq, newChannelAns
        case rxTimingSetupReq, rxTimingSetupAns
        case txParamSetupReq, txParamSetupAns
        case dlChannelReq, dlChannelAns
        case rekeyInd, rekeyConf
        case adrParamSetupReq, adrParamSetupAns
        case deviceTimeReq, deviceTimeAns
        case forceRejoinReq
        case rejoinParamSetupReq, rejoinParamSetupAns
        case pingSlotInfoReq, pingSlotInfoAns
        case pingSlotChannelReq, pingSlotChannelAns
        case beaconTimingReq, beaconTimingAns
        case beaconFreqReq, beaconFreqAns
        case deviceModeInd, deviceModeConf

        /// (CID, direction, name, payload length) for each command.
        var entry: (cid: UInt8, direction: Direction, name: String, payloadLength: Int) {
            switch self {
            case .resetInd: return (0x01, .uplink, "ResetInd", 1)
            case .resetConf: return (0x01, .downlink, "ResetConf", 1)
            case .linkCheckReq: return (0x02, .uplink, "LinkCheckReq", 0)
            case .linkCheckAns: return (0x02, .downlink, "LinkCheckAns", 2)
            case .linkADRReq: return (0x03, .downlink, "LinkADRReq", 4)
            case .linkADRAns: return (0x03, .uplink, "LinkADRAns", 1)
            case .dutyCycleReq: return (0x04, .downlink, "DutyCycleReq", 1)
            case .dutyCycleAns: return (0x04, .uplink, "DutyCycleAns", 0)
            case .rxParamSetupReq: return (0x05, .downlink, "RXParamSetupReq", 4)
            case .rxParamSetupAns: return (0x05, .uplink, "RXParamSetupAns", 1)
            case .devStatusReq: return (0x06, .downlink, "DevStatusReq", 0)
            case .devStatusAns: return (0x06, .uplink, "DevStatusAns", 2)
            case .newChannelReq: return (0x07, .downlink, "NewChannelReq", 5)
            case .newChannelAns: return (0x07, .uplink, "NewChannelAns", 1)
            case .rxTimingSetupReq: return (0x08, .downlink, "RXTimingSetupReq", 1)
            case .rxTimingSetupAns: return (0x08, .uplink, "RXTimingSetupAns", 0)
            case .txParamSetupReq: return (0x09, .downlink, "TxParamSetupReq", 1)
            case .txParamSetupAns: return (0x09, .uplink, "TxParamSetupAns", 0)
            case .dlChannelReq: return (0x0A, .downlink, "DlChannelReq", 4)
            case .dlChannelAns: return (0x0A, .uplink, "DlChannelAns", 1)
            case .rekeyInd: return (0x0B, .uplink, "RekeyInd", 1)
            case .rekeyConf: return (0x0B, .downlink, "RekeyConf", 1)
            case .adrParamSetupReq: return (0x0C, .downlink, "ADRParamSetupReq", 1)
            case .adrParamSetupAns: return (0x0C, .uplink, "ADRParamSetupAns", 0)
            case .deviceTimeReq: return (0x0D, .uplink, "DeviceTimeReq", 0)
            case .deviceTimeAns: return (0x0D, .downlink, "DeviceTimeAns", 5)
            case .forceRejoinReq: return (0x0E, .downlink, "ForceRejoinReq", 2)
            case .rejoinParamSetupReq: return (0x0F, .downlink, "RejoinParamSetupReq", 1)
            case .rejoinParamSetupAns: return (0x0F, .uplink, "RejoinParamSetupAns", 1)
            case .pingSlotInfoReq: return (0x10, .uplink, "PingSlotInfoReq", 1)
            case .pingSlotInfoAns: return (0x10, .downlink, "PingSlotInfoAns", 0)
            case .pingSlotChannelReq: return (0x11, .downlink, "PingSlotChannelReq", 4)
            case .pingSlotChannelAns: return (0x11, .uplink, "PingSlotChannelAns", 1)
            case .beaconTimingReq: return (0x12, .uplink, "BeaconTimingReq", 0)
            case .beaconTimingAns: return (0x12, .downlink, "BeaconTimingAns", 3)
            case .beaconFreqReq: return (0x13, .downlink, "BeaconFreqReq", 3)
            case .beaconFreqAns: return (0x13, .uplink, "BeaconFreqAns", 1)
            case .deviceModeInd: return (0x20, .uplink, "DeviceModeInd", 1)
            case .deviceModeConf: return (0x20, .downlink, "DeviceModeConf", 1)
            }
        }

        var cid: UInt8 { entry.cid }
        var direction: Direction { entry.direction }
        var name: String { entry.name }
        var payloadLength: Int { entry.payloadLength }

        /// Per-CID lookup tables, one per direction, built once from `allCases`.
        private static let uplinkTable: [Kind?] = table(for: .uplink)
        private static let downlinkTable: [Kind?] = table(for: .downlink)

        private static func table(for direction: Direction) -> [Kind?] {
            var table = [Kind?](repeating: nil, count: 256)
            for kind in allCases where kind.direction == direction {
                table[Int(kind.cid)] = kind
            }
            return table
        }

        /// The command `cid` denotes in `direction`, or `nil` when none is defined.
        static func lookup(cid: UInt8, direction: Direction) -> Kind? {
            switch direction {
            case .uplink: return uplinkTable[Int(cid)]
            case .downlink: return downlinkTable[Int(cid)]
            }
        }
    }

    /// The defined command this value is, or `nil` for unknown and proprietary commands.
    var kind: Kind? {
        switch self {
        case .resetInd: return .resetInd
        case .resetConf: return .resetConf
        case .linkCheckReq: return .linkCheckReq
        case .linkCheckAns: return .linkCheckAns
        case .linkADRReq: return .linkADRReq
        case .linkADRAns: return .linkADRAns
        case .dutyCycleReq: return .dutyCycleReq
        case .dutyCycleAns: return .dutyCycleAns
        case .rxParamSetupReq: return .rxParamSetupReq
        case .rxParamSetupAns: return .rxParamSetupAns
        case .devStatusReq: return .devStatusReq
        case .devStatusAns: return .devStatusAns
        case .newChannelReq: return .newChannelReq
        case .newChannelAns: return .newChannelAns
        case .rxTimingSetupReq: return .rxTimingSetupReq
        case .rxTimingSetupAns: return .rxTimingSetupAns
        case .txParamSetupReq: return .txParamSetupReq
        case .txParamSetupAns: return .txParamSetupAns
        case .dlChannelReq: return .dlChannelReq
        case .dlChannelAns: return .dlChannelAns
        case .rekeyInd: return .rekeyInd
        case .rekeyConf: return .rekeyConf
        case .adrParamSetupReq: return .adrParamSetupReq
        case .adrParamSetupAns: return .adrParamSetupAns
        case .deviceTimeReq: return .deviceTimeReq
        case .deviceTimeAns: return .deviceTimeAns
        case .forceRejoinReq: return .forceRejoinReq
        case .rejoinParamSetupReq: return .rejoinParamSetupReq
        case .rejoinParamSetupAns: return .rejoinParamSetupAns
        case .pingSlotInfoReq: return .pingSlotInfoReq
        case .pingSlotInfoAns: return .pingSlotInfoAns
        case .pingSlotChannelReq: return .pingSlotChannelReq
        case .pingSlotChannelAns: return .pingSlotChannelAns
        case .beaconTimingReq: return .beaconTimingReq
        case .beaconTimingAns: return .beaconTimingAns
        case .beaconFreqReq: return .beaconFreqReq
        case .beaconFreqAns: return .beaconFreqAns
        case .deviceModeInd: return .deviceModeInd
        case .deviceModeConf: return .deviceModeConf
        case .unknown, .proprietary: return nil
        }
    }
}
