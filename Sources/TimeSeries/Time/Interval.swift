/// A fixed-length interval such as `'1 hour'`, `'15 minutes'` or `'7 days'`, in milliseconds.
///
/// Units (singular or plural, case-insensitive): millisecond(s)/ms, second(s)/sec/s,
/// minute(s)/min/m, hour(s)/h, day(s)/d, week(s)/w. Several parts add up: `'1 day 12 hours'`.
/// Months and years have no fixed length and are refused rather than approximated.
public enum Interval {
    /// Parses `text` into milliseconds (> 0).
    public static func parse(_ text: some StringProtocol) throws(TimeSeriesError) -> Int64 {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !words.isEmpty else { throw .invalidInterval(String(text)) }
        var total: Int64 = 0
        var i = 0
        while i < words.count {
            var numberText = Substring(words[i])
            var unitText: Substring
            // "15min" and "15 min" are both accepted.
            if let firstLetter = numberText.firstIndex(where: { $0.isLetter }) {
                unitText = numberText[firstLetter...]
                numberText = numberText[..<firstLetter]
                i += 1
            } else {
                guard i + 1 < words.count else { throw .invalidInterval(String(text)) }
                unitText = Substring(words[i + 1])
                i += 2
            }
            guard let n = Int64(numberText), n >= 0, n <= 1_000_000_000 else { throw .invalidInterval(String(text)) }
            let unit: Int64
            switch unitText {
            case "ms", "millisecond", "milliseconds", "msec", "msecs": unit = 1
            case "s", "sec", "secs", "second", "seconds": unit = 1000
            case "m", "min", "mins", "minute", "minutes": unit = 60_000
            case "h", "hr", "hrs", "hour", "hours": unit = 3_600_000
            case "d", "day", "days": unit = 86_400_000
            case "w", "week", "weeks": unit = 604_800_000
            default: throw .invalidInterval(String(text))
            }
            total += n * unit
            // Each part is at most 1e9 weeks (< 2^60): checking after every part keeps the sum
            // far from overflowing however many parts there are.
            guard total <= 1000 * 366 * 86_400_000 else { throw .invalidInterval(String(text)) }
        }
        guard total > 0, total <= 1000 * 366 * 86_400_000 else { throw .invalidInterval(String(text)) }
        return total
    }
}

/// TimescaleDB's `time_bucket`: the start of the bucket of width `width` that contains `time`.
///
/// Buckets are aligned to TimescaleDB's default origin, Monday 2000-01-03T00:00:00Z, so that
/// weekly buckets start on Mondays; for widths that divide a day this equals alignment to the
/// Unix epoch.
public enum TimeBucket {
    /// 2000-01-03T00:00:00Z in milliseconds.
    public static let defaultOrigin: Int64 = 946_857_600_000

    /// The bucket start for `time` (floor division, correct for times before the origin).
    public static func start(of time: Int64, width: Int64, origin: Int64 = defaultOrigin) -> Int64 {
        precondition(width > 0)
        let shifted = time &- origin
        var q = shifted / width
        if shifted % width < 0 { q -= 1 }
        return origin &+ q &* width
    }
}
