import Testing
@testable import LoRaWAN

@Suite struct IdentifierTests {
    @Test func euiParsesAndPrints() throws {
        let eui = try EUI64(hex: "00:04:A3:0B:00:1C:05:30")
        #expect(eui.rawValue == 0x0004_A30B_001C_0530)
        #expect(eui.description == "0004a30b001c0530")
        #expect(eui.littleEndianBytes == [0x30, 0x05, 0x1C, 0x00, 0x0B, 0xA3, 0x04, 0x00])
    }

    @Test(arguments: ["", "0004A30B001C05", "0004A30B001C0530FF", "0004A30B001C053G", "123"])
    func euiRejectsBadHex(_ text: String) {
        #expect(throws: LoRaWANError.self) { try EUI64(hex: text) }
    }

    /// TTN's NetID is 0x000013 (type 0); its DevAddrs start with 0x26 or 0x27.
    @Test func devAddrFields() throws {
        let addr = try DevAddr(hex: "26011BDA")
        #expect(addr.netIDType == 0)
        #expect(addr.nwkID == 0x13)
        #expect(addr.belongs(to: try NetID(hex: "000013")))
        #expect(DevAddr(netID: try NetID(hex: "000013"), nwkAddr: 0x011BDA).rawValue == 0x2601_1BDA)
    }

    @Test(arguments: 0..<8)
    func devAddrRoundTripsForEveryNetIDType(_ type: Int) throws {
        let netID = try NetID(UInt32(type) << 21 | 0x2A5)
        let addr = DevAddr(netID: netID, nwkAddr: 0x5)
        #expect(addr.netIDType == type)
        #expect(addr.nwkID == netID.nwkID)
        #expect(addr.nwkAddr == 0x5)
    }

    @Test func keyDescriptionNeverShowsTheKey() throws {
        let key = try AES128Key(hex: "2B7E151628AED2A6ABF7158809CF4F3C")
        #expect(!key.description.contains("2b7e"))
        #expect(key.hexString == "2b7e151628aed2a6abf7158809cf4f3c")
        #expect(key.byteArray.count == 16)
        #expect(throws: LoRaWANError.invalidLength(what: "AES-128 key", expected: 16, actual: 15)) {
            try AES128Key(hex: "2B7E151628AED2A6ABF7158809CF4F")
        }
    }
}
