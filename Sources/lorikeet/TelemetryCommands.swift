import Analytics
import ArgumentParser
import Foundation
import TelemetryStore
import TimeSeries

/// `lorikeet import …`: bulk loads.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import data into the data directory.",
        subcommands: [ImportTelemetryCommand.self]
    )
}

/// `lorikeet import telemetry [--data-dir DIR] FILE.csv`
struct ImportTelemetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "Import points from CSV (header time,device,metric,value; time as RFC 3339 or epoch ms).",
        discussion: """
        Bad rows are skipped and reported on stderr with their line numbers; the good rows are kept.
        Exit status: 0 when every row was imported, 3 when some rows were skipped, 1 on failure.
        Rows are committed in batches; with --acknowledge, a line "acknowledged N" is printed on stdout
        after each commit (those rows survive a crash). FILE may be - for standard input.
        """
    )
    @Option(name: .long, help: "The data directory.") var dataDir = "./lorikeet-data"
    @Option(name: .long, help: "The application new series belong to (for retention).") var application = ""
    @Option(name: .long, help: "Rows per committed batch.") var batchRows = 100_000
    @Flag(name: .long, help: "Print \"acknowledged N\" on stdout after each committed batch.") var acknowledge = false
    @Flag(name: .long, help: "Leave the points in the hot table (no compaction at the end).") var noCompact = false
    @Argument(help: "The CSV file, or - for standard input.") var file: String

    func run() throws {
        let store: TelemetryStore
        do { store = try TelemetryStore(dataDirectory: dataDir) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
        var importer = TelemetryImporter()
        importer.batchRows = max(1, batchRows)
        importer.compactAtEnd = !noCompact
        let total = ((try? FileManager.default.attributesOfItem(atPath: file)[.size]) as? Int) ?? 0
        let terminal = isatty(2) != 0
        let showProgress = terminal || total > 16 << 20
        let started = Date()
        let report: ImportReport
        do {
            report = try importer.importCSV(path: file, into: store, application: application, progress: { bytes, rows in
                guard showProgress else { return }
                let pct = total > 0 ? min(100, bytes * 100 / total) : 0
                if terminal {
                    let filled = pct / 5
                    let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
                    FileHandle.standardError.write(Data("\r[\(bar)] \(pct)%  \(rows) rows".utf8))
                } else {
                    FileHandle.standardError.write(Data("progress: \(pct)% \(rows) rows\n".utf8))
                }
            }, acknowledged: { n in
                if acknowledge {
                    FileHandle.standardOutput.write(Data("acknowledged \(n)\n".utf8))
                }
            })
        } catch {
            FileHandle.standardError.write(Data("\nerror: \(error)\n".utf8))
            throw ExitCode.failure
        }
        if terminal && showProgress { FileHandle.standardError.write(Data("\n".utf8)) }
        for bad in report.badRows {
            FileHandle.standardError.write(Data("line \(bad.line): \(bad.reason)\n".utf8))
        }
        if report.badRowCount > report.badRows.count {
            FileHandle.standardError.write(Data("… and \(report.badRowCount - report.badRows.count) more bad rows\n".utf8))
        }
        let seconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data("imported \(report.imported) points, skipped \(report.badRowCount) bad rows in \(String(format: "%.1f", seconds)) s\n".utf8))
        if report.badRowCount > 0 { throw ExitCode(3) }
    }
}

/// `lorikeet query [--data-dir DIR] [--format table|csv|json] "SQL"`
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run SQL over telemetry(time, device, metric, value) and the registry tables.",
        discussion: "time_bucket('1 hour', time), first/last(value, time), now() - interval '7 days' and RFC 3339 literals work; see docs/telemetry.md."
    )
    @Option(name: .long, help: "The data directory.") var dataDir = "./lorikeet-data"
    @Option(name: .long, help: "table, csv or json.") var format = "table"
    @Argument(help: "One SQL statement.") var sql: String

    func run() throws {
        guard let f = QueryResult.Format(rawValue: format) else {
            throw ValidationError("--format must be table, csv or json")
        }
        do {
            let engine = try AnalyticsEngine(dataDirectory: dataDir)
            let result = try engine.query(sql, now: Int64(Date().timeIntervalSince1970 * 1000))
            FileHandle.standardOutput.write(Data(result.render(f).utf8))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `lorikeet bench store`
struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Telemetry store vs a plain SQLite table (and DuckDB when python3 -c 'import duckdb' works)."
    )
    @Option(name: .long, help: "Devices.") var devices = 200
    @Option(name: .long, help: "Days of data.") var days = 30
    @Option(name: .long, help: "Working directory (default: a new temporary one, removed afterwards).") var workDir: String?
    @Flag(name: .long, help: "Skip DuckDB.") var noDuckdb = false
    @Option(name: .long, help: "Chunk window in hours.") var chunkHours = 24

    func run() throws {
        var bench = TelemetryBenchmark(devices: devices, days: days)
        bench.chunkWindowMillis = Int64(max(1, chunkHours)) * 3_600_000
        bench.includeDuckDB = !noDuckdb
        do {
            try bench.run(workDirectory: workDir) { line in print(line) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `lorikeet export …`
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export data from the data directory.",
        subcommands: [ExportTelemetryCommand.self]
    )
}

/// `lorikeet export telemetry [--data-dir DIR] [--device D]… [--metric M]… [--from T] [--to T] [--output FILE]`
struct ExportTelemetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry",
        abstract: "Write points as CSV in the import format (time,device,metric,value; time RFC 3339 UTC)."
    )
    @Option(name: .long, help: "The data directory.") var dataDir = "./lorikeet-data"
    @Option(name: .long, help: "Only this device (repeatable).") var device: [String] = []
    @Option(name: .long, help: "Only this metric (repeatable).") var metric: [String] = []
    @Option(name: .long, help: "From this time (RFC 3339 or epoch ms), inclusive.") var from: String?
    @Option(name: .long, help: "To this time (RFC 3339 or epoch ms), inclusive.") var to: String?
    @Option(name: .long, help: "Output file (default: standard output).") var output: String?

    func run() throws {
        func time(_ s: String?, _ fallback: Int64) throws -> Int64 {
            guard let s else { return fallback }
            if let ms = Int64(s) { return ms }
            if let ms = RFC3339.parseOrNil(s) { return ms }
            throw ValidationError("'\(s)' is neither RFC 3339 nor epoch milliseconds")
        }
        let lo = try time(from, .min), hi = try time(to, .max)
        guard lo <= hi else { throw ValidationError("--from is after --to") }
        let handle: FileHandle
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: nil), let h = FileHandle(forWritingAtPath: output) else {
                throw ValidationError("cannot write \(output)")
            }
            handle = h
        } else {
            handle = .standardOutput
        }
        let path = TelemetryStore.databasePath(dataDirectory: dataDir)
        guard FileManager.default.fileExists(atPath: path) else {
            FileHandle.standardError.write(Data("error: no telemetry store at \(path)\n".utf8))
            throw ExitCode.failure
        }
        do {
            let n = try TelemetryExporter().exportCSV(from: path, devices: device.isEmpty ? nil : Set(device),
                                                      metrics: metric.isEmpty ? nil : Set(metric), range: lo...hi) { handle.write(Data($0.utf8)) }
            FileHandle.standardError.write(Data("exported \(n) points\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// `lorikeet retention --application APP (--days N | --off) [--apply]`: per-application telemetry
/// retention. `serve` applies it after every compaction; `--apply` drops expired chunks now.
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Set how many days of telemetry an application keeps (serve drops older chunks after each compaction)."
    )
    @Option(name: .long, help: "The data directory.") var dataDir = "./lorikeet-data"
    @Option(name: .long, help: "The application (as its series were stored).") var application: String
    @Option(name: .long, help: "Days to keep (1 or more).") var days: Int?
    @Flag(name: .long, help: "Keep this application's telemetry forever.") var off = false
    @Flag(name: .long, help: "Compact and drop expired chunks now.") var apply = false

    func validate() throws {
        guard (days != nil) != off else { throw ValidationError("give exactly one of --days N and --off") }
        if let days, days < 1 { throw ValidationError("--days must be 1 or more, got \(days)") }
    }

    func run() throws {
        do {
            let store = try TelemetryStore(dataDirectory: dataDir)
            try store.setRetention(application: application, days: days)
            if apply {
                _ = try store.compact()
                let dropped = try store.applyRetention(now: Int64(Date().timeIntervalSince1970 * 1000))
                print("dropped \(dropped) chunks")
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
