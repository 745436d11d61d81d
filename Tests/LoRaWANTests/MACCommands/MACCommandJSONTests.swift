import Foundation
import Testing
@testable import LoRaWAN

/// The JSON that `lorikeet frame decode` prints for MAC commands: a flat object with `cid`, `name`
/// and the fields in lowerCamel, units in the name where useful.
@Suite struct MACCommandJSONTests {
    private func json(_ command: MACCommand) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(command)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func linkADRReq() throws {
        let object = try json(.linkADRReq(try .init(dataRate: 5, txPower: 1, chMask: 0x0007, chMaskCntl: 0, nbTrans: 1)))
        #expect(object["cid"] as? Int == 3)
        #expect(object["name"] as? String == "LinkADRReq")
        #expect(object["dataRate"] as? Int == 5)
        #expect(object["txPower"] as? Int == 1)
        #expect(object["chMask"] as? Int == 7)
        #expect(object["enabledChannels"] as? [Int] == [0, 1, 2])
        #expect(object["chMaskCntl"] as? Int == 0)
        #expect(object["nbTrans"] as? Int == 1)
        #expect(object["rfu"] == nil)
    }

    @Test func frequencyIsInHz() throws {
        let object = try json(.rxParamSetupReq(try .init(rx1DROffset: 1, rx2DataRate: 0, frequencyHz: 869_525_000)))
        #expect(object["frequencyHz"] as? Int == 869_525_000)
        #expect(object["rx1DROffset"] as? Int == 1)
        #expect(object["rx2DataRate"] as? Int == 0)
    }

    @Test func devStatusAnsAndRFU() throws {
        let object = try json(.devStatusAns(try .init(battery: 0, marginDB: -7, rfu: 0x40)))
        #expect(object["name"] as? String == "DevStatusAns")
        #expect(object["battery"] as? Int == 0)
        #expect(object["batteryStatus"] as? String == "external")
        #expect(object["marginDB"] as? Int == -7)
        #expect(object["rfu"] as? Int == 0x40)
    }

    @Test func deviceTimeAns() throws {
        let object = try json(.deviceTimeAns(.init(gpsSeconds: 1_139_322_288, fraction256: 128)))
        #expect(object["gpsSeconds"] as? Int == 1_139_322_288)
        #expect(object["fraction256"] as? Int == 128)
        #expect(object["gpsTime"] as? Double == 1_139_322_288.5)
    }

    @Test func emptyAndRawCommands() throws {
        let empty = try json(.linkCheckReq)
        #expect(Set(empty.keys) == ["cid", "name"])
        #expect(empty["cid"] as? Int == 2)
        let unknown = try json(.unknown(cid: 0x40, payload: [0xCA, 0xFE]))
        #expect(unknown["name"] as? String == "Unknown")
        #expect(unknown["cid"] as? Int == 0x40)
        #expect(unknown["payload"] as? String == "cafe")
        let proprietary = try json(.proprietary(cid: 0x80, payload: []))
        #expect(proprietary["name"] as? String == "Proprietary")
        #expect(proprietary["payload"] as? String == "")
    }

    @Test func deviceMode() throws {
        let object = try json(.deviceModeInd(.init(deviceClass: .c)))
        #expect(object["class"] as? String == "C")
        #expect(object["classValue"] as? Int == 2)
        #expect(try json(.deviceModeConf(.init(classValue: 7)))["class"] as? String == "RFU")
    }

    /// Every command encodes to an object with its CID and spec name (a payload struct alone encodes
    /// to its fields only).
    @Test func everyCommandEncodes() throws {
        var rng = MACTestRNG(seed: 7)
        for kind in MACCommand.Kind.allCases {
            let command = try randomMACCommand(kind, using: &rng)
            let object = try json(command)
            #expect(object["cid"] as? Int == Int(kind.cid))
            #expect(object["name"] as? String == kind.name)
        }
        let payloadOnly = try JSONEncoder().encode(MACCommand.LinkCheckAns(marginDB: 1, gwCnt: 2))
        let fields = try #require(try JSONSerialization.jsonObject(with: payloadOnly) as? [String: Any])
        #expect(Set(fields.keys) == ["marginDB", "gwCnt"])
    }
}
