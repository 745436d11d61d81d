/// One measurement of one series: a time in milliseconds since the Unix epoch (UTC) and a value.
public struct Point: Hashable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var time: Int64
    /// The measured value.
    public var value: Double

    public init(time: Int64, value: Double) {
        self.time = time
        self.value = value
    }
}

extension Array where Element == Point {
    /// Sorts by time and keeps, for every time, the element that came LAST in this array: callers
    /// append newer writes after older ones, so the latest write of a (series, time) wins.
    public func sortedLatestWins() -> [Point] {
        // A stable sort keeps insertion order among equal times; the last of each run wins.
        let indexed = self.enumerated().sorted { a, b in
            a.element.time != b.element.time ? a.element.time < b.element.time : a.offset < b.offset
        }
        var out: [Point] = []
        out.reserveCapacity(indexed.count)
        for (_, p) in indexed {
            if let last = out.last, last.time == p.time {
                out[out.count - 1] = p
            } else {
                out.append(p)
            }
        }
        return out
    }
}
