import Foundation

/// The files an ``AnalyticsEngine`` opened and how to tell whether they are still the ones a new
/// engine would open.
///
/// SQLite re-prepares statements by itself when a schema changes (SQLITE_SCHEMA), and an engine
/// prepares every query afresh, so a migration of the store does not make an open engine stale.
/// Two things do: the telemetry file replaced by another (a restore: the open connection keeps
/// reading the old, unlinked inode) and a registry created after the engine opened (not
/// attached). Both are checked with a `stat` before an engine is reused.
struct EngineFiles: Sendable {
    let telemetryPath: String
    let registryPath: String
    /// Device and inode of the telemetry file when the engine opened it.
    let telemetryIdentity: FileIdentity?

    init(telemetryPath: String, registryPath: String) {
        self.telemetryPath = telemetryPath
        self.registryPath = registryPath
        telemetryIdentity = FileIdentity(path: telemetryPath)
    }

    func isCurrent(registryAttached: Bool) -> Bool {
        guard let identity = telemetryIdentity, FileIdentity(path: telemetryPath) == identity else { return false }
        if !registryAttached && FileIdentity(path: registryPath) != nil { return false }
        return true
    }
}

/// A file's device and inode numbers (nil when it does not exist).
struct FileIdentity: Equatable, Sendable {
    let device: UInt64
    let inode: UInt64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}
