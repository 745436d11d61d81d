import Foundation
import TextPrimitives

/// Event timestamps: RFC 3339 UTC with milliseconds ("2026-11-28T19:30:38.123Z"), the shape of
/// ChirpStack's event `time`.
///
/// Formatted by hand: Foundation's `ISO8601Format` costs microseconds per call and an uplink
/// formats one or more of these. Years outside 0001…9999 (which no clock here produces) fall
/// back to Foundation. `EventTimeTests` checks the output against Foundation's formatter.
enum EventTime {
    static func string(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let civil = CivilCalendar.civilFromDays(days)
        let (y, m, d) = (Int(truncatingIfNeeded: civil.year), Int(truncatingIfNeeded: civil.month), Int(truncatingIfNeeded: civil.day))
        guard (1...9999).contains(y) else { return foundation(millis) }
        var out = [UInt8](repeating: 0, count: 24)
        func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            for k in stride(from: at + width - 1, through: at, by: -1) {
                out[k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
        }
        put(y, 0, 4); out[4] = UInt8(ascii: "-")
        put(m, 5, 2); out[7] = UInt8(ascii: "-")
        put(d, 8, 2); out[10] = UInt8(ascii: "T")
        put(secOfDay / 3600, 11, 2); out[13] = UInt8(ascii: ":")
        put(secOfDay / 60 % 60, 14, 2); out[16] = UInt8(ascii: ":")
        put(secOfDay % 60, 17, 2); out[19] = UInt8(ascii: ".")
        put(ms, 20, 3); out[23] = UInt8(ascii: "Z")
        return String(decoding: out, as: UTF8.self)
    }

    static func foundation(_ millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
