import Testing
@testable import RegionalParameters

@Suite struct MaxPayloadSizeTests {
    /// (plan, DR, dwell time, repeater compatible, M, N); nil M = "not defined".
    static let rows: [(String, Int, Bool, Bool, Int?, Int?)] = [
        // RP002-1.0.4 §2.4.6, Tables "EU863-870 maximum payload size" (not repeater compatible / repeater compatible).
        ("EU868", 0, false, false, 59, 51), ("EU868", 2, false, false, 59, 51), ("EU868", 3, false, false, 123, 115),
        ("EU868", 4, false, false, 250, 242), ("EU868", 7, false, false, 250, 242), ("EU868", 8, false, false, 58, 50),
        ("EU868", 9, false, false, 123, 115), ("EU868", 4, false, true, 230, 222), ("EU868", 0, false, true, 59, 51),
        // RP002-1.0.4 §2.5.6, Table "US902-928 maximum payload size" (dwell time is built in).
        ("US915", 0, false, false, 19, 11), ("US915", 1, false, false, 61, 53), ("US915", 2, false, false, 133, 125),
        ("US915", 3, false, false, 250, 242), ("US915", 4, false, false, 250, 242), ("US915", 5, false, false, 58, 50),
        ("US915", 6, false, false, 133, 125), ("US915", 8, false, false, 61, 53), ("US915", 9, false, false, 137, 129),
        ("US915", 13, false, false, 250, 242), ("US915", 8, false, true, 41, 33), ("US915", 9, false, true, 117, 109),
        ("US915", 0, true, false, 19, 11),
        // RP002-1.0.4 §2.8.6, Tables "AU915-928 maximum payload size" with UplinkDwellTime 0 and 1.
        ("AU915", 0, false, false, 59, 51), ("AU915", 2, false, false, 59, 51), ("AU915", 3, false, false, 123, 115),
        ("AU915", 4, false, false, 250, 242), ("AU915", 7, false, false, 58, 50), ("AU915", 9, false, false, 137, 129),
        ("AU915", 0, true, false, nil, nil), ("AU915", 1, true, false, nil, nil), ("AU915", 2, true, false, 19, 11),
        ("AU915", 3, true, false, 61, 53), ("AU915", 4, true, false, 133, 125), ("AU915", 5, true, false, 250, 242),
        ("AU915", 8, true, false, 61, 53),
        // RP002-1.0.4 §2.10.6, AS923 with dwell time 0 and 1.
        ("AS923-1", 0, false, false, 59, 51), ("AS923-1", 2, false, false, 123, 115), ("AS923-1", 4, false, false, 250, 242),
        ("AS923-2", 0, true, false, nil, nil), ("AS923-3", 2, true, false, 19, 11), ("AS923-4", 3, true, false, 61, 53),
        ("AS923-1", 4, true, false, 133, 125), ("AS923-1", 7, true, true, 230, 222),
        // RP002-1.0.4 §2.9.6 (CN470: DR0 not defined), §2.7.6 (EU433), §2.11.6 (KR920), §2.12.6 (IN865).
        ("CN470", 0, false, false, nil, nil), ("CN470", 1, false, false, 31, 23), ("CN470", 2, false, false, 94, 86),
        ("CN470", 3, false, false, 192, 184), ("CN470", 6, false, false, 250, 242),
        ("EU433", 4, false, true, 230, 222), ("EU433", 4, false, false, 250, 242), ("KR920", 3, false, false, 123, 115),
        ("IN865", 7, false, false, 250, 242), ("RU864", 0, false, false, 59, 51), ("CN779", 5, false, false, 250, 242),
    ]

    @Test(arguments: rows)
    func maximumPayloadSize(_ id: String, _ dr: Int, _ dwell: Bool, _ repeater: Bool, _ m: Int?, _ n: Int?) throws {
        let plan = try RegionFiles.plan(id)
        let size = try plan.maxPayloadSize(dataRate: dr, dwellTime: dwell, repeaterCompatible: repeater)
        #expect(size?.m == m)
        #expect(size?.n == n)
    }

    @Test func undefinedDataRateIsAnError() throws {
        #expect(thrownError { _ = try RegionFiles.plan("US915").maxPayloadSize(dataRate: 7) } == .unknownDataRate(7))
    }
}
