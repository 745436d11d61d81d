import CSQLite

/// Keeps analysts' SQL from changing the connection it runs on.
///
/// `sqlite3_stmt_readonly` answers true for statements that write nothing to disk but change the
/// connection: `BEGIN` (a read transaction left open pins one snapshot and blocks WAL
/// checkpoints), `ATTACH`/`DETACH` (another file, or the registry gone for the next query) and
/// pragmas that set a value (`case_sensitive_like`, `cache_size`, …). An engine is reused for
/// many requests (``AnalyticsEnginePool``), so such state would leak from one analyst to the
/// next. The authorizer (`sqlite3_set_authorizer`) refuses them when the statement is prepared;
/// pragmas that only report (`PRAGMA table_info(uplinks)`, `PRAGMA user_version`) stay allowed.
final class QueryAuthorizer {
    /// Why the last refused statement was refused (read after a failed prepare).
    var refusal: String?

    /// Pragmas that take an argument but only report.
    static let reportingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "function_list", "module_list", "pragma_list", "collation_list", "database_list", "compile_options",
    ]

    /// Installs an authorizer on `db` that lasts as long as the connection (the returned object
    /// must be kept alive by the caller as long as `db` is open).
    static func install(on db: OpaquePointer) -> QueryAuthorizer {
        let authorizer = QueryAuthorizer()
        let box = Unmanaged.passUnretained(authorizer).toOpaque()
        sqlite3_set_authorizer(db, { user, action, arg1, arg2, _, _ in
            guard let user else { return SQLITE_OK }
            let me = Unmanaged<QueryAuthorizer>.fromOpaque(user).takeUnretainedValue()
            let a = arg1.map { String(cString: $0) }
            let b = arg2.map { String(cString: $0) }
            if let reason = QueryAuthorizer.refusal(action: action, arg1: a, arg2: b) {
                me.refusal = reason
                return SQLITE_DENY
            }
            return SQLITE_OK
        }, box)
        return authorizer
    }

    /// Why an action is refused, or nil to allow it. Pure, for tests.
    static func refusal(action: Int32, arg1: String?, arg2: String?) -> String? {
        switch action {
        case SQLITE_ATTACH, SQLITE_DETACH:
            return "ATTACH and DETACH are not allowed in analytics queries (telemetry and the registry tables are already there)"
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
            return "transaction statements (BEGIN, COMMIT, SAVEPOINT, …) are not allowed in analytics queries: each query is its own read transaction"
        case SQLITE_PRAGMA:
            guard let arg2 else { return nil }
            let name = (arg1 ?? "").lowercased()
            if reportingPragmas.contains(name) { return nil }
            return "PRAGMA \(name) = \(arg2.prefix(40)): analytics queries may read pragmas but not set them"
        default:
            return nil
        }
    }
}
