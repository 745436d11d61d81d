import Foundation
import TimeSeries

/// Rows of the import format: a header `time,device,metric,value`, then one point per line; time
/// as RFC 3339 or integer epoch milliseconds. Fields may be double-quoted (RFC 4180).
public enum TelemetryCSV {
    public static let header = ["time", "device", "metric", "value"]

    /// Splits one line into fields (RFC 4180 quoting, no embedded newlines).
    static func fields(_ line: Substring) throws(TelemetryStoreError) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var wasQuoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" {
                    // Either the closing quote or an escaped quote ("").
                    if let n = iterator.next() {
                        if n == "\"" { field.append("\"") }
                        else if n == "," { quoted = false; out.append(field); field = ""; wasQuoted = false }
                        else { throw .importFile("text after a closing quote") }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "," {
                out.append(field); field = ""; wasQuoted = false
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true
            } else {
                field.append(c)
            }
        }
        if quoted { throw .importFile("unterminated quoted field") }
        out.append(field)
        return out
    }

    /// Parses one data row.
    public static func parseRow(_ line: some StringProtocol) throws(TelemetryStoreError) -> TelemetryPoint {
        var text = Substring(line)
        if text.hasSuffix("\r") { text = text.dropLast() }
        let f = try fields(text)
        guard f.count == 4 else { throw .importFile("expected 4 fields (time,device,metric,value), found \(f.count)") }
        let timeText = f[0].trimmingCharacters(in: .whitespaces)
        let time: Int64
        if let ms = Int64(timeText) { time = ms }
        else if let ms = RFC3339.parseOrNil(timeText) { time = ms }
        else { throw .importFile("time '\(timeText.prefix(40))' is neither RFC 3339 nor epoch milliseconds") }
        guard !f[1].isEmpty else { throw .importFile("empty device") }
        guard !f[2].isEmpty else { throw .importFile("empty metric") }
        let valueText = f[3].trimmingCharacters(in: .whitespaces)
        guard let value = Double(valueText), value.isFinite else { throw .importFile("value '\(valueText.prefix(40))' is not a finite number") }
        return TelemetryPoint(device: f[1], metric: f[2], time: time, value: value)
    }
}

/// What an import did.
public struct ImportReport: Sendable {
    public var imported = 0
    /// Bad rows (1-based line number and reason); only the first `maxReportedErrors` are kept.
    public var badRows: [(line: Int, reason: String)] = []
    public var badRowCount = 0
    public var bytesRead = 0
}

/// Imports a CSV file into the store.
///
/// Bad rows are skipped and reported with their line numbers; the good rows are kept (an import of
/// a large file should not be lost to one bad line). Rows are committed in batches: after each
/// commit `acknowledged(totalRowsCommitted)` is called, and those rows survive a crash. The import
/// compacts into chunks at the end.
public struct TelemetryImporter {
    public var batchRows = 100_000
    public var maxReportedErrors = 100
    /// Lines longer than this are refused (a file without newlines must not be read into memory).
    public var maxLineBytes = 1 << 20
    public var compactAtEnd = true
    public init() {}

    /// Imports from a file path ("-" for standard input).
    public func importCSV(path: String, into store: TelemetryStore, application: String = "",
                          progress: (_ bytes: Int, _ rows: Int) -> Void = { _, _ in },
                          acknowledged: (Int) -> Void = { _ in }) throws(TelemetryStoreError) -> ImportReport {
        let handle: FileHandle
        if path == "-" { handle = .standardInput } else {
            guard let h = FileHandle(forReadingAtPath: path) else { throw .importFile("cannot open \(path)") }
            handle = h
        }
        var report = ImportReport()
        var lineNumber = 0
        var pending: [TelemetryPoint] = []
        pending.reserveCapacity(batchRows)
        var carry: [UInt8] = []
        var headerSeen = false

        func handleLine(_ bytes: ArraySlice<UInt8>) throws(TelemetryStoreError) {
            lineNumber += 1
            var line = String(decoding: bytes, as: UTF8.self)
            if !headerSeen {
                // A UTF-8 byte order mark, as spreadsheet exports write it.
                if line.hasPrefix("\u{FEFF}") { line.removeFirst() }
                headerSeen = true
                let names = (try? TelemetryCSV.fields(Substring(line.hasSuffix("\r") ? String(line.dropLast()) : line)))?.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard names == TelemetryCSV.header else {
                    throw .importFile("line 1: expected the header time,device,metric,value")
                }
                return
            }
            if line.isEmpty || line == "\r" { return }
            do {
                pending.append(try TelemetryCSV.parseRow(line))
            } catch {
                report.badRowCount += 1
                if report.badRows.count < maxReportedErrors {
                    let reason: String
                    if case let .importFile(r) = error { reason = r } else { reason = error.description }
                    report.badRows.append((lineNumber, reason))
                }
            }
            if pending.count >= batchRows { try flush() }
        }
        func flush() throws(TelemetryStoreError) {
            guard !pending.isEmpty else { return }
            try store.write(pending, application: application)
            report.imported += pending.count
            pending.removeAll(keepingCapacity: true)
            acknowledged(report.imported)
            progress(report.bytesRead, report.imported)
        }

        while true {
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            report.bytesRead += data.count
            carry.append(contentsOf: data)
            var start = carry.startIndex
            while let nl = carry[start...].firstIndex(of: 0x0A) {
                try handleLine(carry[start..<nl])
                start = nl + 1
            }
            carry.removeSubrange(..<start)
            if carry.count > maxLineBytes {
                throw .importFile("line \(lineNumber + 1): longer than \(maxLineBytes) bytes")
            }
        }
        if !carry.isEmpty { try handleLine(carry[...]) }
        if !headerSeen { throw .importFile("the file is empty (expected the header time,device,metric,value)") }
        try flush()
        if compactAtEnd { try store.compact() }
        return report
    }
}
