import Foundation
import Testing
@testable import TimeSeries

@Suite struct TimeTests {
    // RFC 3339 §5.8 examples.
    @Test(arguments: [
        ("1985-04-12T23:20:50.52Z", Int64(482_196_050_520)),
        ("1996-12-19T16:39:57-08:00", Int64(851_042_397_000)),
        ("1990-12-31T23:59:60Z", Int64(662_688_000_000)),
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("1969-12-31T23:59:59.999Z", Int64(-1)),
        ("2026-01-31 12:00:00+02:00", Int64(1_769_853_600_000)),
        ("2024-02-29", Int64(1_709_164_800_000)),
        ("2026-01-01t00:00:00.123456z", Int64(1_767_225_600_123)),
    ])
    func parsesRFC3339(text: String, ms: Int64) throws {
        #expect(try RFC3339.parse(text) == ms)
    }

    @Test(arguments: ["", "2026", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29", "2026-01-01T24:00:00Z",
                      "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0200", "2026-01-01T00:00:00Zjunk",
                      "2026-01-01X00:00:00Z", "١٩٨٥-04-12T23:20:50Z"])
    func rejectsNonTimestamps(text: String) {
        #expect(throws: TimeSeriesError.invalidTimestamp(text)) { try RFC3339.parse(text) }
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.format(482_196_050_520) == "1985-04-12T23:20:50.520Z")
        var rng = SeededGenerator(state: 5)
        for _ in 0..<1000 {
            let t = Int64.random(in: -2_000_000_000_000...4_000_000_000_000, using: &rng)
            #expect(RFC3339.parseOrNil(RFC3339.format(t)) == t)
        }
    }

    @Test(arguments: [("1 hour", Int64(3_600_000)), ("15 minutes", 900_000), ("7 days", 604_800_000), ("1 day 12 hours", 129_600_000),
                      ("30s", 30_000), ("1 WEEK", 604_800_000), ("250 ms", 250)])
    func parsesIntervals(text: String, ms: Int64) throws {
        #expect(try Interval.parse(text) == ms)
    }

    @Test(arguments: ["", "hour", "1", "1 month", "-1 hour", "0 seconds", "1 hour 2", "99999999999999 days",
                      String(repeating: "1000000000 weeks ", count: 40)])
    func rejectsBadIntervals(text: String) {
        #expect(throws: TimeSeriesError.invalidInterval(text)) { try Interval.parse(text) }
    }

    @Test func bucketsFloorAndWeeksStartOnMonday() throws {
        let hour: Int64 = 3_600_000
        #expect(TimeBucket.start(of: try RFC3339.parse("2026-01-01T10:59:59.999Z"), width: hour) == (try RFC3339.parse("2026-01-01T10:00:00Z")))
        #expect(TimeBucket.start(of: -1, width: hour) == -hour)
        // 2026-01-01 is a Thursday; its week bucket starts Monday 2025-12-29.
        #expect(TimeBucket.start(of: try RFC3339.parse("2026-01-01T12:00:00Z"), width: 7 * 24 * hour) == (try RFC3339.parse("2025-12-29T00:00:00Z")))
    }
}

@Suite struct UplinkMetricsTests {
    @Test func flattensNestedNumericFieldsAndRadio() throws {
        let json = Data(#"{"env":{"temp":21.4,"hum":40},"levels":[3,4],"ok":true,"name":"x","none":null,"rssi":1}"#.utf8)
        let m = try UplinkMetrics.metrics(objectJSON: json, radio: .init(rssi: -97, snr: 7.5, frequency: 868_100_000, dataRate: 5, gatewayCount: 2))
        #expect(m.map(\.metric) == ["env.hum", "env.temp", "levels.0", "levels.1", "ok", "rssi", "rssi", "snr", "frequency", "dr", "gateway_count"])
        #expect(m.map(\.value) == [40, 21.4, 3, 4, 1, 1, -97, 7.5, 868_100_000, 5, 2])
    }

    @Test func selectionNarrowsByPrefix() throws {
        let json = Data(#"{"env":{"temp":21.4,"hum":40},"environment":5,"battery":3.1}"#.utf8)
        let m = try UplinkMetrics.metrics(objectJSON: json, radio: .init(rssi: -97), selection: .init(include: ["env", "rssi"]))
        #expect(m.map(\.metric) == ["env.hum", "env.temp", "rssi"])
    }

    @Test(arguments: ["[1,2]", "42", "{", "", "{\"a\":}"])
    func rejectsNonObjects(text: String) {
        #expect(throws: TimeSeriesError.self) { try UplinkMetrics.metrics(objectJSON: Data(text.utf8)) }
    }
}
