import Testing
@testable import RegionalParameters

@Suite struct ReceiveWindowTests {
    /// RP002-1.0.4 §2.5.7 Table "US902-928 downlink RX1 data rate mapping" (rows DR0–DR6, offsets 0–3).
    static let us915RX1: [[Int]] = [[10, 9, 8, 8], [11, 10, 9, 8], [12, 11, 10, 9], [13, 12, 11, 10], [13, 13, 12, 11], [10, 9, 8, 8], [11, 10, 9, 8]]
    /// RP002-1.0.4 §2.8.7 Table "AU915-928 downlink RX1 data rate mapping" (rows DR0–DR7, offsets 0–5).
    static let au915RX1: [[Int]] = [[8, 8, 8, 8, 8, 8], [9, 8, 8, 8, 8, 8], [10, 9, 8, 8, 8, 8], [11, 10, 9, 8, 8, 8], [12, 11, 10, 9, 8, 8], [13, 12, 11, 10, 9, 8], [13, 13, 12, 11, 10, 9], [9, 8, 8, 8, 8, 8]]

    @Test func us915AndAU915RX1DataRateTables() throws {
        let us915 = try RegionFiles.plan("US915")
        for (dr, row) in Self.us915RX1.enumerated() {
            for (offset, expected) in row.enumerated() {
                #expect(try us915.rx1DataRate(uplinkDataRate: dr, rx1DROffset: offset) == expected, "US915 DR\(dr) offset \(offset)")
            }
        }
        #expect(thrownError { _ = try us915.rx1DataRate(uplinkDataRate: 0, rx1DROffset: 4) } == .invalidRX1DROffset(4))
        let au915 = try RegionFiles.plan("AU915")
        for (dr, row) in Self.au915RX1.enumerated() {
            for (offset, expected) in row.enumerated() {
                #expect(try au915.rx1DataRate(uplinkDataRate: dr, rx1DROffset: offset) == expected, "AU915 DR\(dr) offset \(offset)")
            }
        }
    }

    @Test func eu868RX1DataRateTable() throws {
        // RP002-1.0.4 §2.4.7: RX1 DR = max(0, uplink DR − RX1DROffset) for DR0–DR7, offsets 0–5.
        let eu868 = try RegionFiles.plan("EU868")
        for dr in 0...7 {
            for offset in 0...5 {
                #expect(try eu868.rx1DataRate(uplinkDataRate: dr, rx1DROffset: offset) == max(0, dr - offset))
            }
        }
        #expect(try eu868.rx1DataRate(uplinkDataRate: 9, rx1DROffset: 0) == 2)
        #expect(thrownError { _ = try eu868.rx1DataRate(uplinkDataRate: 5, rx1DROffset: 6) } == .invalidRX1DROffset(6))
        #expect(thrownError { _ = try eu868.rx1DataRate(uplinkDataRate: 12, rx1DROffset: 0) } == .unknownDataRate(12))
        // RX1 answers on the uplink frequency.
        #expect(try eu868.rx1(uplinkFrequency: 867_500_000, uplinkDataRate: 5, rx1DROffset: 2) == .init(frequency: 867_500_000, dataRate: 3))
        #expect(thrownError { _ = try eu868.rx1(uplinkFrequency: 915_000_000, uplinkDataRate: 5, rx1DROffset: 0) } == .unknownUplinkFrequency(915_000_000))
    }

    @Test func as923RX1DependsOnDownlinkDwellTime() throws {
        // RP002-1.0.4 §2.10.7: RX1DROffset 6 and 7 are effective offsets −1 and −2; with
        // DownlinkDwellTime = 1 the RX1 data rate is at least DR2.
        let as923 = try RegionFiles.plan("AS923-1")
        #expect(try as923.rx1DataRate(uplinkDataRate: 0, rx1DROffset: 0) == 0)
        #expect(try as923.rx1DataRate(uplinkDataRate: 0, rx1DROffset: 0, downlinkDwellTime: true) == 2)
        #expect(try as923.rx1DataRate(uplinkDataRate: 5, rx1DROffset: 6) == 6)
        #expect(try as923.rx1DataRate(uplinkDataRate: 5, rx1DROffset: 7) == 7)
        #expect(try as923.rx1DataRate(uplinkDataRate: 3, rx1DROffset: 1, downlinkDwellTime: true) == 2)
        #expect(try as923.rx1DataRate(uplinkDataRate: 7, rx1DROffset: 5, downlinkDwellTime: true) == 2)
        // EU868 has no dwell-time table: dwell time does not change its answer.
        #expect(try RegionFiles.plan("EU868").rx1DataRate(uplinkDataRate: 0, rx1DROffset: 0, downlinkDwellTime: true) == 0)
        // IN865 (RP002-1.0.4 §2.12.7): offsets 6 and 7 raise the data rate.
        let in865 = try RegionFiles.plan("IN865")
        #expect(try in865.rx1DataRate(uplinkDataRate: 2, rx1DROffset: 7) == 4)
        #expect(try in865.rx1DataRate(uplinkDataRate: 5, rx1DROffset: 7) == 7)
    }

    /// (plan, uplink frequency, uplink DR, offset, RX1 frequency, RX1 DR).
    static let rx1Rows: [(String, Int, Int, Int, Int, Int)] = [
        // US915: downlink channel = uplink channel mod 8 (RP002-1.0.4 §2.5.7), 923.3 + 0.6·n MHz.
        ("US915", 902_300_000, 0, 0, 923_300_000, 10),   // channel 0
        ("US915", 903_700_000, 3, 1, 927_500_000, 12),   // channel 7
        ("US915", 903_900_000, 2, 0, 923_300_000, 12),   // channel 8
        ("US915", 914_900_000, 1, 3, 927_500_000, 8),    // channel 63
        ("US915", 903_000_000, 4, 0, 923_300_000, 13),   // channel 64
        ("US915", 904_600_000, 4, 2, 923_900_000, 12),   // channel 65
        ("US915", 914_200_000, 4, 3, 927_500_000, 11),   // channel 71
        // AU915 (RP002-1.0.4 §2.8.7).
        ("AU915", 915_200_000, 2, 0, 923_300_000, 10),   // channel 0
        ("AU915", 916_800_000, 5, 1, 923_300_000, 12),   // channel 8
        ("AU915", 927_800_000, 0, 0, 927_500_000, 8),    // channel 63
        ("AU915", 915_900_000, 6, 0, 923_300_000, 13),   // channel 64
        // CN470 20 MHz plan A: upstream channel n → downstream channel n (RP002-1.0.4 §2.9.7).
        ("CN470", 470_300_000, 1, 0, 483_900_000, 1),    // group 1, channel 0
        ("CN470", 470_900_000, 5, 2, 484_500_000, 3),    // join channel 0
        ("CN470", 476_500_000, 2, 0, 490_100_000, 2),    // channel 31
        ("CN470", 503_500_000, 3, 0, 490_300_000, 3),    // group 2, channel 32
        ("CN470", 504_100_000, 5, 0, 490_900_000, 5),    // join channel 4
        ("CN470", 509_700_000, 4, 5, 496_500_000, 1),    // channel 63
        // CN470 20 MHz plan B: uplink and downlink channel n share one frequency.
        ("CN470-20B", 479_900_000, 3, 1, 479_900_000, 2),   // join channel 8
        ("CN470-20B", 503_100_000, 5, 0, 503_100_000, 5),   // channel 63
        // Dynamic plans answer on the uplink frequency.
        ("AS923-2", 921_400_000, 5, 0, 921_400_000, 5),
        ("KR920", 922_300_000, 4, 1, 922_300_000, 3),
    ]

    @Test(arguments: rx1Rows)
    func rx1ForAnUplink(_ id: String, _ frequency: Int, _ dr: Int, _ offset: Int, _ rx1Frequency: Int, _ rx1DR: Int) throws {
        let plan = try RegionFiles.plan(id)
        #expect(try plan.rx1(uplinkFrequency: frequency, uplinkDataRate: dr, rx1DROffset: offset) == .init(frequency: rx1Frequency, dataRate: rx1DR))
    }

    @Test func downlinkChannelForUplinkChannel() throws {
        let us915 = try RegionFiles.plan("US915")
        #expect(try (0..<72).map { try us915.downlinkChannel(forUplinkChannel: $0) } == (0..<72).map { $0 % 8 })
        #expect(us915.uplinkChannelIndex(frequency: 904_600_000) == 65)
        #expect(thrownError { _ = try us915.downlinkChannel(forUplinkChannel: 72) } == .unknownChannel(72))
        #expect(thrownError { _ = try us915.rx1(uplinkFrequency: 902_400_000, uplinkDataRate: 0, rx1DROffset: 0) } == .unknownUplinkFrequency(902_400_000))
        #expect(thrownError { _ = try RegionFiles.plan("EU868").downlinkChannel(forUplinkChannel: 0) } != nil)
    }

    /// Per region: RX2 default (Hz, DR), default channels (Hz), max EIRP, TXPower count, CFList type,
    /// beacon (Hz, DR) — RP002-1.0.4 "default settings", "channel frequencies", "TX power" and "Class B
    /// beacon" sections of each region.
    static let summary: [(String, Int, Int, [Int], Double, Int, UInt8, Int, Int)] = [
        ("EU868", 869_525_000, 0, [868_100_000, 868_300_000, 868_500_000], 16, 8, 0, 869_525_000, 3),
        ("EU433", 434_665_000, 0, [433_175_000, 433_375_000, 433_575_000], 12.15, 6, 0, 434_665_000, 3),
        ("CN779", 786_000_000, 0, [779_500_000, 779_700_000, 779_900_000], 12.15, 6, 0, 785_000_000, 3),
        ("RU864", 869_100_000, 0, [868_900_000, 869_100_000], 16, 8, 0, 869_100_000, 3),
        ("KR920", 921_900_000, 0, [922_100_000, 922_300_000, 922_500_000], 14, 8, 0, 923_100_000, 3),
        ("IN865", 866_550_000, 2, [865_062_500, 865_402_500, 865_985_000], 30, 11, 0, 866_550_000, 4),
        ("AS923-1", 923_200_000, 2, [923_200_000, 923_400_000], 16, 8, 0, 923_400_000, 3),
        ("AS923-2", 921_400_000, 2, [921_400_000, 921_600_000], 16, 8, 0, 921_600_000, 3),
        ("AS923-3", 916_600_000, 2, [916_600_000, 916_800_000], 16, 8, 0, 916_800_000, 3),
        ("AS923-4", 917_300_000, 2, [917_300_000, 917_500_000], 16, 8, 0, 917_500_000, 3),
        ("US915", 923_300_000, 8, [902_300_000, 902_500_000], 30, 15, 1, 923_300_000, 8),
        ("AU915", 923_300_000, 8, [915_200_000, 915_400_000], 30, 15, 1, 923_300_000, 8),
        ("CN470", 486_900_000, 1, [470_300_000, 470_500_000], 19.15, 8, 1, 483_900_000, 2),
    ]

    @Test(arguments: summary)
    func regionDefaults(_ id: String, _ rx2Frequency: Int, _ rx2DR: Int, _ firstChannels: [Int], _ maxEIRP: Double,
                        _ txPowerCount: Int, _ cfListType: UInt8, _ beaconFrequency: Int, _ beaconDR: Int) throws {
        let plan = try RegionFiles.plan(id)
        #expect(plan.rx2 == .init(frequency: rx2Frequency, dataRate: rx2DR))
        #expect(Array(plan.uplinkChannels.prefix(firstChannels.count).map(\.frequency)) == firstChannels)
        if plan.kind == .dynamic {
            #expect(plan.uplinkChannels.count == firstChannels.count)
            #expect(plan.joinChannels == plan.uplinkChannels)
        }
        #expect(plan.maxEIRP == maxEIRP)
        #expect(plan.txPowerOffsets.count == txPowerCount)
        #expect(plan.cfListType.rawValue == cfListType)
        #expect(plan.beaconFrequency(beaconTime: 0) == beaconFrequency)
        #expect(plan.beacon.dataRate == beaconDR)
        #expect(plan.receiveDelay1 == 1000 && plan.receiveDelay2 == 2000)
        #expect(plan.joinAcceptDelay1 == 5000 && plan.joinAcceptDelay2 == 6000)
    }

    @Test func fixedPlanChannelLayout() throws {
        // US915: 64 × 125 kHz at 902.3 + 0.2·n MHz, 8 × 500 kHz at 903.0 + 1.6·n MHz, 8 downlink at 923.3 + 0.6·n MHz.
        let us915 = try RegionFiles.plan("US915")
        #expect(us915.uplinkChannels.count == 72)
        #expect(us915.uplinkChannels[63] == Channel(frequency: 914_900_000, minDataRate: 0, maxDataRate: 3))
        #expect(us915.uplinkChannels[71] == Channel(frequency: 914_200_000, minDataRate: 4, maxDataRate: 6))
        #expect(us915.downlinkChannels.map(\.frequency) == (0..<8).map { 923_300_000 + 600_000 * $0 })
        #expect(us915.joinChannels.count == 72)
        // AU915: 915.2 + 0.2·n MHz and 915.9 + 1.6·n MHz; uplink dwell time on by default, so joins use DR2.
        let au915 = try RegionFiles.plan("AU915")
        #expect(au915.uplinkChannels[63].frequency == 927_800_000)
        #expect(au915.uplinkChannels[71].frequency == 927_100_000)
        #expect(au915.defaultUplinkDwellTime && !au915.defaultDownlinkDwellTime)
        #expect(au915.joinChannels.first?.minDataRate == 2)
        // CN470 20 MHz plan A: 8 join channels 470.9, 472.5, 474.1, 475.7, 504.1, 505.7, 507.3, 508.9 MHz.
        // AS923 (RP002-1.0.4 §2.10): UplinkDwellTime 1 until TxParamSetupReq; DownlinkDwellTime 0.
        let as923 = try RegionFiles.plan("AS923-3")
        #expect(as923.defaultUplinkDwellTime && !as923.defaultDownlinkDwellTime)
        #expect(!(try RegionFiles.plan("EU868")).defaultUplinkDwellTime)
        let cn470 = try RegionFiles.plan("CN470")
        #expect(cn470.joinChannels.map(\.frequency) == [470_900_000, 472_500_000, 474_100_000, 475_700_000, 504_100_000, 505_700_000, 507_300_000, 508_900_000])
    }

    @Test func classBFrequencies() throws {
        // US915 beacon channel = floor(beaconTime / 128) mod 8 (RP002-1.0.4 §2.5.8).
        let us915 = try RegionFiles.plan("US915")
        #expect(us915.beaconFrequency(beaconTime: 0) == 923_300_000)
        #expect(us915.beaconFrequency(beaconTime: 128) == 923_900_000)
        #expect(us915.beaconFrequency(beaconTime: 128 * 7 + 127) == 927_500_000)
        #expect(us915.beaconFrequency(beaconTime: 128 * 8) == 923_300_000)
        // Ping slot channel = (DevAddr + floor(beaconTime / 128)) mod 8. Vector: DevAddr 0x0314CF36,
        // beacon time 334382 h 52 min 44 s → (51695414 + 9404518) mod 8 = 4 → 925.7 MHz.
        let au915 = try RegionFiles.plan("AU915")
        #expect(au915.pingSlotFrequency(devAddr: 0x0314_CF36, beaconTime: 334_382 * 3600 + 52 * 60 + 44) == 925_700_000)
        #expect(us915.pingSlotFrequency(devAddr: 1, beaconTime: 0) == 923_900_000)
        // Fixed-frequency regions ignore DevAddr and time.
        let eu868 = try RegionFiles.plan("EU868")
        #expect(eu868.pingSlotFrequency(devAddr: 0xFFFF_FFFF, beaconTime: 1_000_000) == 869_525_000)
        #expect(try RegionFiles.plan("RU864").pingSlotFrequency(devAddr: 7, beaconTime: 0) == 868_900_000)
    }
}

@Suite struct CN470JoinChannelTests {
    @Test func otaaRX2FollowsTheJoinChannel() throws {
        // CN470 20 MHz plan A (RP002-1.0.4 §2.9.7): OTAA devices use 485.3 + 1.6·j MHz for join
        // channel j, ABP devices 486.9 MHz; RX2 data rate DR1.
        let cn470 = try RegionFiles.plan("CN470")
        #expect(cn470.rx2(joinChannelIndex: nil) == .init(frequency: 486_900_000, dataRate: 1))
        let join = try #require(cn470.joinChannelIndex(frequency: 507_300_000))
        #expect(join == 6)
        #expect(cn470.rx2(joinChannelIndex: join) == .init(frequency: 494_900_000, dataRate: 1))
        #expect(cn470.rx2(joinChannelIndex: 0) == .init(frequency: 485_300_000, dataRate: 1))
        #expect(cn470.rx2(joinChannelIndex: 99) == cn470.rx2)
        // Plan B: ABP 498.3 MHz; OTAA 478.3 MHz (joined on 479.9 MHz) or 498.3 MHz (joined on 499.9 MHz).
        let planB = try RegionFiles.plan("CN470-20B")
        #expect(planB.rx2(joinChannelIndex: nil).frequency == 498_300_000)
        #expect(planB.rx2(joinChannelIndex: planB.joinChannelIndex(frequency: 479_900_000)).frequency == 478_300_000)
        #expect(planB.beaconFrequency(beaconTime: 12_345) == 481_500_000)
        // Regions without per-join-channel RX2 always answer the default.
        let eu868 = try RegionFiles.plan("EU868")
        #expect(eu868.rx2(joinChannelIndex: eu868.joinChannelIndex(frequency: 868_300_000)) == eu868.rx2)
    }
}
