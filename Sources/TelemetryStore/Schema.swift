import SQLite

/// The tables of `<data-dir>/telemetry.sqlite`. Migrations are named and never change once shipped.
///
/// - `series(id, device, metric, application)`: one row per (device, metric).
/// - `hot(id, count, min_time, max_time, data)`: new points, one row per `write` call (`data` is a
///   `HotBatch`), in write order (`id` is AUTOINCREMENT, so ids only grow even after deletes —
///   compaction relies on that); a later id (and a later point within a row) is a later write, so
///   for a duplicate (series, time) the latest wins.
/// - `chunks(id, series, window_start, start_time, end_time, count, min, max, sum, first, last,
///   data)`: one compacted chunk per series and time window; `data` is zstd(chunk blob, see
///   `ChunkEncoder`), or the blob itself when zstd would not make it smaller (`Zstd.pack`). Every hot row is newer than every chunk point of its series (compaction moves
///   all hot rows up to a rowid at once), so a reader lays hot rows over chunk points.
///   When `times` is set, the chunk's times are not in `data` but in `time_columns.data` (zstd of
///   a time column): the metrics of one uplink share its receive time, so the chunks of one device
///   and window share one time column, content-addressed by a 64-bit hash of the times. A time
///   column is deleted when its last chunk goes.
/// - `retention(application, days)`: per-application retention.
enum Schema {
    static let migrations: [(name: String, sql: String)] = [
        ("v1_telemetry", """
        CREATE TABLE series(
            id INTEGER PRIMARY KEY,
            device TEXT NOT NULL,
            metric TEXT NOT NULL,
            application TEXT NOT NULL DEFAULT '',
            UNIQUE(device, metric));
        CREATE INDEX series_metric ON series(metric);
        CREATE TABLE hot(id INTEGER PRIMARY KEY AUTOINCREMENT, count INTEGER NOT NULL, min_time INTEGER NOT NULL, max_time INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE chunks(
            id INTEGER PRIMARY KEY,
            series INTEGER NOT NULL,
            window_start INTEGER NOT NULL,
            start_time INTEGER NOT NULL,
            end_time INTEGER NOT NULL,
            count INTEGER NOT NULL,
            min REAL NOT NULL, max REAL NOT NULL, sum REAL NOT NULL,
            first REAL NOT NULL, last REAL NOT NULL,
            data BLOB NOT NULL,
            times INTEGER,
            UNIQUE(series, window_start));
        CREATE INDEX chunks_times ON chunks(times) WHERE times IS NOT NULL;
        CREATE TABLE time_columns(id INTEGER PRIMARY KEY, hash INTEGER NOT NULL UNIQUE, data BLOB NOT NULL);
        CREATE TABLE retention(application TEXT PRIMARY KEY, days INTEGER NOT NULL CHECK (days > 0));
        """),
    ]

    static func migrate(_ db: Connection) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_migrations(name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
        let applied = Set(try db.prepare("SELECT name FROM schema_migrations").rows().compactMap { row -> String? in
            if case let .text(s) = row.first { return s } else { return nil }
        })
        for m in migrations where !applied.contains(m.name) {
            try db.transaction {
                try db.execute(m.sql)
                try db.prepare("INSERT INTO schema_migrations(name, applied_at) VALUES (?, strftime('%s','now'))").run([.text(m.name)])
            }
        }
    }
}
