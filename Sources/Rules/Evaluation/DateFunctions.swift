import Foundation

/// `parse_time` and `time_to_epoch` (developer guide, "Functions").
///
/// AWS uses Joda-Time / JDK 11 patterns; we use ICU patterns (DateFormatter), which share the common
/// letters (`yyyy MM dd HH mm ss SSS G z Z`). Where they differ for zone names, parsing retries
/// with ICU's equivalent: JDK `VV` accepting offsets like `UTC+01:00` (ICU `ZZZZ`), and JDK `z`
/// accepting region ids like `America/Los_Angeles` (ICU `VV`).
enum DateFunctions {
    static let posix = Locale(identifier: "en_US_POSIX")

    static func formatter(_ pattern: String, _ zone: TimeZone) -> DateFormatter {
        let f = DateFormatter()
        f.locale = posix
        f.dateFormat = pattern
        f.timeZone = zone
        return f
    }

    /// `parse_time(pattern, ms[, zone])`: epoch milliseconds formatted in `zone` (default UTC);
    /// Undefined for an unknown zone.
    static func format(pattern: String, milliseconds: Int64, timeZone: String) -> String? {
        guard let zone = TimeZone(identifier: timeZone), pattern.count <= 256 else { return nil }
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        return formatter(pattern, zone).string(from: date)
    }

    /// `time_to_epoch(text, pattern)`: epoch milliseconds; a text without a zone is UTC.
    static func parse(_ text: String, pattern: String) -> Int64? {
        guard pattern.count <= 256, text.count <= 1024, let utc = TimeZone(identifier: "UTC") else { return nil }
        var candidates = [pattern]
        let jdkVV = replacingUnquoted(pattern, "VV", with: "ZZZZ")
        if jdkVV != pattern { candidates.append(jdkVV) }
        let jdkZ = replacingUnquoted(pattern, "z", with: "VV")
        if jdkZ != pattern { candidates.append(jdkZ) }
        for p in candidates {
            if let date = formatter(p, utc).date(from: text) {
                let ms = (date.timeIntervalSince1970 * 1000).rounded()
                guard ms.isFinite, abs(ms) < 9e18 else { return nil }
                return Int64(ms)
            }
        }
        return nil
    }

    /// Replaces a run of pattern letters that is exactly `letters` (not inside 'quotes').
    static func replacingUnquoted(_ pattern: String, _ letters: String, with replacement: String) -> String {
        var out = ""
        var quoted = false
        let chars = Array(pattern)
        var i = 0
        let target = Array(letters)
        while i < chars.count {
            let c = chars[i]
            if c == "'" { quoted.toggle(); out.append(c); i += 1; continue }
            if !quoted, c.isLetter {
                var j = i
                while j < chars.count, chars[j] == c { j += 1 }
                let run = Array(chars[i..<j])
                out += run == target ? replacement : String(run)
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }
}
