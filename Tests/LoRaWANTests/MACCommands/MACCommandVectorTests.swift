import Testing
@testable import LoRaWAN

/// One command's bytes laid out from its payload-format table, and the value they mean.
struct MACVector: Sendable, CustomTestStringConvertible {
    let hex: String
    let direction: Direction
    let command: MACCommand
    let source: String
    var testDescription: String { "\(command.name) \(hex) (\(source))" }
}

/// Byte layouts built from the field tables of LoRaWAN L2 1.0.4 §5 and §12, LoRaWAN 1.1 §5, §14
/// and §18, and LoRaWAN 1.0.2 class B §14 for the deprecated BeaconTiming commands. Every command
/// appears at least once, in the direction it travels in. Multi-octet fields are little endian
/// (L2 1.0.4 §1.2 conventions); frequencies are 24-bit counts of 100 Hz.
func macVectors() throws -> [MACVector] {
    typealias C = MACCommand
    return [
        // ResetInd/ResetConf, 1.1 §5.1: bits 3:0 Minor = 1 (LoRaWAN 1.1).
        MACVector(hex: "0101", direction: .uplink, command: .resetInd(try .init(minor: 1)), source: "1.1 §5.1"),
        MACVector(hex: "0101", direction: .downlink, command: .resetConf(try .init(minor: 1)), source: "1.1 §5.1"),
        // LinkCheckReq has no payload; LinkCheckAns Margin 20 dB, GwCnt 3 (1.0.4 table 16).
        MACVector(hex: "02", direction: .uplink, command: .linkCheckReq, source: "1.0.4 §5.1"),
        MACVector(hex: "021403", direction: .downlink, command: .linkCheckAns(.init(marginDB: 20, gwCnt: 3)), source: "1.0.4 table 16"),
        // LinkADRReq: DataRate 5 / TXPower 1 = 0x51 (table 18), ChMask 0x00FF little endian,
        // Redundancy ChMaskCntl 0 NbTrans 1 (table 17 and Redundancy format).
        MACVector(hex: "0351FF0001", direction: .downlink,
                  command: .linkADRReq(try .init(dataRate: 5, txPower: 1, chMask: 0x00FF, chMaskCntl: 0, nbTrans: 1)),
                  source: "1.0.4 tables 17–18"),
        // US915-style: DR3, TXPower 0, ChMaskCntl 7, ChMask bit 0, NbTrans 3.
        MACVector(hex: "0330010073", direction: .downlink,
                  command: .linkADRReq(try .init(dataRate: 3, txPower: 0, chMask: 0x0001, chMaskCntl: 7, nbTrans: 3)),
                  source: "1.0.4 tables 17–18"),
        // The RFU bit 7 of Redundancy is kept so the command re-encodes exactly.
        MACVector(hex: "03FF000081", direction: .downlink,
                  command: .linkADRReq(try .init(dataRate: 15, txPower: 15, chMask: 0, chMaskCntl: 0, nbTrans: 1, rfu: 0x80)),
                  source: "1.0.4 §5.2 (0xF keeps the current value)"),
        // LinkADRAns Status: bit 2 Power ACK, 1 Data rate ACK, 0 Channel mask ACK.
        MACVector(hex: "0307", direction: .uplink,
                  command: .linkADRAns(try .init(powerACK: true, dataRateACK: true, channelMaskACK: true)), source: "1.0.4 §5.2"),
        MACVector(hex: "0306", direction: .uplink,
                  command: .linkADRAns(try .init(powerACK: true, dataRateACK: true, channelMaskACK: false)), source: "1.0.4 §5.2"),
        // DutyCycleReq MaxDCycle 7 = 1/128.
        MACVector(hex: "0407", direction: .downlink, command: .dutyCycleReq(try .init(maxDCycle: 7)), source: "1.0.4 §5.3"),
        MACVector(hex: "04", direction: .uplink, command: .dutyCycleAns, source: "1.0.4 §5.3"),
        // RXParamSetupReq: DLSettings RX1DROffset 2, RX2DataRate 3 = 0x23; 869.525 MHz = 8695250 × 100 Hz = 0x84ADD2.
        MACVector(hex: "0523D2AD84", direction: .downlink,
                  command: .rxParamSetupReq(try .init(rx1DROffset: 2, rx2DataRate: 3, frequencyHz: 869_525_000)), source: "1.0.4 §5.4"),
        MACVector(hex: "0507", direction: .uplink,
                  command: .rxParamSetupAns(try .init(rx1DROffsetACK: true, rx2DataRateACK: true, channelACK: true)), source: "1.0.4 §5.4"),
        MACVector(hex: "0505", direction: .uplink,
                  command: .rxParamSetupAns(try .init(rx1DROffsetACK: true, rx2DataRateACK: false, channelACK: true)), source: "1.0.4 §5.4"),
        // DevStatusAns: Battery 254 (maximum), margin −5 dB as 6-bit two's complement 0x3B.
        MACVector(hex: "06", direction: .downlink, command: .devStatusReq, source: "1.0.4 §5.5"),
        MACVector(hex: "06FE3B", direction: .uplink, command: .devStatusAns(try .init(battery: 254, marginDB: -5)), source: "1.0.4 §5.5"),
        MACVector(hex: "06001F", direction: .uplink, command: .devStatusAns(try .init(battery: 0, marginDB: 31)), source: "1.0.4 §5.5"),
        MACVector(hex: "06FF20", direction: .uplink, command: .devStatusAns(try .init(battery: 255, marginDB: -32)), source: "1.0.4 §5.5"),
        // NewChannelReq: ChIndex 3, 867.1 MHz (0x844F18), DrRange MaxDR 5 / MinDR 0 = 0x50.
        MACVector(hex: "0703184F8450", direction: .downlink,
                  command: .newChannelReq(try .init(chIndex: 3, frequencyHz: 867_100_000, minDR: 0, maxDR: 5)), source: "1.0.4 §5.6"),
        // Frequency 0 disables the channel.
        MACVector(hex: "070F00000000", direction: .downlink,
                  command: .newChannelReq(try .init(chIndex: 15, frequencyHz: 0, minDR: 0, maxDR: 0)), source: "1.0.4 §5.6"),
        MACVector(hex: "0703", direction: .uplink,
                  command: .newChannelAns(try .init(dataRateRangeOK: true, channelFrequencyOK: true)), source: "1.0.4 §5.6"),
        MACVector(hex: "0701", direction: .uplink,
                  command: .newChannelAns(try .init(dataRateRangeOK: false, channelFrequencyOK: true)), source: "1.0.4 §5.6"),
        // RXTimingSetupReq Del 1 (table 44); Del 0 also means 1 s (table 45).
        MACVector(hex: "0801", direction: .downlink, command: .rxTimingSetupReq(try .init(del: 1)), source: "1.0.4 tables 43–45"),
        MACVector(hex: "080F", direction: .downlink, command: .rxTimingSetupReq(try .init(del: 15)), source: "1.0.4 tables 43–45"),
        MACVector(hex: "08", direction: .uplink, command: .rxTimingSetupAns, source: "1.0.4 §5.7"),
        // TxParamSetupReq: DownlinkDwellTime 1 (bit 5), UplinkDwellTime 1 (bit 4), MaxEIRP 5 = 16 dBm (tables 47–49).
        MACVector(hex: "0935", direction: .downlink,
                  command: .txParamSetupReq(try .init(downlinkDwellTime: true, uplinkDwellTime: true, maxEIRP: 5)),
                  source: "1.0.4 tables 46–49"),
        MACVector(hex: "090F", direction: .downlink,
                  command: .txParamSetupReq(try .init(downlinkDwellTime: false, uplinkDwellTime: false, maxEIRP: 15)),
                  source: "1.0.4 tables 46–49"),
        MACVector(hex: "09", direction: .uplink, command: .txParamSetupAns, source: "1.0.4 §5.8"),
        // DlChannelReq: ChIndex 0, 868.1 MHz (0x847628).
        MACVector(hex: "0A00287684", direction: .downlink,
                  command: .dlChannelReq(try .init(chIndex: 0, frequencyHz: 868_100_000)), source: "1.0.4 §5.6"),
        MACVector(hex: "0A03", direction: .uplink,
                  command: .dlChannelAns(try .init(uplinkFrequencyExists: true, channelFrequencyOK: true)), source: "1.0.4 §5.6"),
        MACVector(hex: "0A02", direction: .uplink,
                  command: .dlChannelAns(try .init(uplinkFrequencyExists: true, channelFrequencyOK: false)), source: "1.0.4 §5.6"),
        // RekeyInd/RekeyConf, 1.1 §5.10: Minor 1.
        MACVector(hex: "0B01", direction: .uplink, command: .rekeyInd(try .init(minor: 1)), source: "1.1 §5.10"),
        MACVector(hex: "0B01", direction: .downlink, command: .rekeyConf(try .init(minor: 1)), source: "1.1 §5.10"),
        // ADRParamSetupReq: Limit_exp 6 (ADR_ACK_LIMIT 64), Delay_exp 5 (ADR_ACK_DELAY 32), the RP002 defaults.
        MACVector(hex: "0C65", direction: .downlink, command: .adrParamSetupReq(try .init(limitExp: 6, delayExp: 5)), source: "1.1 §5.11"),
        MACVector(hex: "0C", direction: .uplink, command: .adrParamSetupAns, source: "1.1 §5.11"),
        // DeviceTimeAns: the example of 1.0.3 §5.9 / 1.0.4 §5.9, 2016-02-12T14:24:31Z = 1139322288 s after
        // the GPS epoch (0x43E8ADB0), plus half a second (128/256).
        MACVector(hex: "0D", direction: .uplink, command: .deviceTimeReq, source: "1.0.4 §5.9"),
        MACVector(hex: "0DB0ADE84380", direction: .downlink,
                  command: .deviceTimeAns(.init(gpsSeconds: 1_139_322_288, fraction256: 128)), source: "1.0.4 §5.9 example"),
        // ForceRejoinReq: Period 2, Max_Retries 3, RejoinType 2, DR 5 → 0b00_010_011_0_010_0101 = 0x1325, little endian.
        MACVector(hex: "0E2513", direction: .downlink,
                  command: .forceRejoinReq(try .init(period: 2, maxRetries: 3, rejoinType: 2, dataRate: 5)), source: "1.1 §5.13"),
        // RejoinParamSetupReq: MaxTimeN 4 (2^14 s), MaxCountN 6 (2^10 uplinks).
        MACVector(hex: "0F46", direction: .downlink, command: .rejoinParamSetupReq(try .init(maxTimeN: 4, maxCountN: 6)), source: "1.1 §5.14"),
        MACVector(hex: "0F01", direction: .uplink, command: .rejoinParamSetupAns(try .init(timeOK: true)), source: "1.1 §5.14"),
        MACVector(hex: "0F00", direction: .uplink, command: .rejoinParamSetupAns(try .init(timeOK: false)), source: "1.1 §5.14"),
        // PingSlotInfoReq: Periodicity 7 = one slot every 128 s (1.0.4 table 62).
        MACVector(hex: "1007", direction: .uplink, command: .pingSlotInfoReq(try .init(periodicity: 7)), source: "1.0.4 table 62"),
        MACVector(hex: "10", direction: .downlink, command: .pingSlotInfoAns, source: "1.0.4 table 61"),
        // PingSlotChannelReq: 869.525 MHz, DR 3.
        MACVector(hex: "11D2AD8403", direction: .downlink,
                  command: .pingSlotChannelReq(try .init(frequencyHz: 869_525_000, dataRate: 3)), source: "1.0.4 §12"),
        MACVector(hex: "1103", direction: .uplink,
                  command: .pingSlotChannelAns(try .init(dataRateOK: true, channelFrequencyOK: true)), source: "1.0.4 §12"),
        // BeaconTimingReq/Ans (deprecated): Delay 1000 × 30 ms (0x03E8), Channel 0 (1.0.2 class B §14.5).
        MACVector(hex: "12", direction: .uplink, command: .beaconTimingReq, source: "1.0.2 class B §14.4"),
        MACVector(hex: "12E80300", direction: .downlink,
                  command: .beaconTimingAns(.init(delay: 1000, channel: 0)), source: "1.0.2 class B §14.5"),
        // BeaconFreqReq: 869.525 MHz; 0 restores the default.
        MACVector(hex: "13D2AD84", direction: .downlink, command: .beaconFreqReq(try .init(frequencyHz: 869_525_000)), source: "1.0.4 §12"),
        MACVector(hex: "13000000", direction: .downlink, command: .beaconFreqReq(try .init(frequencyHz: 0)), source: "1.0.4 §12"),
        MACVector(hex: "1301", direction: .uplink, command: .beaconFreqAns(try .init(beaconFrequencyOK: true)), source: "1.0.4 §12"),
        // DeviceModeInd/Conf: Class 0x02 = class C, 0x00 = class A (1.1 §18.1).
        MACVector(hex: "2002", direction: .uplink, command: .deviceModeInd(.init(deviceClass: .c)), source: "1.1 §18.1"),
        MACVector(hex: "2000", direction: .downlink, command: .deviceModeConf(.init(deviceClass: .a)), source: "1.1 §18.1"),
        // Unknown and proprietary CIDs swallow the rest of the buffer.
        MACVector(hex: "0E0102", direction: .uplink, command: .unknown(cid: 0x0E, payload: [0x01, 0x02]), source: "1.0.4 §5 note"),
        MACVector(hex: "7F", direction: .downlink, command: .unknown(cid: 0x7F, payload: []), source: "1.0.4 table 14 (RFU)"),
        MACVector(hex: "80DEADBEEF", direction: .downlink,
                  command: .proprietary(cid: 0x80, payload: [0xDE, 0xAD, 0xBE, 0xEF]), source: "1.0.4 table 14 (proprietary)"),
        MACVector(hex: "FF", direction: .uplink, command: .proprietary(cid: 0xFF, payload: []), source: "1.0.4 table 14 (proprietary)"),
    ]
}

@Suite struct MACCommandVectorTests {
    @Test(arguments: try macVectors())
    func parsesSpecLayout(_ v: MACVector) throws {
        let bytes = try [UInt8](hex: v.hex)
        let parsed = try MACCommand.parseAll(bytes, direction: v.direction)
        #expect(parsed == [v.command])
    }

    @Test(arguments: try macVectors())
    func encodesSpecLayout(_ v: MACVector) throws {
        let bytes = try [UInt8](hex: v.hex)
        #expect(MACCommand.encodeAll([v.command]) == bytes)
        #expect(v.command.encodedLength == bytes.count)
        #expect(v.command.cid == bytes[0])
    }

    /// Every defined command of the spec table has at least one vector, in its own direction.
    @Test func everyCommandHasAVector() throws {
        let covered = Set(try macVectors().map { "\($0.command.name)/\($0.direction)" })
        for entry in macSpecTable {
            #expect(covered.contains("\(entry.name)/\(entry.direction)"), "no vector for \(entry)")
        }
    }

    /// The same CID means different things up and down (1.0.4 table 14): 0x02 is LinkCheckReq (no
    /// payload) from the device and LinkCheckAns (Margin, GwCnt) from the network.
    @Test func directionSelectsTheCommand() throws {
        let bytes: [UInt8] = [0x02, 0x14, 0x03]
        #expect(try MACCommand.parseAll(bytes, direction: .downlink) == [.linkCheckAns(.init(marginDB: 20, gwCnt: 3))])
        // Uplink: 0x02 is LinkCheckReq, then 0x14 is undefined and takes the rest.
        #expect(try MACCommand.parseAll(bytes, direction: .uplink) == [.linkCheckReq, .unknown(cid: 0x14, payload: [0x03])])
    }

    /// A typical FOpts of answers, in order, as a device would send them after a downlink with
    /// LinkADRReq, RXParamSetupReq, DevStatusReq and DeviceTime (1.0.4 §5: commands are concatenated).
    @Test func parsesASequence() throws {
        let fOpts = try [UInt8](hex: "0307 0507 06FE3B 0D 02")
        let commands = try MACCommand.parseAll(fOpts, direction: .uplink)
        #expect(commands.map(\.name) == ["LinkADRAns", "RXParamSetupAns", "DevStatusAns", "DeviceTimeReq", "LinkCheckReq"])
        #expect(MACCommand.encodeAll(commands) == fOpts)
    }

    /// Parsing stops at the first unknown command; commands after it are not interpreted.
    @Test func unknownCommandEndsParsing() throws {
        // Downlink: DevStatusReq, DevStatusReq, then CID 0x2A (undefined) followed by what would be
        // another DevStatusReq and a truncated LinkCheckAns: they become the unknown command's payload.
        let bytes = try [UInt8](hex: "06 06 2A 06 02")
        let commands = try MACCommand.parseAll(bytes, direction: .downlink)
        #expect(commands == [.devStatusReq, .devStatusReq, .unknown(cid: 0x2A, payload: [0x06, 0x02])])
        #expect(MACCommand.encodeAll(commands) == bytes)
    }

    @Test func emptyBufferGivesNoCommands() throws {
        #expect(try MACCommand.parseAll([UInt8](), direction: .uplink).isEmpty)
        #expect(try MACCommand.parseAll([UInt8](), direction: .downlink).isEmpty)
    }

    /// parseAll accepts any collection, including a slice that does not start at index 0.
    @Test func parsesSlices() throws {
        let frame = try [UInt8](hex: "AABB 0351FF0001 CC")
        let slice = frame[2..<7]
        #expect(try MACCommand.parseAll(slice, direction: .downlink).map(\.name) == ["LinkADRReq"])
    }

    @Test func derivedValues() throws {
        let adr = try MACCommand.LinkADRReq(dataRate: 5, txPower: 1, chMask: 0b1000_0000_0000_0101, chMaskCntl: 0, nbTrans: 1)
        #expect(adr.enabledChannels == [0, 2, 15])
        #expect(try MACCommand.DutyCycleReq(maxDCycle: 7).aggregatedDutyCycle == 1.0 / 128)
        #expect(try MACCommand.DutyCycleReq(maxDCycle: 0).aggregatedDutyCycle == 1)
        #expect(try MACCommand.RXTimingSetupReq(del: 0).rx1DelaySeconds == 1)
        #expect(try MACCommand.RXTimingSetupReq(del: 1).rx1DelaySeconds == 1)
        #expect(try MACCommand.RXTimingSetupReq(del: 15).rx1DelaySeconds == 15)
        // 1.0.4 table 48.
        let eirp = try (0...15).map { try MACCommand.TxParamSetupReq(downlinkDwellTime: false, uplinkDwellTime: false, maxEIRP: UInt8($0)).maxEIRPdBm }
        #expect(eirp == [8, 10, 12, 13, 14, 16, 18, 20, 21, 24, 26, 27, 29, 30, 33, 36])
        let adrParams = try MACCommand.ADRParamSetupReq(limitExp: 6, delayExp: 5)
        #expect(adrParams.adrAckLimit == 64 && adrParams.adrAckDelay == 32)
        let rejoin = try MACCommand.RejoinParamSetupReq(maxTimeN: 0, maxCountN: 0)
        #expect(rejoin.maxTimeSeconds == 1024 && rejoin.maxCount == 16)
        #expect(try MACCommand.PingSlotInfoReq(periodicity: 0).pingPeriodSeconds == 1)
        #expect(try MACCommand.PingSlotInfoReq(periodicity: 7).pingPeriodSeconds == 128)
        #expect(MACCommand.DeviceTimeAns(gpsSeconds: 10, fraction256: 64).gpsTime == 10.25)
        #expect(MACCommand.BeaconTimingAns(delay: 100, channel: 0).delayMs == 3000)
        #expect(try MACCommand.DevStatusAns(battery: 0, marginDB: 0).batteryLevel == .externalPower)
        #expect(try MACCommand.DevStatusAns(battery: 255, marginDB: 0).batteryLevel == .unknown)
        #expect(try MACCommand.DevStatusAns(battery: 100, marginDB: 0).batteryLevel == .level(100))
        #expect(MACCommand.DeviceModeInd(classValue: 1).deviceClass == nil)
        #expect(MACCommand.DeviceModeConf(classValue: 2).deviceClass == .c)
    }

    @Test func lookupByCIDAndDirection() {
        #expect(MACCommand.payloadLength(cid: 0x03, direction: .downlink) == 4)
        #expect(MACCommand.payloadLength(cid: 0x03, direction: .uplink) == 1)
        #expect(MACCommand.payloadLength(cid: 0x0E, direction: .uplink) == nil)
        #expect(MACCommand.payloadLength(cid: 0x80, direction: .downlink) == nil)
        #expect(MACCommand.name(cid: 0x20, direction: .uplink) == "DeviceModeInd")
        #expect(MACCommand.linkCheckReq.direction == .uplink)
        #expect(MACCommand.unknown(cid: 0x40, payload: []).direction == nil)
    }
}
