import Foundation
import SQLite
import TimeSeries

/// Writes points as CSV in the import format (`time,device,metric,value`, time as RFC 3339 UTC),
/// series by series and in time order, streaming: memory holds one series at a time.
public struct TelemetryExporter {
    public init() {}

    /// Exports the points of the matching series in [from, to] through `write` (called with chunks
    /// of text of about 1 MiB). Returns the number of points written.
    @discardableResult
    public func exportCSV(from databasePath: String, devices: Set<String>? = nil, metrics: Set<String>? = nil,
                          range: ClosedRange<Int64> = Int64.min...Int64.max, chunkWindowMillis: Int64 = TelemetryStoreConfiguration().chunkWindowMillis,
                          write: (String) -> Void) throws(TelemetryStoreError) -> Int {
        let connection: Connection
        do { connection = try Connection(path: databasePath, readOnly: true) } catch { throw .sqlite(error) }
        let reader = TelemetryReader(connection: connection, chunkWindowMillis: chunkWindowMillis)
        let series = try reader.series(devices: devices, metrics: metrics)
        let hot = try reader.hotPoints(series: Set(series.map(\.id)), from: range.lowerBound, to: range.upperBound)
        var buffer = "time,device,metric,value\n"
        var count = 0
        for s in series {
            let device = Self.csvField(s.device), metric = Self.csvField(s.metric)
            for p in try reader.points(series: s.id, from: range.lowerBound, to: range.upperBound, hot: hot[s.id] ?? []) {
                buffer += RFC3339.format(p.time)
                buffer += ","
                buffer += device
                buffer += ","
                buffer += metric
                buffer += ","
                buffer += "\(p.value)\n"
                count += 1
                if buffer.utf8.count >= 1 << 20 { write(buffer); buffer = "" }
            }
        }
        write(buffer)
        return count
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        var out = "\""
        for c in s { out += c == "\"" ? "\"\"" : String(c) }
        return out + "\""
    }
}
