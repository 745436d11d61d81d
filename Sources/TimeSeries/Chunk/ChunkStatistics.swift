/// Per-chunk statistics, stored next to the blob so that analytics can answer a whole chunk
/// (count, sum, min, max, first, last) without decompressing it, or skip it by its time range.
public struct ChunkStatistics: Hashable, Sendable {
    public var count: Int
    public var minValue: Double
    public var maxValue: Double
    public var sum: Double
    /// The value at `startTime`.
    public var first: Double
    /// The value at `endTime`.
    public var last: Double
    /// The earliest time in the chunk (ms).
    public var startTime: Int64
    /// The latest time in the chunk (ms).
    public var endTime: Int64

    public init(count: Int, minValue: Double, maxValue: Double, sum: Double, first: Double, last: Double,
                startTime: Int64, endTime: Int64) {
        self.count = count
        self.minValue = minValue
        self.maxValue = maxValue
        self.sum = sum
        self.first = first
        self.last = last
        self.startTime = startTime
        self.endTime = endTime
    }

    /// Statistics of points sorted by time (as `sortedLatestWins()` returns them); `nil` when empty.
    /// The sum is accumulated in time order, the same order a scan visits the points.
    public init?(sortedPoints points: [Point]) {
        guard let firstPoint = points.first, let lastPoint = points.last else { return nil }
        var lo = firstPoint.value, hi = firstPoint.value, s = 0.0
        for p in points {
            if p.value < lo { lo = p.value }
            if p.value > hi { hi = p.value }
            s += p.value
        }
        self.init(count: points.count, minValue: lo, maxValue: hi, sum: s, first: firstPoint.value,
                  last: lastPoint.value, startTime: firstPoint.time, endTime: lastPoint.time)
    }
}
