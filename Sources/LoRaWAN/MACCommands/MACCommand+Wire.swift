// Reading and writing sequences of MAC commands.
//
// Byte layout of a sequence (LoRaWAN L2 1.0.4 §5, LoRaWAN 1.1 §5): commands follow one another with
// nothing between them and no length fields.
//
//     | CID (1) | payload (length fixed by CID and direction) | CID (1) | payload | …
//
// Pseudocode of parseAll:
//
//     while bytes remain:
//         cid = next byte
//         if (cid, direction) is a defined command of payload length n:
//             if fewer than n bytes remain: throw truncatedMACCommand(cid, name, n, remaining)
//             read the payload (every bit pattern is valid; RFU bits are kept)
//         else:
//             the rest of the buffer is the payload of one unknown/proprietary command; stop

extension MACCommand {
    /// Parses every MAC command in `bytes` (the FOpts field, or a decrypted FRMPayload with
    /// FPort 0), reading each CID in `direction`.
    ///
    /// An undefined CID ends parsing: it and every byte after it become one `.unknown` (CID below
    /// 0x80) or `.proprietary` (CID 0x80–0xFF) value, because the specification gives no way to
    /// know its length (LoRaWAN L2 1.0.4 §5: "the first unknown MAC command terminates the
    /// processing of the MAC command sequence"). An empty buffer gives an empty list.
    ///
    /// - Parameters:
    ///   - bytes: the concatenated commands.
    ///   - direction: `.uplink` for commands from the end device, `.downlink` for commands from the network.
    /// - Returns: the commands in order.
    /// - Throws: `LoRaWANError.truncatedMACCommand` when the buffer ends inside a command's payload.
    public static func parseAll(
        _ bytes: some Collection<UInt8>, direction: Direction
    ) throws(LoRaWANError) -> [MACCommand] {
        let buffer = Array(bytes)
        var commands: [MACCommand] = []
        var index = 0
        while index < buffer.count {
            let cid = buffer[index]
            index += 1
            guard let kind = Kind.lookup(cid: cid, direction: direction) else {
                let rest = Array(buffer[index...])
                commands.append(cid >= 0x80 ? .proprietary(cid: cid, payload: rest) : .unknown(cid: cid, payload: rest))
                break
            }
            let length = kind.payloadLength
            let available = buffer.count - index
            guard available >= length else {
                throw .truncatedMACCommand(cid: cid, name: kind.name, expected: length, actual: available)
            }
            commands.append(MACCommand(kind: kind, reading: MACPayloadReader(bytes: buffer, start: index)))
            index += length
        }
        return commands
    }

    /// Serialises `commands` one after another.
    ///
    /// The result parses back to `commands` with ``parseAll(_:direction:)`` when every command
    /// travels in that direction and any `.unknown`/`.proprietary` value is last (its payload runs to
    /// the end of the buffer).
    public static func encodeAll(_ commands: [MACCommand]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(commands.count * 3)
        for command in commands { command.encode(into: &buffer) }
        return buffer
    }

    /// Appends this command's CID and payload to `buffer`. Never traps: every payload value was
    /// validated when it was built.
    public func encode(into buffer: inout [UInt8]) {
        buffer.append(cid)
        switch self {
        case let .unknown(_, payload), let .proprietary(_, payload):
            buffer.append(contentsOf: payload)
        case .linkCheckReq, .dutyCycleAns, .devStatusReq, .rxTimingSetupAns, .txParamSetupAns,
             .adrParamSetupAns, .deviceTimeReq, .pingSlotInfoAns, .beaconTimingReq:
            break
        case let .resetInd(p): p.encodePayload(into: &buffer)
        case let .resetConf(p): p.encodePayload(into: &buffer)
        case let .linkCheckAns(p): p.encodePayload(into: &buffer)
        case let .linkADRReq(p): p.encodePayload(into: &buffer)
        case let .linkADRAns(p): p.encodePayload(into: &buffer)
        case let .dutyCycleReq(p): p.encodePayload(into: &buffer)
        case let .rxParamSetupReq(p): p.encodePayload(into: &buffer)
        case let .rxParamSetupAns(p): p.encodePayload(into: &buffer)
        case let .devStatusAns(p): p.encodePayload(into: &buffer)
        case let .newChannelReq(p): p.encodePayload(into: &buffer)
        case let .newChannelAns(p): p.encodePayload(into: &buffer)
        case let .rxTimingSetupReq(p): p.encodePayload(into: &buffer)
        case let .txParamSetupReq(p): p.encodePayload(into: &buffer)
        case let .dlChannelReq(p): p.encodePayload(into: &buffer)
        case let .dlChannelAns(p): p.encodePayload(into: &buffer)
        case let .rekeyInd(p): p.encodePayload(into: &buffer)
        case let .rekeyConf(p): p.encodePayload(into: &buffer)
        case let .adrParamSetupReq(p): p.encodePayload(into: &buffer)
        case let .deviceTimeAns(p): p.encodePayload(into: &buffer)
        case let .forceRejoinReq(p): p.encodePayload(into: &buffer)
        case let .rejoinParamSetupReq(p): p.encodePayload(into: &buffer)
        case let .rejoinParamSetupAns(p): p.encodePayload(into: &buffer)
        case let .pingSlotInfoReq(p): p.encodePayload(into: &buffer)
        case let .pingSlotChannelReq(p): p.encodePayload(into: &buffer)
        case let .pingSlotChannelAns(p): p.encodePayload(into: &buffer)
        case let .beaconTimingAns(p): p.encodePayload(into: &buffer)
        case let .beaconFreqReq(p): p.encodePayload(into: &buffer)
        case let .beaconFreqAns(p): p.encodePayload(into: &buffer)
        case let .deviceModeInd(p): p.encodePayload(into: &buffer)
        case let .deviceModeConf(p): p.encodePayload(into: &buffer)
        }
    }

    /// The encoded size of this command in octets, CID included.
    public var encodedLength: Int {
        switch self {
        case let .unknown(_, payload), let .proprietary(_, payload): return 1 + payload.count
        default: return 1 + (kind?.payloadLength ?? 0)
        }
    }

    /// Builds the command `kind` from its payload bytes (all present, checked by the caller).
    private init(kind: Kind, reading r: MACPayloadReader) {
        switch kind {
        case .resetInd: self = .resetInd(ResetInd(reading: r))
        case .resetConf: self = .resetConf(ResetConf(reading: r))
        case .linkCheckReq: self = .linkCheckReq
        case .linkCheckAns: self = .linkCheckAns(LinkCheckAns(reading: r))
        case .linkADRReq: self = .linkADRReq(LinkADRReq(reading: r))
        case .linkADRAns: self = .linkADRAns(LinkADRAns(reading: r))
        case .dutyCycleReq: self = .dutyCycleReq(DutyCycleReq(reading: r))
        case .dutyCycleAns: self = .dutyCycleAns
        case .rxParamSetupReq: self = .rxParamSetupReq(RXParamSetupReq(reading: r))
        case .rxParamSetupAns: self = .rxParamSetupAns(RXParamSetupAns(reading: r))
        case .devStatusReq: self = .devStatusReq
        case .devStatusAns: self = .devStatusAns(DevStatusAns(reading: r))
        case .newChannelReq: self = .newChannelReq(NewChannelReq(reading: r))
        case .newChannelAns: self = .newChannelAns(NewChannelAns(reading: r))
        case .rxTimingSetupReq: self = .rxTimingSetupReq(RXTimingSetupReq(reading: r))
        case .rxTimingSetupAns: self = .rxTimingSetupAns
        case .txParamSetupReq: self = .txParamSetupReq(TxParamSetupReq(reading: r))
        case .txParamSetupAns: self = .txParamSetupAns
        case .dlChannelReq: self = .dlChannelReq(DlChannelReq(reading: r))
        case .dlChannelAns: self = .dlChannelAns(DlChannelAns(reading: r))
        case .rekeyInd: self = .rekeyInd(RekeyInd(reading: r))
        case .rekeyConf: self = .rekeyConf(RekeyConf(reading: r))
        case .adrParamSetupReq: self = .adrParamSetupReq(ADRParamSetupReq(reading: r))
        case .adrParamSetupAns: self = .adrParamSetupAns
        case .deviceTimeReq: self = .deviceTimeReq
        case .deviceTimeAns: self = .deviceTimeAns(DeviceTimeAns(reading: r))
        case .forceRejoinReq: self = .forceRejoinReq(ForceRejoinReq(reading: r))
        case .rejoinParamSetupReq: self = .rejoinParamSetupReq(RejoinParamSetupReq(reading: r))
        case .rejoinParamSetupAns: self = .rejoinParamSetupAns(RejoinParamSetupAns(reading: r))
        case .pingSlotInfoReq: self = .pingSlotInfoReq(PingSlotInfoReq(reading: r))
        case .pingSlotInfoAns: self = .pingSlotInfoAns
        case .pingSlotChannelReq: self = .pingSlotChannelReq(PingSlotChannelReq(reading: r))
        case .pingSlotChannelAns: self = .pingSlotChannelAns(PingSlotChannelAns(reading: r))
        case .beaconTimingReq: self = .beaconTimingReq
        case .beaconTimingAns: self = .beaconTimingAns(BeaconTimingAns(reading: r))
        case .beaconFreqReq: self = .beaconFreqReq(BeaconFreqReq(reading: r))
        case .beaconFreqAns: self = .beaconFreqAns(BeaconFreqAns(reading: r))
        case .deviceModeInd: self = .deviceModeInd(DeviceModeInd(reading: r))
        case .deviceModeConf: self = .deviceModeConf(DeviceModeConf(reading: r))
        }
    }
}
