/// Errors of the alert store.
public enum AlertStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// SQLite refused an operation.
    case database(String)
    /// A stored row holds a value this version cannot read (written by a newer version, or edited).
    case corruptRow(table: String, reason: String)
    /// The data directory could not be created.
    case dataDirectory(path: String, reason: String)
    /// A detector definition to store does not validate.
    case invalidDefinition(String)

    public var code: String {
        switch self {
        case .database: "database"
        case .corruptRow: "corrupt_row"
        case .dataDirectory: "data_directory"
        case .invalidDefinition: "invalid_definition"
        }
    }

    public var description: String {
        switch self {
        case let .database(m): "alert store: \(m)"
        case let .corruptRow(table, reason): "alert store: corrupt row in \(table): \(reason)"
        case let .dataDirectory(path, reason): "alert store: cannot use data directory \(path): \(reason)"
        case let .invalidDefinition(reason): "alert store: \(reason)"
        }
    }
}
