import TextPrimitives

/// RFC 3339 timestamps ↔ milliseconds since the Unix epoch, without Foundation's date formatters
/// (which are slow, locale-sensitive and lenient).
///
/// Accepted (RFC 3339 §5.6 `date-time`): `2026-01-31T12:00:00Z`, `2026-01-31T12:00:00.123Z`,
/// `2026-01-31 12:00:00+02:00` (a space for `T` as §5.6's note allows), any number of fraction
/// digits (truncated to milliseconds), lower-case `t`/`z`. A bare date `2026-01-31` is read as
/// midnight UTC, for convenience in queries. Output is always `YYYY-MM-DDTHH:MM:SS.sssZ`.
public enum RFC3339 {
    /// Parses `text`; throws `TimeSeriesError.invalidTimestamp` when it is not a timestamp.
    public static func parse(_ text: some StringProtocol) throws(TimeSeriesError) -> Int64 {
        guard let ms = parseOrNil(text) else { throw .invalidTimestamp(String(text)) }
        return ms
    }

    /// Parses `text`, or returns `nil`.
    public static func parseOrNil(_ text: some StringProtocol) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in i..<(i + n) {
                let c = b[k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= CivilCalendar.daysInMonth(year: year, month: month) else { return nil }
        if i == b.count { return CivilCalendar.daysFromCivil(year: year, month: month, day: day) * 86_400_000 }
        guard i < b.count, b[i] == 0x54 || b[i] == 0x74 || b[i] == 0x20 else { return nil }
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else { return nil }
        // 60 is a leap second (RFC 3339 §5.7); it folds into the next minute's first second.
        guard hour < 24, minute < 60, second <= 60 else { return nil }
        var millis: Int64 = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var n = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if n < 3 { millis = millis * 10 + Int64(b[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            var k = n
            while k < 3 { millis *= 10; k += 1 }
        }
        guard i < b.count else { return nil }
        var offsetMinutes: Int64 = 0
        switch b[i] {
        case 0x5A, 0x7A: i += 1
        case 0x2B, 0x2D:
            let sign: Int64 = b[i] == 0x2D ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(0x3A), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        default: return nil
        }
        guard i == b.count else { return nil }
        let days = CivilCalendar.daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        return seconds * 1000 + millis
    }

    /// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC).
    public static func format(_ ms: Int64) -> String {
        // Floor division so that times before 1970 format correctly.
        let clamped = max(min(ms, 253_402_300_799_999), -62_135_596_800_000)
        var days = clamped / 86_400_000
        var rem = clamped % 86_400_000
        if rem < 0 { rem += 86_400_000; days -= 1 }
        let (y, m, d) = CivilCalendar.civilFromDays(days)
        let h = rem / 3_600_000, mi = (rem / 60_000) % 60, s = (rem / 1000) % 60, f = rem % 1000
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(h, 2)):\(pad(mi, 2)):\(pad(s, 2)).\(pad(f, 3))Z"
    }
}
