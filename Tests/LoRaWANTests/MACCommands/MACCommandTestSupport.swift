@testable import LoRaWAN

/// A small deterministic generator (SplitMix64) so that property tests are reproducible: a failure
/// names its seed, and the same seed gives the same inputs on every machine.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The MAC command table transcribed independently of the implementation, from LoRaWAN L2 1.0.4 §5
/// table 14 and §12 table 61, and LoRaWAN 1.1 §5 (MAC command table), §14 and §18: CID, direction,
/// name and payload length in octets (summed from each command's payload-format table).
struct SpecEntry: Sendable, CustomStringConvertible {
    let cid: UInt8
    let direction: Direction
    let name: String
    let length: Int
    var description: String { "\(name) (0x\(String(cid, radix: 16)), \(direction))" }
}

let specTable: [SpecEntry] = [
    SpecEntry(cid: 0x01, direction: .uplink, name: "ResetInd", length: 1),           // 1.1 §5.1: Dev LoRaWAN version
    SpecEntry(cid: 0x01, direction: .downlink, name: "ResetConf", length: 1),        // 1.1 §5.1: Serv LoRaWAN version
    SpecEntry(cid: 0x02, direction: .uplink, name: "LinkCheckReq", length: 0),       // 1.0.4 §5.1: no payload
    SpecEntry(cid: 0x02, direction: .downlink, name: "LinkCheckAns", length: 2),     // 1.0.4 table 16: Margin, GwCnt
    SpecEntry(cid: 0x03, direction: .downlink, name: "LinkADRReq", length: 4),       // 1.0.4 table 17: 1 + 2 + 1
    SpecEntry(cid: 0x03, direction: .uplink, name: "LinkADRAns", length: 1),         // 1.0.4 §5.2: Status
    SpecEntry(cid: 0x04, direction: .downlink, name: "DutyCycleReq", length: 1),     // 1.0.4 §5.3: DutyCyclePL
    SpecEntry(cid: 0x04, direction: .uplink, name: "DutyCycleAns", length: 0),
    SpecEntry(cid: 0x05, direction: .downlink, name: "RXParamSetupReq", length: 4),  // 1.0.4 §5.4: DLSettings, Frequency(3)
    SpecEntry(cid: 0x05, direction: .uplink, name: "RXParamSetupAns", length: 1),
    SpecEntry(cid: 0x06, direction: .downlink, name: "DevStatusReq", length: 0),
    SpecEntry(cid: 0x06, direction: .uplink, name: "DevStatusAns", length: 2),       // 1.0.4 §5.5: Battery, RadioStatus
    SpecEntry(cid: 0x07, direction: .downlink, name: "NewChannelReq", length: 5),    // 1.0.4 §5.6: ChIndex, Freq(3), DrRange
    SpecEntry(cid: 0x07, direction: .uplink, name: "NewChannelAns", length: 1),
    SpecEntry(cid: 0x08, direction: .downlink, name: "RXTimingSetupReq", length: 1), // 1.0.4 table 43
    SpecEntry(cid: 0x08, direction: .uplink, name: "RXTimingSetupAns", length: 0),
    SpecEntry(cid: 0x09, direction: .downlink, name: "TxParamSetupReq", length: 1),  // 1.0.4 table 46
    SpecEntry(cid: 0x09, direction: .uplink, name: "TxParamSetupAns", length: 0),
    SpecEntry(cid: 0x0A, direction: .downlink, name: "DlChannelReq", length: 4),     // 1.0.4 §5.6: ChIndex, Freq(3)
    SpecEntry(cid: 0x0A, direction: .uplink, name: "DlChannelAns", length: 1),
    SpecEntry(cid: 0x0B, direction: .uplink, name: "RekeyInd", length: 1),           // 1.1 §5.10
    SpecEntry(cid: 0x0B, direction: .downlink, name: "RekeyConf", length: 1),
    SpecEntry(cid: 0x0C, direction: .downlink, name: "ADRParamSetupReq", length: 1), // 1.1 §5.11
    SpecEntry(cid: 0x0C, direction: .uplink, name: "ADRParamSetupAns", length: 0),
    SpecEntry(cid: 0x0D, direction: .uplink, name: "DeviceTimeReq", length: 0),      // 1.0.4 §5.9
    SpecEntry(cid: 0x0D, direction: .downlink, name: "DeviceTimeAns", length: 5),    // 4 + 1
    SpecEntry(cid: 0x0E, direction: .downlink, name: "ForceRejoinReq", length: 2),   // 1.1 §5.13
    SpecEntry(cid: 0x0F, direction: .downlink, name: "RejoinParamSetupReq", length: 1), // 1.1 §5.14
    SpecEntry(cid: 0x0F, direction: .uplink, name: "RejoinParamSetupAns", length: 1),
    SpecEntry(cid: 0x10, direction: .uplink, name: "PingSlotInfoReq", length: 1),    // 1.0.4 table 62
    SpecEntry(cid: 0x10, direction: .downlink, name: "PingSlotInfoAns", length: 0),
    SpecEntry(cid: 0x11, direction: .downlink, name: "PingSlotChannelReq", length: 4), // Frequency(3), DR
    SpecEntry(cid: 0x11, direction: .uplink, name: "PingSlotChannelAns", length: 1),
    SpecEntry(cid: 0x12, direction: .uplink, name: "BeaconTimingReq", length: 0),    // deprecated (1.0.2 class B §14.4)
    SpecEntry(cid: 0x12, direction: .downlink, name: "BeaconTimingAns", length: 3),  // Delay(2), Channel
    SpecEntry(cid: 0x13, direction: .downlink, name: "BeaconFreqReq", length: 3),    // Frequency(3)
    SpecEntry(cid: 0x13, direction: .uplink, name: "BeaconFreqAns", length: 1),
    SpecEntry(cid: 0x20, direction: .uplink, name: "DeviceModeInd", length: 1),      // 1.1 §18.1
    SpecEntry(cid: 0x20, direction: .downlink, name: "DeviceModeConf", length: 1),
]

extension RandomNumberGenerator {
    mutating func byte() -> UInt8 { UInt8.random(in: 0...255, using: &self) }
    mutating func bits(_ n: Int) -> UInt8 { UInt8.random(in: 0...UInt8((1 << n) - 1), using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    /// A frequency the 24-bit, 100 Hz field can carry; often a realistic one, sometimes an extreme.
    mutating func frequencyHz() -> UInt32 {
        switch UInt8.random(in: 0...3, using: &self) {
        case 0: return 0
        case 1: return MACWire.maximumFrequencyHz
        default: return UInt32.random(in: 0...0xFF_FFFF, using: &self) * 100
        }
    }
    /// RFU bits: mostly zero, as senders should write them, sometimes random within `mask`.
    mutating func rfu(_ mask: UInt8) -> UInt8 { bool() ? 0 : byte() & mask }
}

/// Builds a random valid command of `kind` through the public, validating initialisers.
func randomCommand(_ kind: MACCommand.Kind, using g: inout some RandomNumberGenerator) throws -> MACCommand {
    switch kind {
    case .resetInd: return .resetInd(try .init(minor: g.bits(4), rfu: g.rfu(0xF0)))
    case .resetConf: return .resetConf(try .init(minor: g.bits(4), rfu: g.rfu(0xF0)))
    case .linkCheckReq: return .linkCheckReq
    case .linkCheckAns: return .linkCheckAns(.init(marginDB: g.byte(), gwCnt: g.byte()))
    case .linkADRReq:
        return .linkADRReq(try .init(dataRate: g.bits(4), txPower: g.bits(4), chMask: UInt16.random(in: 0...0xFFFF, using: &g),
                                     chMaskCntl: g.bits(3), nbTrans: g.bits(4), rfu: g.rfu(0x80)))
    case .linkADRAns: return .linkADRAns(try .init(powerACK: g.bool(), dataRateACK: g.bool(), channelMaskACK: g.bool(), rfu: g.rfu(0xF8)))
    case .dutyCycleReq: return .dutyCycleReq(try .init(maxDCycle: g.bits(4), rfu: g.rfu(0xF0)))
    case .dutyCycleAns: return .dutyCycleAns
    case .rxParamSetupReq:
        return .rxParamSetupReq(try .init(rx1DROffset: g.bits(3), rx2DataRate: g.bits(4), frequencyHz: g.frequencyHz(), rfu: g.rfu(0x80)))
    case .rxParamSetupAns: return .rxParamSetupAns(try .init(rx1DROffsetACK: g.bool(), rx2DataRateACK: g.bool(), channelACK: g.bool(), rfu: g.rfu(0xF8)))
    case .devStatusReq: return .devStatusReq
    case .devStatusAns: return .devStatusAns(try .init(battery: g.byte(), marginDB: Int8.random(in: -32...31, using: &g), rfu: g.rfu(0xC0)))
    case .newChannelReq: return .newChannelReq(try .init(chIndex: g.byte(), frequencyHz: g.frequencyHz(), minDR: g.bits(4), maxDR: g.bits(4)))
    case .newChannelAns: return .newChannelAns(try .init(dataRateRangeOK: g.bool(), channelFrequencyOK: g.bool(), rfu: g.rfu(0xFC)))
    case .rxTimingSetupReq: return .rxTimingSetupReq(try .init(del: g.bits(4), rfu: g.rfu(0xF0)))
    case .rxTimingSetupAns: return .rxTimingSetupAns
    case .txParamSetupReq:
        return .txParamSetupReq(try .init(downlinkDwellTime: g.bool(), uplinkDwellTime: g.bool(), maxEIRP: g.bits(4), rfu: g.rfu(0xC0)))
    case .txParamSetupAns: return .txParamSetupAns
    case .dlChannelReq: return .dlChannelReq(try .init(chIndex: g.byte(), frequencyHz: g.frequencyHz()))
    case .dlChannelAns: return .dlChannelAns(try .init(uplinkFrequencyExists: g.bool(), channelFrequencyOK: g.bool(), rfu: g.rfu(0xFC)))
    case .rekeyInd: return .rekeyInd(try .init(minor: g.bits(4), rfu: g.rfu(0xF0)))
    case .rekeyConf: return .rekeyConf(try .init(minor: g.bits(4), rfu: g.rfu(0xF0)))
    case .adrParamSetupReq: return .adrParamSetupReq(try .init(limitExp: g.bits(4), delayExp: g.bits(4)))
    case .adrParamSetupAns: return .adrParamSetupAns
    case .deviceTimeReq: return .deviceTimeReq
    case .deviceTimeAns: return .deviceTimeAns(.init(gpsSeconds: UInt32.random(in: 0...UInt32.max, using: &g), fraction256: g.byte()))
    case .forceRejoinReq:
        let rfu: UInt16 = g.bool() ? 0 : UInt16.random(in: 0...0xFFFF, using: &g) & 0xC080
        return .forceRejoinReq(try .init(period: g.bits(3), maxRetries: g.bits(3), rejoinType: g.bits(3), dataRate: g.bits(4), rfu: rfu))
    case .rejoinParamSetupReq: return .rejoinParamSetupReq(try .init(maxTimeN: g.bits(4), maxCountN: g.bits(4)))
    case .rejoinParamSetupAns: return .rejoinParamSetupAns(try .init(timeOK: g.bool(), rfu: g.rfu(0xFE)))
    case .pingSlotInfoReq: return .pingSlotInfoReq(try .init(periodicity: g.bits(3), rfu: g.rfu(0xF8)))
    case .pingSlotInfoAns: return .pingSlotInfoAns
    case .pingSlotChannelReq: return .pingSlotChannelReq(try .init(frequencyHz: g.frequencyHz(), dataRate: g.bits(4), rfu: g.rfu(0xF0)))
    case .pingSlotChannelAns: return .pingSlotChannelAns(try .init(dataRateOK: g.bool(), channelFrequencyOK: g.bool(), rfu: g.rfu(0xFC)))
    case .beaconTimingReq: return .beaconTimingReq
    case .beaconTimingAns: return .beaconTimingAns(.init(delay: UInt16.random(in: 0...0xFFFF, using: &g), channel: g.byte()))
    case .beaconFreqReq: return .beaconFreqReq(try .init(frequencyHz: g.frequencyHz()))
    case .beaconFreqAns: return .beaconFreqAns(try .init(beaconFrequencyOK: g.bool(), rfu: g.rfu(0xFE)))
    case .deviceModeInd: return .deviceModeInd(.init(classValue: g.byte()))
    case .deviceModeConf: return .deviceModeConf(.init(classValue: g.byte()))
    }
}

/// CIDs below 0x80 that no command uses in `direction`.
func undefinedCIDs(_ direction: Direction) -> [UInt8] {
    let defined = Set(specTable.filter { $0.direction == direction }.map(\.cid))
    return (0..<0x80).map(UInt8.init).filter { !defined.contains($0) }
}

/// A random list of commands for `direction`, optionally ending in an unknown or proprietary one.
func randomCommandList(_ direction: Direction, using g: inout some RandomNumberGenerator) throws -> [MACCommand] {
    let kinds = MACCommand.Kind.allCases.filter { $0.direction == direction }
    var list: [MACCommand] = []
    for _ in 0..<Int.random(in: 0...12, using: &g) {
        list.append(try randomCommand(kinds[Int.random(in: 0..<kinds.count, using: &g)], using: &g))
    }
    let payload = (0..<Int.random(in: 0...6, using: &g)).map { _ in g.byte() }
    switch Int.random(in: 0...3, using: &g) {
    case 0:
        let cids = undefinedCIDs(direction)
        list.append(.unknown(cid: cids[Int.random(in: 0..<cids.count, using: &g)], payload: payload))
    case 1:
        list.append(.proprietary(cid: UInt8.random(in: 0x80...0xFF, using: &g), payload: payload))
    default:
        break
    }
    return list
}
