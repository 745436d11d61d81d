import Testing
@testable import RegionalParameters

@Suite struct TXPowerTests {
    /// (plan, TXPower index, EIRP dBm) — RP002-1.0.4 TX power tables: max EIRP − 2·index.
    static let rows: [(String, Int, Double)] = [
        ("EU868", 0, 16), ("EU868", 1, 14), ("EU868", 7, 2),
        ("US915", 0, 30), ("US915", 10, 10), ("US915", 14, 2),
        ("AU915", 14, 2), ("CN470", 7, 5.15), ("AS923-2", 7, 2), ("KR920", 7, 0), ("IN865", 10, 10),
        ("RU864", 7, 2), ("EU433", 5, 2.15), ("CN779", 5, 2.15),
    ]

    @Test(arguments: rows)
    func indexToEIRP(_ id: String, _ index: Int, _ eirp: Double) throws {
        let plan = try RegionFiles.plan(id)
        #expect(abs(try plan.txPower(index: index) - eirp) < 1e-9)
        #expect(plan.txPowerIndex(forEIRP: eirp) == index)
    }

    @Test func eirpToIndexClampsToTheTable() throws {
        let eu868 = try RegionFiles.plan("EU868")
        #expect(eu868.txPowerIndex(forEIRP: 20) == 0)
        #expect(eu868.txPowerIndex(forEIRP: 15) == 1)  // the highest power not above 15 dBm is 14 dBm
        #expect(eu868.txPowerIndex(forEIRP: 3) == 7)
        #expect(eu868.txPowerIndex(forEIRP: -40) == 7)
        #expect(thrownError { _ = try eu868.txPower(index: 8) } != nil)
        #expect(thrownError { _ = try RegionFiles.plan("US915").txPower(index: 15) } != nil)
        // A device whose max EIRP is 14 dBm (communicated out of band).
        #expect(try eu868.txPower(index: 1, maxEIRP: 14) == 12)
        #expect(eu868.txPowerIndex(forEIRP: 12, maxEIRP: 14) == 1)
    }
}
