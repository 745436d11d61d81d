import TimeSeries

/// The encoding of one `write` call in the hot table: one row per batch rather than per point, so
/// that ingest costs one SQLite insert per batch (the per-row insert was the ingest bottleneck).
///
///   varint count, then per point (in write order):
///     varint seriesID (≥ 1) · zigzag varint time (ms) · 8 bytes value (IEEE 754 binary64, LE)
///
/// Points of a row are in write order, rows in `hot.id` order: a later point is a later write.
enum HotBatch {
    struct Entry { var series: Int64; var point: Point }

    static func encode(_ entries: [Entry]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.count * 14 + 4)
        func varint(_ value: UInt64) {
            var v = value
            while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
            out.append(UInt8(v))
        }
        varint(UInt64(entries.count))
        for e in entries {
            varint(UInt64(bitPattern: e.series))
            let t = e.point.time
            varint(UInt64(bitPattern: (t << 1) ^ (t >> 63)))
            let bits = e.point.value.bitPattern
            for s in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(s))) }
        }
        return out
    }

    /// Decodes a batch, calling `body` for each point; a malformed row is a typed error.
    static func decode(_ raw: UnsafeRawBufferPointer, rowID: Int64, _ body: (Int64, Point) -> Void) throws(TelemetryStoreError) {
        var i = 0
        func varint() throws(TelemetryStoreError) -> UInt64 {
            var result: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < raw.count else { throw .corruptHotRow(id: rowID, reason: "truncated varint") }
                let b = raw[i]
                i += 1
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { throw .corruptHotRow(id: rowID, reason: "varint longer than 10 bytes") }
            }
        }
        let count = try varint()
        // Each point takes at least 10 bytes: a larger count is corrupt, not a reason to loop.
        guard count <= UInt64(raw.count / 10) else { throw .corruptHotRow(id: rowID, reason: "count \(count) does not fit \(raw.count) bytes") }
        for _ in 0..<count {
            let series = Int64(bitPattern: try varint())
            let z = try varint()
            let time = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
            guard i + 8 <= raw.count else { throw .corruptHotRow(id: rowID, reason: "truncated value") }
            var bits: UInt64 = 0
            for s in 0..<8 { bits |= UInt64(raw[i + s]) << UInt64(s * 8) }
            i += 8
            body(series, Point(time: time, value: Double(bitPattern: bits)))
        }
        guard i == raw.count else { throw .corruptHotRow(id: rowID, reason: "\(raw.count - i) trailing bytes") }
    }
}
