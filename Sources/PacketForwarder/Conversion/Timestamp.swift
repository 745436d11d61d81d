/// UTC timestamps of the protocol: ISO 8601 "compact" (`2013-03-31T16:21:17.528002Z`) in `rxpk`,
/// and the "expanded" `2014-01-12 08:59:28 GMT` in `stat`. Pure calendar arithmetic (proleptic
/// Gregorian, days-from-civil), no Foundation date parsing, no time-zone database.
public enum Timestamp {
    /// Parses either form into milliseconds since the Unix epoch, or nil when the text is not a
    /// valid timestamp. Offsets `Z`, ` GMT`, ` UTC` and `±hh:mm` are accepted.
    public static func parseMillis(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        guard u.count >= 19, u.count <= 40 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                let c = u[i]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard let year = num(0..<4), u[4] == UInt8(ascii: "-"), let month = num(5..<7), u[7] == UInt8(ascii: "-"),
              let day = num(8..<10), u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " "),
              let hour = num(11..<13), u[13] == UInt8(ascii: ":"), let minute = num(14..<16), u[16] == UInt8(ascii: ":"),
              let second = num(17..<19)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var millis = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var digits = 0
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                if digits < 3 { millis = millis * 10 + Int(u[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0, digits <= 9 else { return nil }
            if digits < 3 { for _ in digits..<3 { millis *= 10 } }
        }
        var offsetSeconds = 0
        let rest = String(decoding: u[i...], as: UTF8.self)
        switch rest {
        case "Z", " GMT", " UTC", "", "GMT", "UTC": offsetSeconds = 0
        default:
            let r = Array(rest.utf8)
            guard r.count == 6, r[0] == UInt8(ascii: "+") || r[0] == UInt8(ascii: "-"), r[3] == UInt8(ascii: ":") else { return nil }
            func d(_ k: Int) -> Int? { r[k] >= 48 && r[k] <= 57 ? Int(r[k] - 48) : nil }
            guard let h1 = d(1), let h2 = d(2), let m1 = d(4), let m2 = d(5) else { return nil }
            let o = (h1 * 10 + h2) * 3600 + (m1 * 10 + m2) * 60
            offsetSeconds = r[0] == UInt8(ascii: "+") ? o : -o
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    /// Formats milliseconds since the Unix epoch as ISO 8601 compact with microseconds, as
    /// gateways write `rxpk.time`.
    public static func formatCompact(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = civilFromDays(Int(days))
        func p(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secOfDay / 3600, 2)):\(p(secOfDay / 60 % 60, 2)):\(p(secOfDay % 60, 2)).\(p(ms, 3))000Z"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (H. Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
