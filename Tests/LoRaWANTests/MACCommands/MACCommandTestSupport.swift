@testable import LoRaWAN

/// A small deterministic generator (MACTestRNG) so that property tests are reproducible: a failure
/// names its seed, and the same seed gives the same inputs on every machine.
struct MACTestRNG: RandomNumberGenerator {
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
struct MACSpecEntry: Sendable, CustomStringConvertible {
    let cid: UInt8
    let direction: Direction
    let name: String
    let length: Int
    var description: String { "\(name) (0x\(String(cid, radix: 16)), \(direction))" }
}

let macSpecTable: [MACSpecEntry] = [
    MACSpecEntry(cid: 0x01, direction: .uplink, name: "ResetInd", length: 1),           // 1.1 §5.1: Dev LoRaWAN version
    MACSpecEntry(cid: 0x01, direction: .downlink, name: "ResetConf", length: 1),        // 1.1 §5.1: Serv LoRaWAN version
    MACSpecEntry(cid: 0x02, direction: .uplink, name: "LinkCheckReq", length: 0),       // 1.0.4 §5.1: no payload
    MACSpecEntry(cid: 0x02, direction: .downlink, name: "LinkCheckAns", length: 2),     // 1.0.4 table 16: Margin, GwCnt
    MACSpecEntry(cid: 0x03, direction: .downlink, name: "LinkADRReq", length: 4),       // 1.0.4 table 17: 1 + 2 + 1
    MACSpecEntry(cid: 0x03, direction: .uplink, name: "LinkADRAns", length: 1),         // 1.0.4 §5.2: Status
    MACSpecEntry(cid: 0x04, direction: .downlink, name: "DutyCycleReq", length: 1),     // 1.0.4 §5.3: DutyCyclePL
    MACSpecEntry(cid: 0x04, direction: .uplink, name: "DutyCycleAns", length: 0),
    MACSpecEntry(cid: 0x05, direction: .downlink, name: "RXParamSetupReq", length: 4),  // 1.0.4 §5.4: DLSettings, Frequency(3)
    MACSpecEntry(cid: 0x05, direction: .uplink, name: "RXParamSetupAns", length: 1),
    MACSpecEntry(cid: 0x06, direction: .downlink, name: "DevStatusReq", length: 0),
    MACSpecEntry(cid: 0x06, direction: .uplink, name: "DevStatusAns", length: 2),       // 1.0.4 §5.5: Battery, RadioStatus
    MACSpecEntry(cid: 0x07, direction: .downlink, name: "NewChannelReq", length: 5),    // 1.0.4 §5.6: ChIndex, Freq(3), DrRange
    MACSpecEntry(cid: 0x07, direction: .uplink, name: "NewChannelAns", length: 1),
    MACSpecEntry(cid: 0x08, direction: .downlink, name: "RXTimingSetupReq", length: 1), // 1.0.4 table 43
    MACSpecEntry(cid: 0x08, direction: .uplink, name: "RXTimingSetupAns", length: 0),
    MACSpecEntry(cid: 0x09, direction: .downlink, name: "TxParamSetupReq", length: 1),  // 1.0.4 table 46
    MACSpecEntry(cid: 0x09, direction: .uplink, name: "TxParamSetupAns", length: 0),
    MACSpecEntry(cid: 0x0A, direction: .downlink, name: "DlChannelReq", length: 4),     // 1.0.4 §5.6: ChIndex, Freq(3)
    MACSpecEntry(cid: 0x0A, direction: .uplink, name: "DlChannelAns", length: 1),
    MACSpecEntry(cid: 0x0B, direction: .uplink, name: "RekeyInd", length: 1),           // 1.1 §5.10
    MACSpecEntry(cid: 0x0B, direction: .downlink, name: "RekeyConf", length: 1),
    MACSpecEntry(cid: 0x0C, direction: .downlink, name: "ADRParamSetupReq", length: 1), // 1.1 §5.11
    MACSpecEntry(cid: 0x0C, direction: .uplink, name: "ADRParamSetupAns", length: 0),
    MACSpecEntry(cid: 0x0D, direction: .uplink, name: "DeviceTimeReq", length: 0),      // 1.0.4 §5.9
    MACSpecEntry(cid: 0x0D, direction: .downlink, name: "DeviceTimeAns", length: 5),    // 4 + 1
    MACSpecEntry(cid: 0x0E, direction: .downlink, name: "ForceRejoinReq", length: 2),   // 1.1 §5.13
    MACSpecEntry(cid: 0x0F, direction: .downlink, name: "RejoinParamSetupReq", length: 1), // 1.1 §5.14
    MACSpecEntry(cid: 0x0F, direction: .uplink, name: "RejoinParamSetupAns", length: 1),
    MACSpecEntry(cid: 0x10, direction: .uplink, name: "PingSlotInfoReq", length: 1),    // 1.0.4 table 62
    MACSpecEntry(cid: 0x10, direction: .downlink, name: "PingSlotInfoAns", length: 0),
    MACSpecEntry(cid: 0x11, direction: .downlink, name: "PingSlotChannelReq", length: 4), // Frequency(3), DR
    MACSpecEntry(cid: 0x11, direction: .uplink, name: "PingSlotChannelAns", length: 1),
    MACSpecEntry(cid: 0x12, direction: .uplink, name: "BeaconTimingReq", length: 0),    // deprecated (1.0.2 class B §14.4)
    MACSpecEntry(cid: 0x12, direction: .downlink, name: "BeaconTimingAns", length: 3),  // Delay(2), Channel
    MACSpecEntry(cid: 0x13, direction: .downlink, name: "BeaconFreqReq", length: 3),    // Frequency(3)
    MACSpecEntry(cid: 0x13, direction: .uplink, name: "BeaconFreqAns", length: 1),
    MACSpecEntry(cid: 0x20, direction: .uplink, name: "DeviceModeInd", length: 1),      // 1.1 §18.1
    MACSpecEntry(cid: 0x20, direction: .downlink, name: "DeviceModeConf", length: 1),
]

extension RandomNumberGenerator {
    mutating func macByte() -> UInt8 { UInt8.random(in: 0...255, using: &self) }
    mutating func macBits(_ n: Int) -> UInt8 { UInt8.random(in: 0...UInt8((1 << n) - 1), using: &self) }
    mutating func macBool() -> Bool { Bool.random(using: &self) }
    /// A frequency the 24-bit, 100 Hz field can carry; often a realistic one, sometimes an extreme.
    mutating func macFrequencyHz() -> UInt32 {
        switch UInt8.random(in: 0...3, using: &self) {
        case 0: return 0
        case 1: return MACWire.maximumFrequencyHz
        default: return UInt32.random(in: 0...0xFF_FFFF, using: &self) * 100
        }
    }
    /// RFU bits: mostly zero, as senders should write them, sometimes random within `mask`.
    mutating func macRFU(_ mask: UInt8) -> UInt8 { macBool() ? 0 : macByte() & mask }
}

/// Builds a random valid command of `kind` through the public, validating initialisers.
func randomMACCommand(_ kind: MACCommand.Kind, using g: inout some RandomNumberGenerator) throws -> MACCommand {
    switch kind {
    case .resetInd: return .resetInd(try .init(minor: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .resetConf: return .resetConf(try .init(minor: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .linkCheckReq: return .linkCheckReq
    case .linkCheckAns: return .linkCheckAns(.init(marginDB: g.macByte(), gwCnt: g.macByte()))
    case .linkADRReq:
        return .linkADRReq(try .init(dataRate: g.macBits(4), txPower: g.macBits(4), chMask: UInt16.random(in: 0...0xFFFF, using: &g),
                                     chMaskCntl: g.macBits(3), nbTrans: g.macBits(4), rfu: g.macRFU(0x80)))
    case .linkADRAns: return .linkADRAns(try .init(powerACK: g.macBool(), dataRateACK: g.macBool(), channelMaskACK: g.macBool(), rfu: g.macRFU(0xF8)))
    case .dutyCycleReq: return .dutyCycleReq(try .init(maxDCycle: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .dutyCycleAns: return .dutyCycleAns
    case .rxParamSetupReq:
        return .rxParamSetupReq(try .init(rx1DROffset: g.macBits(3), rx2DataRate: g.macBits(4), frequencyHz: g.macFrequencyHz(), rfu: g.macRFU(0x80)))
    case .rxParamSetupAns: return .rxParamSetupAns(try .init(rx1DROffsetACK: g.macBool(), rx2DataRateACK: g.macBool(), channelACK: g.macBool(), rfu: g.macRFU(0xF8)))
    case .devStatusReq: return .devStatusReq
    case .devStatusAns: return .devStatusAns(try .init(battery: g.macByte(), marginDB: Int8.random(in: -32...31, using: &g), rfu: g.macRFU(0xC0)))
    case .newChannelReq: return .newChannelReq(try .init(chIndex: g.macByte(), frequencyHz: g.macFrequencyHz(), minDR: g.macBits(4), maxDR: g.macBits(4)))
    case .newChannelAns: return .newChannelAns(try .init(dataRateRangeOK: g.macBool(), channelFrequencyOK: g.macBool(), rfu: g.macRFU(0xFC)))
    case .rxTimingSetupReq: return .rxTimingSetupReq(try .init(del: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .rxTimingSetupAns: return .rxTimingSetupAns
    case .txParamSetupReq:
        return .txParamSetupReq(try .init(downlinkDwellTime: g.macBool(), uplinkDwellTime: g.macBool(), maxEIRP: g.macBits(4), rfu: g.macRFU(0xC0)))
    case .txParamSetupAns: return .txParamSetupAns
    case .dlChannelReq: return .dlChannelReq(try .init(chIndex: g.macByte(), frequencyHz: g.macFrequencyHz()))
    case .dlChannelAns: return .dlChannelAns(try .init(uplinkFrequencyExists: g.macBool(), channelFrequencyOK: g.macBool(), rfu: g.macRFU(0xFC)))
    case .rekeyInd: return .rekeyInd(try .init(minor: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .rekeyConf: return .rekeyConf(try .init(minor: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .adrParamSetupReq: return .adrParamSetupReq(try .init(limitExp: g.macBits(4), delayExp: g.macBits(4)))
    case .adrParamSetupAns: return .adrParamSetupAns
    case .deviceTimeReq: return .deviceTimeReq
    case .deviceTimeAns: return .deviceTimeAns(.init(gpsSeconds: UInt32.random(in: 0...UInt32.max, using: &g), fraction256: g.macByte()))
    case .forceRejoinReq:
        let rfu: UInt16 = g.macBool() ? 0 : UInt16.random(in: 0...0xFFFF, using: &g) & 0xC080
        return .forceRejoinReq(try .init(period: g.macBits(3), maxRetries: g.macBits(3), rejoinType: g.macBits(3), dataRate: g.macBits(4), rfu: rfu))
    case .rejoinParamSetupReq: return .rejoinParamSetupReq(try .init(maxTimeN: g.macBits(4), maxCountN: g.macBits(4)))
    case .rejoinParamSetupAns: return .rejoinParamSetupAns(try .init(timeOK: g.macBool(), rfu: g.macRFU(0xFE)))
    case .pingSlotInfoReq: return .pingSlotInfoReq(try .init(periodicity: g.macBits(3), rfu: g.macRFU(0xF8)))
    case .pingSlotInfoAns: return .pingSlotInfoAns
    case .pingSlotChannelReq: return .pingSlotChannelReq(try .init(frequencyHz: g.macFrequencyHz(), dataRate: g.macBits(4), rfu: g.macRFU(0xF0)))
    case .pingSlotChannelAns: return .pingSlotChannelAns(try .init(dataRateOK: g.macBool(), channelFrequencyOK: g.macBool(), rfu: g.macRFU(0xFC)))
    case .beaconTimingReq: return .beaconTimingReq
    case .beaconTimingAns: return .beaconTimingAns(.init(delay: UInt16.random(in: 0...0xFFFF, using: &g), channel: g.macByte()))
    case .beaconFreqReq: return .beaconFreqReq(try .init(frequencyHz: g.macFrequencyHz()))
    case .beaconFreqAns: return .beaconFreqAns(try .init(beaconFrequencyOK: g.macBool(), rfu: g.macRFU(0xFE)))
    case .deviceModeInd: return .deviceModeInd(.init(classValue: g.macByte()))
    case .deviceModeConf: return .deviceModeConf(.init(classValue: g.macByte()))
    }
}

/// CIDs below 0x80 that no command uses in `direction`.
func macUndefinedCIDs(_ direction: Direction) -> [UInt8] {
    let defined = Set(macSpecTable.filter { $0.direction == direction }.map(\.cid))
    return (0..<0x80).map(UInt8.init).filter { !defined.contains($0) }
}

/// A random list of commands for `direction`, optionally ending in an unknown or proprietary one.
func randomMACCommandList(_ direction: Direction, using g: inout some RandomNumberGenerator) throws -> [MACCommand] {
    let kinds = MACCommand.Kind.allCases.filter { $0.direction == direction }
    var list: [MACCommand] = []
    for _ in 0..<Int.random(in: 0...12, using: &g) {
        list.append(try randomMACCommand(kinds[Int.random(in: 0..<kinds.count, using: &g)], using: &g))
    }
    let payload = (0..<Int.random(in: 0...6, using: &g)).map { _ in g.macByte() }
    switch Int.random(in: 0...3, using: &g) {
    case 0:
        let cids = macUndefinedCIDs(direction)
        list.append(.unknown(cid: cids[Int.random(in: 0..<cids.count, using: &g)], payload: payload))
    case 1:
        list.append(.proprietary(cid: UInt8.random(in: 0x80...0xFF, using: &g), payload: payload))
    default:
        break
    }
    return list
}
