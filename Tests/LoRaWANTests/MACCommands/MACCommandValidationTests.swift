import Testing
@testable import LoRaWAN

/// Constructors refuse values that do not fit their wire fields, so that encoding can never lose or
/// corrupt bits (and never traps).
@Suite struct MACCommandValidationTests {
    private func expectInvalid(_ field: String, _ build: () throws -> Void,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            try build()
            Issue.record("\(field): no error", sourceLocation: sourceLocation)
        } catch let LoRaWANError.invalidField(name, reason) {
            #expect(name == field, sourceLocation: sourceLocation)
            #expect(!reason.isEmpty, sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(field): unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func fourBitFields() {
        expectInvalid("LinkADRReq.dataRate") { _ = try MACCommand.LinkADRReq(dataRate: 16, txPower: 0, chMask: 0, chMaskCntl: 0, nbTrans: 1) }
        expectInvalid("LinkADRReq.txPower") { _ = try MACCommand.LinkADRReq(dataRate: 0, txPower: 16, chMask: 0, chMaskCntl: 0, nbTrans: 1) }
        expectInvalid("LinkADRReq.chMaskCntl") { _ = try MACCommand.LinkADRReq(dataRate: 0, txPower: 0, chMask: 0, chMaskCntl: 8, nbTrans: 1) }
        expectInvalid("LinkADRReq.nbTrans") { _ = try MACCommand.LinkADRReq(dataRate: 0, txPower: 0, chMask: 0, chMaskCntl: 0, nbTrans: 16) }
        expectInvalid("DutyCycleReq.maxDCycle") { _ = try MACCommand.DutyCycleReq(maxDCycle: 16) }
        expectInvalid("RXParamSetupReq.rx1DROffset") { _ = try MACCommand.RXParamSetupReq(rx1DROffset: 8, rx2DataRate: 0, frequencyHz: 0) }
        expectInvalid("RXParamSetupReq.rx2DataRate") { _ = try MACCommand.RXParamSetupReq(rx1DROffset: 0, rx2DataRate: 16, frequencyHz: 0) }
        expectInvalid("NewChannelReq.minDR") { _ = try MACCommand.NewChannelReq(chIndex: 0, frequencyHz: 0, minDR: 16, maxDR: 0) }
        expectInvalid("NewChannelReq.maxDR") { _ = try MACCommand.NewChannelReq(chIndex: 0, frequencyHz: 0, minDR: 0, maxDR: 200) }
        expectInvalid("RXTimingSetupReq.del") { _ = try MACCommand.RXTimingSetupReq(del: 16) }
        expectInvalid("TxParamSetupReq.maxEIRP") { _ = try MACCommand.TxParamSetupReq(downlinkDwellTime: false, uplinkDwellTime: false, maxEIRP: 16) }
        expectInvalid("ResetInd.minor") { _ = try MACCommand.ResetInd(minor: 16) }
        expectInvalid("ResetConf.minor") { _ = try MACCommand.ResetConf(minor: 255) }
        expectInvalid("RekeyInd.minor") { _ = try MACCommand.RekeyInd(minor: 16) }
        expectInvalid("RekeyConf.minor") { _ = try MACCommand.RekeyConf(minor: 16) }
        expectInvalid("ADRParamSetupReq.limitExp") { _ = try MACCommand.ADRParamSetupReq(limitExp: 16, delayExp: 0) }
        expectInvalid("ADRParamSetupReq.delayExp") { _ = try MACCommand.ADRParamSetupReq(limitExp: 0, delayExp: 16) }
        expectInvalid("ForceRejoinReq.period") { _ = try MACCommand.ForceRejoinReq(period: 8, maxRetries: 0, rejoinType: 0, dataRate: 0) }
        expectInvalid("ForceRejoinReq.maxRetries") { _ = try MACCommand.ForceRejoinReq(period: 0, maxRetries: 8, rejoinType: 0, dataRate: 0) }
        expectInvalid("ForceRejoinReq.rejoinType") { _ = try MACCommand.ForceRejoinReq(period: 0, maxRetries: 0, rejoinType: 8, dataRate: 0) }
        expectInvalid("ForceRejoinReq.dataRate") { _ = try MACCommand.ForceRejoinReq(period: 0, maxRetries: 0, rejoinType: 0, dataRate: 16) }
        expectInvalid("RejoinParamSetupReq.maxTimeN") { _ = try MACCommand.RejoinParamSetupReq(maxTimeN: 16, maxCountN: 0) }
        expectInvalid("RejoinParamSetupReq.maxCountN") { _ = try MACCommand.RejoinParamSetupReq(maxTimeN: 0, maxCountN: 16) }
        expectInvalid("PingSlotInfoReq.periodicity") { _ = try MACCommand.PingSlotInfoReq(periodicity: 8) }
        expectInvalid("PingSlotChannelReq.dataRate") { _ = try MACCommand.PingSlotChannelReq(frequencyHz: 0, dataRate: 16) }
    }

    @Test func signedMargin() throws {
        expectInvalid("DevStatusAns.marginDB") { _ = try MACCommand.DevStatusAns(battery: 1, marginDB: 32) }
        expectInvalid("DevStatusAns.marginDB") { _ = try MACCommand.DevStatusAns(battery: 1, marginDB: -33) }
        expectInvalid("DevStatusAns.marginDB") { _ = try MACCommand.DevStatusAns(battery: 1, marginDB: .min) }
        // The extremes of the signed 6-bit range are accepted.
        _ = try MACCommand.DevStatusAns(battery: 1, marginDB: -32)
        _ = try MACCommand.DevStatusAns(battery: 1, marginDB: 31)
    }

    @Test func frequencies() throws {
        expectInvalid("RXParamSetupReq.frequencyHz") { _ = try MACCommand.RXParamSetupReq(rx1DROffset: 0, rx2DataRate: 0, frequencyHz: 869_525_050) }
        expectInvalid("NewChannelReq.frequencyHz") { _ = try MACCommand.NewChannelReq(chIndex: 0, frequencyHz: 1_677_721_600, minDR: 0, maxDR: 0) }
        expectInvalid("DlChannelReq.frequencyHz") { _ = try MACCommand.DlChannelReq(chIndex: 0, frequencyHz: UInt32.max) }
        expectInvalid("PingSlotChannelReq.frequencyHz") { _ = try MACCommand.PingSlotChannelReq(frequencyHz: 1, dataRate: 0) }
        expectInvalid("BeaconFreqReq.frequencyHz") { _ = try MACCommand.BeaconFreqReq(frequencyHz: 4_000_000_000) }
        // The largest frequency a 24-bit field in 100 Hz steps carries is accepted and round-trips.
        let top = try MACCommand.BeaconFreqReq(frequencyHz: 1_677_721_500)
        #expect(MACCommand.encodeAll([.beaconFreqReq(top)]) == [0x13, 0xFF, 0xFF, 0xFF])
    }

    @Test func rfuBitsOutsideTheirMask() {
        expectInvalid("LinkADRReq.rfu") { _ = try MACCommand.LinkADRReq(dataRate: 0, txPower: 0, chMask: 0, chMaskCntl: 0, nbTrans: 1, rfu: 0x01) }
        expectInvalid("LinkADRAns.rfu") { _ = try MACCommand.LinkADRAns(powerACK: true, dataRateACK: true, channelMaskACK: true, rfu: 0x04) }
        expectInvalid("DutyCycleReq.rfu") { _ = try MACCommand.DutyCycleReq(maxDCycle: 0, rfu: 0x0F) }
        expectInvalid("RXParamSetupReq.rfu") { _ = try MACCommand.RXParamSetupReq(rx1DROffset: 0, rx2DataRate: 0, frequencyHz: 0, rfu: 0x40) }
        expectInvalid("RXParamSetupAns.rfu") { _ = try MACCommand.RXParamSetupAns(rx1DROffsetACK: true, rx2DataRateACK: true, channelACK: true, rfu: 0x01) }
        expectInvalid("DevStatusAns.rfu") { _ = try MACCommand.DevStatusAns(battery: 0, marginDB: 0, rfu: 0x20) }
        expectInvalid("NewChannelAns.rfu") { _ = try MACCommand.NewChannelAns(dataRateRangeOK: true, channelFrequencyOK: true, rfu: 0x02) }
        expectInvalid("RXTimingSetupReq.rfu") { _ = try MACCommand.RXTimingSetupReq(del: 1, rfu: 0x01) }
        expectInvalid("TxParamSetupReq.rfu") { _ = try MACCommand.TxParamSetupReq(downlinkDwellTime: false, uplinkDwellTime: false, maxEIRP: 0, rfu: 0x20) }
        expectInvalid("DlChannelAns.rfu") { _ = try MACCommand.DlChannelAns(uplinkFrequencyExists: true, channelFrequencyOK: true, rfu: 0x01) }
        expectInvalid("ResetInd.rfu") { _ = try MACCommand.ResetInd(minor: 1, rfu: 0x08) }
        expectInvalid("ForceRejoinReq.rfu") { _ = try MACCommand.ForceRejoinReq(period: 0, maxRetries: 0, rejoinType: 0, dataRate: 0, rfu: 0x0100) }
        expectInvalid("RejoinParamSetupAns.rfu") { _ = try MACCommand.RejoinParamSetupAns(timeOK: true, rfu: 0x01) }
        expectInvalid("PingSlotInfoReq.rfu") { _ = try MACCommand.PingSlotInfoReq(periodicity: 0, rfu: 0x04) }
        expectInvalid("PingSlotChannelReq.rfu") { _ = try MACCommand.PingSlotChannelReq(frequencyHz: 0, dataRate: 0, rfu: 0x08) }
        expectInvalid("PingSlotChannelAns.rfu") { _ = try MACCommand.PingSlotChannelAns(dataRateOK: true, channelFrequencyOK: true, rfu: 0x01) }
        expectInvalid("BeaconFreqAns.rfu") { _ = try MACCommand.BeaconFreqAns(beaconFrequencyOK: true, rfu: 0x01) }
    }

    @Test func deviceTimeFromDuration() throws {
        // 1.0.4 §5.9 example: 2016-02-12T14:24:31Z is 1139322288 s after the GPS epoch.
        let answer = try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .seconds(1_139_322_288) + .milliseconds(500))
        #expect(answer.gpsSeconds == 1_139_322_288 && answer.fraction256 == 128)
        #expect(answer.timeSinceGPSEpoch == .seconds(1_139_322_288) + .milliseconds(500))
        // The fraction rounds down to the step below: 3.906 ms is one step, 3.905 ms is none.
        #expect(try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .nanoseconds(3_906_250)).fraction256 == 1)
        #expect(try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .nanoseconds(3_906_249)).fraction256 == 0)
        #expect(try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .seconds(1) - .nanoseconds(1)).fraction256 == 255)
        #expect(try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .seconds(Int64(UInt32.max))).gpsSeconds == UInt32.max)
        expectInvalid("DeviceTimeAns.timeSinceGPSEpoch") { _ = try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .seconds(-1)) }
        expectInvalid("DeviceTimeAns.timeSinceGPSEpoch") { _ = try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .milliseconds(-1)) }
        expectInvalid("DeviceTimeAns.timeSinceGPSEpoch") { _ = try MACCommand.DeviceTimeAns(timeSinceGPSEpoch: .seconds(Int64(UInt32.max) + 1)) }
    }

    /// Errors read as one sentence that names the command and the sizes.
    @Test func truncationMessage() {
        let error = LoRaWANError.truncatedMACCommand(cid: 0x03, name: "LinkADRReq", expected: 4, actual: 2)
        #expect(error.description == "MAC command LinkADRReq (CID 0x3) needs 4 payload bytes, got 2")
        #expect(throws: error) { try MACCommand.parseAll([0x03, 0x51, 0xFF], direction: .downlink) }
    }
}
