/// What can go wrong in the registry.
public enum RegistryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No record with this identifier.
    case notFound(kind: String, id: String)
    /// A record with this identifier already exists.
    case alreadyExists(kind: String, id: String)
    /// A record refers to another that does not exist (device → application/profile).
    case invalidReference(kind: String, id: String)
    /// A stored value could not be read back (corrupt row or incompatible state blob).
    case corruptRecord(kind: String, id: String, reason: String)
    /// The database reported an error.
    case storage(String)
    /// A value given to the registry is invalid.
    case invalidValue(field: String, reason: String)

    /// A stable snake_case code (`device_not_found`, …).
    public var code: String {
        switch self {
        case let .notFound(kind, _): return "\(kind)_not_found"
        case let .alreadyExists(kind, _): return "\(kind)_already_exists"
        case let .invalidReference(kind, _): return "\(kind)_not_found"
        case .corruptRecord: return "corrupt_record"
        case .storage: return "storage_error"
        case .invalidValue: return "invalid_value"
        }
    }

    public var description: String {
        switch self {
        case let .notFound(kind, id): return "\(kind) \(id) not found"
        case let .alreadyExists(kind, id): return "\(kind) \(id) already exists"
        case let .invalidReference(kind, id): return "referenced \(kind) \(id) does not exist"
        case let .corruptRecord(kind, id, reason): return "stored \(kind) \(id) is unreadable: \(reason)"
        case let .storage(message): return "storage error: \(message)"
        case let .invalidValue(field, reason): return "invalid \(field): \(reason)"
        }
    }
}
