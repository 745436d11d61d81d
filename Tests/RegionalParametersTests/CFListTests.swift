import LoRaWAN
import Testing
@testable import RegionalParameters

@Suite struct CFListTests {
    @Test func frequencyListForEU868() throws {
        // RP002-1.0.4 §2.3.1: five 24-bit little-endian frequencies in 100 Hz units + CFListType 0.
        // 867.1 MHz → 8671000 = 0x844F18 → 18 4F 84, and so on.
        let eu868 = try RegionFiles.plan("EU868")
        let cfList = try eu868.cfList(frequencies: [867_100_000, 867_300_000, 867_500_000, 867_700_000, 867_900_000])
        #expect(cfList.hexString == "184f84e85684b85e84886684586e8400")
        // Fewer than five: unused entries are zero.
        let short = try RegionFiles.plan("AS923-1").cfList(frequencies: [923_600_000, 923_800_000])
        #expect(short.hexString == "20ee8cf0f58c00000000000000000000")
        #expect(try eu868.cfList(frequencies: []) == [UInt8](repeating: 0, count: 16))
    }

    @Test func frequencyListRejectsWhatCannotBeEncoded() throws {
        let eu868 = try RegionFiles.plan("EU868")
        #expect(thrownError { _ = try eu868.cfList(frequencies: [867_100_050]) } == .invalidFrequency(867_100_050, reason: "not a multiple of 100 Hz"))
        #expect(thrownError { _ = try eu868.cfList(frequencies: [902_300_000]) } != nil)
        #expect(thrownError { _ = try eu868.cfList(frequencies: Array(repeating: 867_100_000, count: 6)) } != nil)
        #expect(thrownError { _ = try eu868.cfList(enabledChannels: [0]) } != nil)
        #expect(thrownError { _ = try RegionFiles.plan("US915").cfList(frequencies: [903_000_000]) } != nil)
    }

    @Test func channelMaskCFListForUS915SubBand2() throws {
        // RP002-1.0.4 §2.3.2 / §2.5.4: ChMask0…ChMask4 (channels 0–79), RFU, CFListType 1.
        // Sub-band 2 = channels 8–15 and 65.
        let us915 = try RegionFiles.plan("US915")
        let cfList = try us915.cfList(enabledChannels: Set(8...15).union([65]))
        #expect(cfList.hexString == "00ff0000000000000200000000000001")
        #expect(thrownError { _ = try us915.cfList(enabledChannels: [72]) } == .unknownChannel(72))
        // CN470 (64 channels): ChMask0…ChMask3.
        let cn470 = try RegionFiles.plan("CN470")
        #expect(try cn470.cfList(enabledChannels: Set(0..<64)).hexString == "ffffffffffffffff0000000000000001")
    }
}
