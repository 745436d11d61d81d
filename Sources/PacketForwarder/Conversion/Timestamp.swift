import TextPrimitives

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
        guard (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: Int64(year), month: Int64(month))).contains(Int64(day)),
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
        let days = CivilCalendar.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    /// Formats milliseconds since the Unix epoch as ISO 8601 compact with microseconds, as
    /// gateways write `rxpk.time`.
    public static func formatCompact(millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secOfDay = Int(seconds - days * 86_400)
        let (y, m, d) = CivilCalendar.civilFromDays(days)
        func p(_ v: some BinaryInteger, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(secOfDay / 3600, 2)):\(p(secOfDay / 60 % 60, 2)):\(p(secOfDay % 60, 2)).\(p(ms, 3))000Z"
    }
}
