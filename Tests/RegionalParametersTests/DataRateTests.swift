import LoRaWAN
import Testing
@testable import RegionalParameters

@Suite struct DataRateTests {
    /// (plan, DR, SF, bandwidth Hz) for LoRa data rates.
    static let loraRows: [(String, Int, Int, Int)] = [
        // RP002-1.0.4 §2.4.3, Table "EU863-870 data rate and end-device output power".
        ("EU868", 0, 12, 125_000), ("EU868", 1, 11, 125_000), ("EU868", 2, 10, 125_000), ("EU868", 3, 9, 125_000),
        ("EU868", 4, 8, 125_000), ("EU868", 5, 7, 125_000), ("EU868", 6, 7, 250_000),
        // RP002-1.0.4 §2.5.3, Table "US902-928 data rates".
        ("US915", 0, 10, 125_000), ("US915", 1, 9, 125_000), ("US915", 2, 8, 125_000), ("US915", 3, 7, 125_000),
        ("US915", 4, 8, 500_000), ("US915", 8, 12, 500_000), ("US915", 9, 11, 500_000), ("US915", 10, 10, 500_000),
        ("US915", 11, 9, 500_000), ("US915", 12, 8, 500_000), ("US915", 13, 7, 500_000),
        // RP002-1.0.4 §2.8.3, Table "AU915-928 data rates".
        ("AU915", 0, 12, 125_000), ("AU915", 5, 7, 125_000), ("AU915", 6, 8, 500_000), ("AU915", 8, 12, 500_000),
        ("AU915", 13, 7, 500_000),
        // RP002-1.0.4 §2.9.3 (CN470), §2.10.3 (AS923), §2.11.3 (KR920), §2.12.3 (IN865).
        ("CN470", 0, 12, 125_000), ("CN470", 5, 7, 125_000), ("CN470", 6, 7, 500_000),
        ("AS923-1", 2, 10, 125_000), ("AS923-3", 6, 7, 250_000), ("KR920", 5, 7, 125_000), ("IN865", 0, 12, 125_000),
        ("RU864", 6, 7, 250_000), ("EU433", 3, 9, 125_000), ("CN779", 6, 7, 250_000),
    ]

    @Test(arguments: loraRows)
    func loraDataRatesBothWays(_ id: String, _ dr: Int, _ sf: Int, _ bandwidth: Int) throws {
        let plan = try RegionFiles.plan(id)
        #expect(try plan.modulation(forDataRate: dr) == .lora(spreadingFactor: sf, bandwidth: bandwidth, codeRate: "4/5"))
        let dataRate = try #require(plan.dataRate(dr))
        let direction: Direction = dataRate.uplink ? .uplink : .downlink
        // The gateway's code rate does not matter for finding the data rate.
        #expect(try plan.dataRateIndex(for: .lora(spreadingFactor: sf, bandwidth: bandwidth, codeRate: "4/6"), direction: direction) == dr)
    }

    @Test func sameModulationDiffersByDirection() throws {
        // US915 SF8/500 kHz is DR4 uplink and DR12 downlink; AU915 DR6 and DR12 (RP002-1.0.4 §2.5.3, §2.8.3).
        let us915 = try RegionFiles.plan("US915")
        let sf8bw500 = Modulation.lora(spreadingFactor: 8, bandwidth: 500_000, codeRate: "4/5")
        #expect(try us915.dataRateIndex(for: sf8bw500, direction: .uplink) == 4)
        #expect(try us915.dataRateIndex(for: sf8bw500, direction: .downlink) == 12)
        let au915 = try RegionFiles.plan("AU915")
        #expect(try au915.dataRateIndex(for: sf8bw500, direction: .uplink) == 6)
        #expect(try au915.dataRateIndex(for: sf8bw500, direction: .downlink) == 12)
        // SF12/125 kHz is not a US915 data rate at all.
        #expect(thrownError { _ = try us915.dataRateIndex(for: .lora(spreadingFactor: 12, bandwidth: 125_000, codeRate: "4/5"), direction: .uplink) } != nil)
    }

    @Test func fskAndLRFHSS() throws {
        // EU868 DR7 = FSK 50 kbit/s; DR8–11 = LR-FHSS CR 1/3 or 2/3 at 137 kHz or 336 kHz OCW (RP002-1.0.4 §2.4.3).
        let eu868 = try RegionFiles.plan("EU868")
        #expect(try eu868.modulation(forDataRate: 7) == .fsk(bitrate: 50_000, frequencyDeviation: 25_000))
        #expect(try eu868.dataRateIndex(for: .fsk(bitrate: 50_000, frequencyDeviation: 25_000), direction: .downlink) == 7)
        #expect(try eu868.modulation(forDataRate: 8) == .lrFHSS(codingRate: "1/3", operatingChannelWidth: 137_000, gridSteps: 0))
        #expect(try eu868.dataRateIndex(for: .lrFHSS(codingRate: "4/6", operatingChannelWidth: 336_000, gridSteps: 52), direction: .uplink) == 11)
        #expect(try eu868.dataRateIndex(for: .lrFHSS(codingRate: "2/6", operatingChannelWidth: 137_000, gridSteps: 8), direction: .uplink) == 8)
        // LR-FHSS is uplink only.
        #expect(thrownError { _ = try eu868.dataRateIndex(for: .lrFHSS(codingRate: "1/3", operatingChannelWidth: 137_000, gridSteps: 0), direction: .downlink) } != nil)
        // US915 DR5/DR6 and AU915 DR7 are LR-FHSS at 1.523 MHz OCW (RP002-1.0.4 §2.5.3, §2.8.3).
        #expect(try RegionFiles.plan("US915").modulation(forDataRate: 6) == .lrFHSS(codingRate: "2/3", operatingChannelWidth: 1_523_000, gridSteps: 0))
        #expect(try RegionFiles.plan("AU915").modulation(forDataRate: 7) == .lrFHSS(codingRate: "1/3", operatingChannelWidth: 1_523_000, gridSteps: 0))
        // IN865 DR6 is RFU (RP002-1.0.4 §2.12.3).
        #expect(thrownError { _ = try RegionFiles.plan("IN865").modulation(forDataRate: 6) } == .unknownDataRate(6))
    }
}
