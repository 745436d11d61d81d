import CSQLite
import SQLite
import TelemetryStore
import TimeSeries

/// The eponymous virtual table `telemetry(time, device, metric, value)` over the store.
///
/// `time` is INTEGER epoch milliseconds, `device` and `metric` TEXT, `value` REAL. `xBestIndex`
/// pushes down, and tells SQLite to omit re-checking: `time` =, >, >=, <, <= (integers, or RFC 3339
/// text), `device` and `metric` = and IN (…). A scan visits only the matching series, and of those
/// only chunks whose time range overlaps the bounds; hot rows are laid over chunk points.
enum TelemetryVirtualTable {
    static let schema = "CREATE TABLE x(time INTEGER, device TEXT, metric TEXT, value REAL)"

    /// Per-connection state behind the module's client-data pointer.
    final class Context {
        unowned(unsafe) let connection: Connection
        let chunkWindowMillis: Int64
        init(connection: Connection, chunkWindowMillis: Int64) {
            self.connection = connection
            self.chunkWindowMillis = chunkWindowMillis
        }
    }

    /// Cursor state: the series to visit and the current series' points.
    final class Cursor {
        let context: Context
        var series: [SeriesInfo] = []
        var hot: [Int64: [Point]] = [:]
        var lo: Int64 = .min
        var hi: Int64 = .max
        var seriesIndex = 0
        var points: [Point] = []
        var position = 0
        var rowid: Int64 = 0
        let reader: TelemetryReader
        init(context: Context) {
            self.context = context
            reader = TelemetryReader(connection: context.connection, chunkWindowMillis: context.chunkWindowMillis)
        }

        /// Moves to the next point, loading series until one has points in range.
        func advance() throws(TelemetryStoreError) {
            position += 1
            rowid += 1
            while position >= points.count {
                guard seriesIndex < series.count else { return }
                let s = series[seriesIndex]
                seriesIndex += 1
                points = try reader.points(series: s.id, from: lo, to: hi, hot: hot[s.id] ?? [])
                position = 0
            }
        }
        var atEnd: Bool { position >= points.count && seriesIndex >= series.count }
        var currentSeries: SeriesInfo { series[seriesIndex - 1] }
    }

    static let vtabSize = MemoryLayout<sqlite3_vtab>.stride
    static let cursorSize = MemoryLayout<sqlite3_vtab_cursor>.stride

    static func context(of vtab: UnsafeMutablePointer<sqlite3_vtab>) -> Context {
        let raw = UnsafeMutableRawPointer(vtab).load(fromByteOffset: vtabSize, as: UnsafeMutableRawPointer.self)
        return Unmanaged<Context>.fromOpaque(raw).takeUnretainedValue()
    }

    static func cursor(of c: UnsafeMutablePointer<sqlite3_vtab_cursor>) -> Cursor {
        let raw = UnsafeMutableRawPointer(c).load(fromByteOffset: cursorSize, as: UnsafeMutableRawPointer.self)
        return Unmanaged<Cursor>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Copies `message` into memory SQLite frees (for zErrMsg).
    static func sqliteString(_ message: String) -> UnsafeMutablePointer<CChar>? {
        let bytes = Array(message.utf8)
        guard let p = sqlite3_malloc(Int32(bytes.count + 1))?.assumingMemoryBound(to: CChar.self) else { return nil }
        for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
        p[bytes.count] = 0
        return p
    }

    static func setError(_ vtab: UnsafeMutablePointer<sqlite3_vtab>?, _ message: String) {
        guard let vtab else { return }
        sqlite3_free(vtab.pointee.zErrMsg)
        vtab.pointee.zErrMsg = sqliteString(message)
    }

    nonisolated(unsafe) static let module: UnsafeMutablePointer<sqlite3_module> = {
        let m = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        m.initialize(to: sqlite3_module())
        m.pointee.iVersion = 0
        // xCreate stays NULL: the table is eponymous-only, named after the module.
        m.pointee.xConnect = { db, aux, _, _, ppVTab, _ in
            let rc = sqlite3_declare_vtab(db, TelemetryVirtualTable.schema)
            guard rc == SQLITE_OK, let aux, let ppVTab else { return rc == SQLITE_OK ? SQLITE_ERROR : rc }
            let raw = UnsafeMutableRawPointer.allocate(byteCount: vtabSize + 8, alignment: 16)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: vtabSize + 8)
            raw.storeBytes(of: aux, toByteOffset: vtabSize, as: UnsafeMutableRawPointer.self)
            ppVTab.pointee = raw.assumingMemoryBound(to: sqlite3_vtab.self)
            return SQLITE_OK
        }
        m.pointee.xDisconnect = { vtab in
            guard let vtab else { return SQLITE_OK }
            sqlite3_free(vtab.pointee.zErrMsg)
            UnsafeMutableRawPointer(vtab).deallocate()
            return SQLITE_OK
        }
        m.pointee.xBestIndex = { _, info in
            guard let info else { return SQLITE_ERROR }
            return bestIndex(info)
        }
        m.pointee.xOpen = { vtab, ppCursor in
            guard let vtab, let ppCursor else { return SQLITE_ERROR }
            let state = Cursor(context: context(of: vtab))
            let raw = UnsafeMutableRawPointer.allocate(byteCount: cursorSize + 8, alignment: 16)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: cursorSize + 8)
            raw.storeBytes(of: Unmanaged.passRetained(state).toOpaque(), toByteOffset: cursorSize, as: UnsafeMutableRawPointer.self)
            ppCursor.pointee = raw.assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        m.pointee.xClose = { c in
            guard let c else { return SQLITE_OK }
            let raw = UnsafeMutableRawPointer(c).load(fromByteOffset: cursorSize, as: UnsafeMutableRawPointer.self)
            Unmanaged<Cursor>.fromOpaque(raw).release()
            UnsafeMutableRawPointer(c).deallocate()
            return SQLITE_OK
        }
        m.pointee.xFilter = { c, _, idxStr, argc, argv in
            guard let c else { return SQLITE_ERROR }
            let plan = idxStr.map { String(cString: $0) } ?? ""
            var args: [OpaquePointer?] = []
            for i in 0..<Int(argc) { args.append(argv?[i]) }
            do {
                try filter(cursor(of: c), plan: Array(plan.utf8), args: args)
                return SQLITE_OK
            } catch {
                setError(c.pointee.pVtab, "telemetry: \(error)")
                return SQLITE_ERROR
            }
        }
        m.pointee.xNext = { c in
            guard let c else { return SQLITE_ERROR }
            do { try cursor(of: c).advance(); return SQLITE_OK } catch {
                setError(c.pointee.pVtab, "telemetry: \(error)")
                return SQLITE_ERROR
            }
        }
        m.pointee.xEof = { c in
            guard let c else { return 1 }
            return cursor(of: c).atEnd ? 1 : 0
        }
        m.pointee.xColumn = { c, ctx, column in
            guard let c else { return SQLITE_ERROR }
            let cur = cursor(of: c)
            guard !cur.atEnd, cur.position < cur.points.count else { sqlite3_result_null(ctx); return SQLITE_OK }
            let p = cur.points[cur.position]
            switch column {
            case 0: sqlite3_result_int64(ctx, p.time)
            case 1: sqlite3_result_text(ctx, cur.currentSeries.device, -1, lorikeet_sqlite_transient())
            case 2: sqlite3_result_text(ctx, cur.currentSeries.metric, -1, lorikeet_sqlite_transient())
            case 3: sqlite3_result_double(ctx, p.value)
            default: sqlite3_result_null(ctx)
            }
            return SQLITE_OK
        }
        m.pointee.xRowid = { c, pRowid in
            guard let c, let pRowid else { return SQLITE_ERROR }
            pRowid.pointee = cursor(of: c).rowid
            return SQLITE_OK
        }
        return m
    }()

    // Plan characters in idxStr, one per xFilter argument, in argv order.
    static let timeEQ = UInt8(ascii: "="), timeGT = UInt8(ascii: ">"), timeGE = UInt8(ascii: "]")
    static let timeLT = UInt8(ascii: "<"), timeLE = UInt8(ascii: "[")
    static let deviceEQ = UInt8(ascii: "D"), deviceIN = UInt8(ascii: "d"), metricEQ = UInt8(ascii: "M"), metricIN = UInt8(ascii: "m")

    static func bestIndex(_ info: UnsafeMutablePointer<sqlite3_index_info>) -> Int32 {
        let n = Int(info.pointee.nConstraint)
        var plan: [UInt8] = []
        var cost = 1e9
        var rows: Int64 = 100_000_000
        for i in 0..<n {
            guard let cons = info.pointee.aConstraint?[i], cons.usable != 0 else { continue }
            var code: UInt8?
            switch (cons.iColumn, Int32(cons.op)) {
            case (0, SQLITE_INDEX_CONSTRAINT_EQ): code = timeEQ; cost /= 1000
            case (0, SQLITE_INDEX_CONSTRAINT_GT): code = timeGT; cost /= 4
            case (0, SQLITE_INDEX_CONSTRAINT_GE): code = timeGE; cost /= 4
            case (0, SQLITE_INDEX_CONSTRAINT_LT): code = timeLT; cost /= 4
            case (0, SQLITE_INDEX_CONSTRAINT_LE): code = timeLE; cost /= 4
            case (1, SQLITE_INDEX_CONSTRAINT_EQ), (2, SQLITE_INDEX_CONSTRAINT_EQ):
                let isIn = sqlite3_vtab_in(info, Int32(i), -1) != 0
                if isIn { sqlite3_vtab_in(info, Int32(i), 1) }
                if cons.iColumn == 1 { code = isIn ? deviceIN : deviceEQ; cost /= 100 } else { code = isIn ? metricIN : metricEQ; cost /= 10 }
            default: code = nil
            }
            guard let code else { continue }
            plan.append(code)
            info.pointee.aConstraintUsage[i].argvIndex = Int32(plan.count)
            info.pointee.aConstraintUsage[i].omit = 1
        }
        rows = max(1, Int64(cost / 10))
        info.pointee.estimatedCost = cost
        info.pointee.estimatedRows = rows
        info.pointee.idxNum = Int32(plan.count)
        info.pointee.idxStr = sqliteString(String(decoding: plan, as: UTF8.self))
        info.pointee.needToFreeIdxStr = 1
        return SQLITE_OK
    }

    enum TimeArgument { case value(Int64), fraction(Double), matchesNothing, unbounded }

    /// Reads a time constraint's right-hand side with SQLite's comparison semantics, except that
    /// RFC 3339 text compares as a time.
    static func timeArgument(_ v: OpaquePointer?, op: UInt8) -> TimeArgument {
        switch sqlite3_value_type(v) {
        case SQLITE_INTEGER: return .value(sqlite3_value_int64(v))
        case SQLITE_FLOAT:
            let d = sqlite3_value_double(v)
            if d.isNaN { return .matchesNothing }
            return .fraction(d)
        case SQLITE_TEXT, SQLITE_BLOB:
            let text = sqlite3_value_text(v).map { String(cString: $0) } ?? ""
            if let ms = RFC3339.parseOrNil(text) { return .value(ms) }
            // SQLite orders every integer before every text: time < 'x' always holds.
            return (op == timeLT || op == timeLE) ? .unbounded : .matchesNothing
        default: return .matchesNothing
        }
    }

    static func filter(_ cur: Cursor, plan: [UInt8], args: [OpaquePointer?]) throws {
        cur.series = []
        cur.hot = [:]
        cur.points = []
        cur.position = 0
        cur.seriesIndex = 0
        cur.rowid = 0
        var lo = Int64.min, hi = Int64.max
        var devices: Set<String>?, metrics: Set<String>?
        var empty = false
        func texts(_ v: OpaquePointer?, isIn: Bool) -> Set<String> {
            var out = Set<String>()
            if isIn {
                var item: OpaquePointer?
                var rc = sqlite3_vtab_in_first(v, &item)
                while rc == SQLITE_OK, let it = item {
                    if sqlite3_value_type(it) != SQLITE_NULL, let t = sqlite3_value_text(it) { out.insert(String(cString: t)) }
                    rc = sqlite3_vtab_in_next(v, &item)
                }
            } else if sqlite3_value_type(v) != SQLITE_NULL, let t = sqlite3_value_text(v) {
                out.insert(String(cString: t))
            }
            return out
        }
        for (i, code) in plan.enumerated() where i < args.count {
            let v = args[i]
            switch code {
            case deviceEQ, deviceIN:
                let s = texts(v, isIn: code == deviceIN)
                devices = devices.map { $0.intersection(s) } ?? s
            case metricEQ, metricIN:
                let s = texts(v, isIn: code == metricIN)
                metrics = metrics.map { $0.intersection(s) } ?? s
            default:
                switch timeArgument(v, op: code) {
                case .matchesNothing: empty = true
                case .unbounded: break
                case let .value(t):
                    switch code {
                    case timeEQ: lo = max(lo, t); hi = min(hi, t)
                    case timeGT: if t == .max { empty = true } else { lo = max(lo, t + 1) }
                    case timeGE: lo = max(lo, t)
                    case timeLT: if t == .min { empty = true } else { hi = min(hi, t - 1) }
                    default: hi = min(hi, t)
                    }
                case let .fraction(d):
                    // Compare an integer time with a real bound exactly, clamping to Int64.
                    func clamp(_ x: Double) -> Int64 { x >= 9.2e18 ? .max : (x <= -9.2e18 ? .min : Int64(x)) }
                    switch code {
                    case timeEQ: if d.rounded() != d { empty = true } else { lo = max(lo, clamp(d)); hi = min(hi, clamp(d)) }
                    case timeGT: lo = max(lo, clamp(d.rounded(.down)) &+ 1)
                    case timeGE: lo = max(lo, clamp(d.rounded(.up)))
                    case timeLT: hi = min(hi, clamp(d.rounded(.up)) &- 1)
                    default: hi = min(hi, clamp(d.rounded(.down)))
                    }
                }
            }
        }
        cur.lo = lo
        cur.hi = hi
        if empty || lo > hi { return }
        let reader = cur.reader
        cur.series = try reader.series(devices: devices, metrics: metrics)
        if cur.series.isEmpty { return }
        let ids = Set(cur.series.map(\.id))
        cur.hot = try reader.hotPoints(series: ids, from: lo, to: hi)
        cur.position = -1
        cur.rowid = -1
        try cur.advance()
    }
}
