import Events
import SQLite

/// Detector progress across restarts (`detector_state`, one row per detector).
extension AlertStore {
    /// One stored row, undecoded: the caller decodes it with `DetectorStateRecord.decode` so that a
    /// bad row costs only that detector's state.
    public struct StoredDetectorState: Equatable, Sendable {
        /// The detector the row belongs to (empty when the column is not text).
        public var detectorID: String
        /// The format version the writer declared (-1 when the column is not an integer).
        public var formatVersion: Int64
        /// Epoch milliseconds of the save.
        public var savedAt: Int64
        /// The encoded `DetectorStateRecord` (empty when the column is neither blob nor text).
        public var state: [UInt8]
    }

    /// Replaces every stored detector state with `records` (encoded by the caller), in one transaction.
    public func replaceDetectorStates(_ records: [(detectorID: String, formatVersion: Int, savedAt: Int64, state: [UInt8])]) throws(AlertStoreError) {
        do {
            let insert = try db.prepare("INSERT INTO detector_state(detector_id, format_version, saved_at, state) VALUES (?, ?, ?, ?)")
            try db.transaction {
                try db.execute("DELETE FROM detector_state")
                for r in records {
                    try insert.run([.text(r.detectorID), .integer(Int64(r.formatVersion)), .integer(r.savedAt), .blob(r.state)])
                }
            }
        } catch {
            throw .database("\(error)")
        }
    }

    /// Every stored detector state, by detector id.
    public func detectorStates() throws(AlertStoreError) -> [StoredDetectorState] {
        let rows: [[Value]]
        do { rows = try db.prepare("SELECT detector_id, format_version, saved_at, state FROM detector_state ORDER BY detector_id").rows() } catch {
            throw .database("\(error)")
        }
        return rows.map { r in
            let id = r.first.flatMap(Self.text) ?? ""
            let version = r.count > 1 ? Self.int(r[1]) ?? -1 : -1
            let saved = r.count > 2 ? Self.int(r[2]) ?? 0 : 0
            var state: [UInt8] = []
            if r.count > 3 {
                switch r[3] {
                case let .blob(b): state = b
                case let .text(t): state = Array(t.utf8)
                default: state = []
                }
            }
            return StoredDetectorState(detectorID: id, formatVersion: version, savedAt: saved, state: state)
        }
    }
}
