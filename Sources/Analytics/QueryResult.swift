public import SQLite
import TimeSeries
import Foundation
import TextPrimitives

/// The rows of a query, with the columns that hold times (rendered as RFC 3339 UTC in output).
public struct QueryResult: Sendable, Equatable {
    public var columns: [String]
    /// Indices of columns whose integers are times in ms.
    public var timeColumns: Set<Int>
    public var rows: [[Value]]
    /// Which engine answered: "native" (chunk statistics) or "sqlite" (virtual table).
    public var path: String

    public init(columns: [String], timeColumns: Set<Int>, rows: [[Value]], path: String) {
        self.columns = columns
        self.timeColumns = timeColumns
        self.rows = rows
        self.path = path
    }

    /// Output formats of `lorikeet query`.
    public enum Format: String, Sendable, CaseIterable { case table, csv, json }

    /// Whether a result column is a time, by name: `time`, `bucket`, names ending in `_time` or
    /// `_at`, and unaliased `time_bucket(…)`, `first(time…)`/`max(time)`-style expressions over time.
    static func isTimeColumn(name: String, originTable: String?, originColumn: String?) -> Bool {
        if originTable == "telemetry" && originColumn == "time" { return true }
        let n = name.lowercased()
        return n == "time" || n == "bucket" || n.hasSuffix("_time") || n.hasSuffix("_at") || n.hasPrefix("time_bucket(")
            || n == "min(time)" || n == "max(time)" || n == "now()"
    }

    func cell(_ v: Value, column: Int, forJSON: Bool) -> String {
        switch v {
        case .null: return forJSON ? "null" : ""
        case let .integer(i):
            if timeColumns.contains(column) { return forJSON ? "\"\(RFC3339.format(i))\"" : RFC3339.format(i) }
            return String(i)
        case let .real(d):
            if !d.isFinite { return forJSON ? "null" : String(d) }
            if d == d.rounded(), abs(d) < 1e15 { return String(format: "%.1f", d) }
            return "\(d)"
        case let .text(s): return forJSON ? Self.jsonString(s) : s
        case let .blob(b): return forJSON ? "\"\(b.hexEncoded)\"" : "x'\(b.hexEncoded)'"
        }
    }

    /// The JSON string literal of `s` as `lorikeet query` has always written it (U+0008 and U+000C
    /// as `\u0008` and `\u000c`).
    static func jsonString(_ s: String) -> String {
        JSONEscaping.quoted(s, shortBackspaceAndFormFeed: false)
    }

    static func csvField(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences("\"", with: "\"\"") + "\""
        }
        return s
    }

    /// Renders the result.
    public func render(_ format: Format) -> String {
        switch format {
        case .csv:
            var out = columns.map(Self.csvField).joined(separator: ",") + "\n"
            for row in rows {
                out += row.enumerated().map { Self.csvField(cell($0.element, column: $0.offset, forJSON: false)) }.joined(separator: ",") + "\n"
            }
            return out
        case .json:
            let lines = rows.map { row in
                "{" + row.enumerated().map { Self.jsonString(columns[$0.offset]) + ":" + cell($0.element, column: $0.offset, forJSON: true) }
                    .joined(separator: ",") + "}"
            }
            return "[" + lines.joined(separator: ",\n ") + "]\n"
        case .table:
            let cells = rows.map { row in row.enumerated().map { cell($0.element, column: $0.offset, forJSON: false) } }
            var widths = columns.map(\.count)
            for r in cells { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
            func line(_ items: [String]) -> String {
                items.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: " | ")
            }
            var out = line(columns) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n"
            for r in cells { out += line(r) + "\n" }
            out += "(\(rows.count) row\(rows.count == 1 ? "" : "s"))\n"
            return out
        }
    }
}

extension Array where Element == UInt8 {
    var hexEncoded: String { map { String(format: "%02x", $0) }.joined() }
}
