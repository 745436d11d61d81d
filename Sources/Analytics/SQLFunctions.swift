import CSQLite
import SQLite
import TimeSeries

/// The SQL functions Analytics adds to SQLite:
///
/// - `time_bucket(width, time [, origin])`: TimescaleDB's bucket start (ms). `width` is an interval
///   text (`'1 hour'`, `'15 minutes'`) or integer milliseconds; `time` an integer ms (or RFC 3339 text).
/// - `first(value, time)` / `last(value, time)`: the value at the smallest / largest time in the
///   group (TimescaleDB semantics). Ties: `first` keeps the earliest row seen, `last` the latest.
/// - `now()`: the query's start time in ms (one value for the whole statement).
/// - `rfc3339(ms)`: formats a time as RFC 3339 UTC text.
enum SQLFunctions {
    /// Holds `now()`'s value; the engine sets it before each statement.
    final class Clock { var now: Int64 = 0 }

    static func register(on db: OpaquePointer, clock: Clock) -> Int32 {
        let flagsDeterministic = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS
        var rc = sqlite3_create_function_v2(db, "time_bucket", 2, flagsDeterministic, nil, timeBucket, nil, nil, nil)
        if rc == SQLITE_OK { rc = sqlite3_create_function_v2(db, "time_bucket", 3, flagsDeterministic, nil, timeBucket, nil, nil, nil) }
        if rc == SQLITE_OK { rc = sqlite3_create_function_v2(db, "rfc3339", 1, flagsDeterministic, nil, rfc3339, nil, nil, nil) }
        if rc == SQLITE_OK {
            let box = Unmanaged.passRetained(clock).toOpaque()
            rc = sqlite3_create_function_v2(db, "now", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS, box, now, nil, nil, { p in
                if let p { Unmanaged<Clock>.fromOpaque(p).release() }
            })
        }
        if rc == SQLITE_OK { rc = sqlite3_create_function_v2(db, "first", 2, flagsDeterministic, nil, nil, firstStep, pickFinal, nil) }
        if rc == SQLITE_OK { rc = sqlite3_create_function_v2(db, "last", 2, flagsDeterministic, nil, nil, lastStep, pickFinal, nil) }
        return rc
    }

    static func resultError(_ ctx: OpaquePointer?, _ message: String) {
        sqlite3_result_error(ctx, message, -1)
    }

    /// Reads a time argument: integer ms, a real (truncated), or RFC 3339 text; nil for NULL.
    static func timeValue(_ v: OpaquePointer?) -> Int64?? {
        switch sqlite3_value_type(v) {
        case SQLITE_NULL: return .some(nil)
        case SQLITE_INTEGER: return sqlite3_value_int64(v)
        case SQLITE_FLOAT:
            let d = sqlite3_value_double(v)
            guard d.isFinite, abs(d) < 9.2e18 else { return nil }
            return Int64(d.rounded(.down))
        default:
            let text = sqlite3_value_text(v).map { String(cString: $0) } ?? ""
            return RFC3339.parseOrNil(text).map { .some($0) } ?? nil
        }
    }

    static let timeBucket: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, argc, argv in
        guard let argv else { return }
        // The width is usually a constant: parse it once per statement (auxdata slot 0).
        var width: Int64
        if let cached = sqlite3_get_auxdata(ctx, 0) {
            width = cached.load(as: Int64.self)
        } else {
            let w = argv[0]
            switch sqlite3_value_type(w) {
            case SQLITE_INTEGER: width = sqlite3_value_int64(w)
            case SQLITE_FLOAT: width = Int64(exactly: sqlite3_value_double(w).rounded()) ?? 0
            case SQLITE_NULL: sqlite3_result_null(ctx); return
            default:
                let text = sqlite3_value_text(w).map { String(cString: $0) } ?? ""
                do { width = try Interval.parse(text) } catch {
                    resultError(ctx, "time_bucket: \(error)")
                    return
                }
            }
            guard width > 0 else { resultError(ctx, "time_bucket: the bucket width must be positive"); return }
            if let p = sqlite3_malloc(8) {
                p.storeBytes(of: width, as: Int64.self)
                sqlite3_set_auxdata(ctx, 0, p, { sqlite3_free($0) })
            }
        }
        guard let t = timeValue(argv[1]) else { resultError(ctx, "time_bucket: the time is not an integer or an RFC 3339 timestamp"); return }
        guard let time = t else { sqlite3_result_null(ctx); return }
        var origin = TimeBucket.defaultOrigin
        if argc == 3 {
            guard let o = timeValue(argv[2]), let ov = o else { resultError(ctx, "time_bucket: the origin is not a time"); return }
            origin = ov
        }
        sqlite3_result_int64(ctx, TimeBucket.start(of: time, width: width, origin: origin))
    }

    static let rfc3339: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
        guard let argv, let t = timeValue(argv[0]), let time = t else { sqlite3_result_null(ctx); return }
        sqlite3_result_text(ctx, RFC3339.format(time), -1, lorikeet_sqlite_transient())
    }

    static let now: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, _ in
        guard let p = sqlite3_user_data(ctx) else { sqlite3_result_null(ctx); return }
        sqlite3_result_int64(ctx, Unmanaged<Clock>.fromOpaque(p).takeUnretainedValue().now)
    }

    // Aggregate state for first/last: [has: Int64][time: Int64][value: sqlite3_value*].
    static let stateSize: Int32 = 24

    static func pickStep(_ ctx: OpaquePointer?, _ argv: UnsafeMutablePointer<OpaquePointer?>?, wantLast: Bool) {
        guard let argv, let t = timeValue(argv[1]), let time = t else { return }
        guard let state = sqlite3_aggregate_context(ctx, stateSize) else { sqlite3_result_error_nomem(ctx); return }
        let has = state.load(fromByteOffset: 0, as: Int64.self) != 0
        let best = state.load(fromByteOffset: 8, as: Int64.self)
        if has && (wantLast ? time < best : time >= best) { return }
        if has, let old = state.load(fromByteOffset: 16, as: OpaquePointer?.self) { sqlite3_value_free(old) }
        state.storeBytes(of: 1, toByteOffset: 0, as: Int64.self)
        state.storeBytes(of: time, toByteOffset: 8, as: Int64.self)
        state.storeBytes(of: sqlite3_value_dup(argv[0]), toByteOffset: 16, as: OpaquePointer?.self)
    }

    static let firstStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
        pickStep(ctx, argv, wantLast: false)
    }
    static let lastStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { ctx, _, argv in
        pickStep(ctx, argv, wantLast: true)
    }
    static let pickFinal: @convention(c) (OpaquePointer?) -> Void = { ctx in
        guard let state = sqlite3_aggregate_context(ctx, 0),
              state.load(fromByteOffset: 0, as: Int64.self) != 0,
              let value = state.load(fromByteOffset: 16, as: OpaquePointer?.self) else {
            sqlite3_result_null(ctx)
            return
        }
        sqlite3_result_value(ctx, value)
        sqlite3_value_free(value)
        state.storeBytes(of: nil, toByteOffset: 16, as: OpaquePointer?.self)
    }
}
