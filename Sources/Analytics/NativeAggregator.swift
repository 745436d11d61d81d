import SQLite
import TelemetryStore
import TimeSeries

/// A query of the common analytics shape, recognised from its SQL:
///
/// ```sql
/// SELECT time_bucket('1 hour', time) AS bucket, device, avg(value), max(value), last(value, time)
/// FROM telemetry
/// WHERE metric = 'temperature' AND device IN ('a', 'b') AND time >= '2026-01-01T00:00:00Z' AND time < now()
/// GROUP BY bucket, device ORDER BY bucket DESC
/// ```
///
/// Items: `time_bucket(width, time)`, `device`, `metric`, and `count(*)`, `count(value)`,
/// `sum`/`avg`/`min`/`max(value)`, `first`/`last(value, time)`, each with an optional alias.
/// Conditions (AND only): `metric`/`device` `=` or `IN` text literals; `time` compared (`=`, `<`,
/// `<=`, `>`, `>=`, `BETWEEN`) with integers, `now()` and `+`/`-` of those; `value` compared (`=`, `<`,
/// `<=`, `>`, `>=`) with a number. GROUP BY must name exactly
/// the non-aggregate items; ORDER BY may sort by them. Anything else goes to SQLite.
struct NativePlan {
    enum Aggregate: String { case count, sum, avg, min, max, first, last }
    enum Item: Equatable { case bucket(width: Int64), device, metric, aggregate(Aggregate) }
    var items: [(item: Item, name: String, alias: String?)] = []
    var devices: Set<String>?
    var metrics: Set<String>?
    var from = Int64.min
    var to = Int64.max
    var grouped = false
    /// `value <op> number` conditions, ANDed.
    var valueFilters: [(op: String, constant: Double)] = []
    var orderBy: [(index: Int, descending: Bool)] = []

    var bucketWidth: Int64? {
        for i in items { if case let .bucket(w) = i.item { return w } }
        return nil
    }

    /// Recognises the shape in (rewritten) `sql`, or returns nil.
    static func match(_ sql: String, now: Int64) -> NativePlan? {
        guard let all = try? SQLTokenizer.tokenize(sql) else { return nil }
        let t = all.filter { $0.kind != .whitespace && $0.kind != .comment }
        var p = Parser(tokens: t, now: now, sql: Array(sql.utf8))
        return p.parse()
    }

    struct Parser {
        let tokens: [SQLToken]
        let now: Int64
        let sql: [UInt8]
        var i = 0
        var plan = NativePlan()

        var current: SQLToken? { i < tokens.count ? tokens[i] : nil }
        mutating func keyword(_ k: String) -> Bool {
            if let c = current, c.isKeyword(k) { i += 1; return true }
            return false
        }
        mutating func symbol(_ s: String) -> Bool {
            if let c = current, c.isSymbol(s) { i += 1; return true }
            return false
        }
        mutating func name(_ n: String) -> Bool {
            if let c = current, (c.kind == .identifier || c.kind == .quotedIdentifier), c.unquoted.lowercased() == n { i += 1; return true }
            return false
        }
        mutating func stringLiteral() -> String? {
            if let c = current, c.kind == .string { i += 1; return c.unquoted }
            return nil
        }

        mutating func parse() -> NativePlan? {
            guard keyword("select") else { return nil }
            repeat {
                guard let item = parseItem() else { return nil }
                plan.items.append(item)
            } while symbol(",")
            guard keyword("from"), name("telemetry") else { return nil }
            if keyword("where") {
                repeat { guard parseCondition() else { return nil } } while keyword("and")
            }
            if keyword("group") {
                guard keyword("by") else { return nil }
                plan.grouped = true
                var keys = Set<Int>()
                repeat {
                    guard let k = parseReference() else { return nil }
                    keys.insert(k)
                } while symbol(",")
                let nonAggregates = Set(plan.items.indices.filter { if case .aggregate = plan.items[$0].item { return false } else { return true } })
                guard keys == nonAggregates else { return nil }
            } else {
                // Without GROUP BY every item must be an aggregate (one row).
                for it in plan.items { if case .aggregate = it.item { continue } else { return nil } }
            }
            if keyword("order") {
                guard keyword("by") else { return nil }
                repeat {
                    guard let k = parseReference() else { return nil }
                    if case .aggregate = plan.items[k].item { return nil }
                    var desc = false
                    if keyword("desc") { desc = true } else { _ = keyword("asc") }
                    plan.orderBy.append((k, desc))
                } while symbol(",")
            }
            _ = symbol(";")
            guard i == tokens.count else { return nil }
            return plan
        }

        mutating func parseItem() -> (item: Item, name: String, alias: String?)? {
            guard let start = current else { return nil }
            let item: Item
            if name("time_bucket") {
                guard symbol("(") else { return nil }
                var width: Int64?
                if let s = stringLiteral() { width = try? Interval.parse(s) } else if let n = parseExpression() { width = n }
                guard let w = width, w > 0, symbol(","), name("time"), symbol(")") else { return nil }
                item = .bucket(width: w)
            } else if name("device") {
                item = .device
            } else if name("metric") {
                item = .metric
            } else if let c = current, c.kind == .identifier, let agg = Aggregate(rawValue: c.text.lowercased()) {
                i += 1
                guard symbol("(") else { return nil }
                if agg == .count && symbol("*") {
                } else {
                    guard name("value") else { return nil }
                    if agg == .first || agg == .last { guard symbol(","), name("time") else { return nil } }
                }
                guard symbol(")") else { return nil }
                item = .aggregate(agg)
            } else {
                return nil
            }
            let end = tokens[i - 1].range.upperBound
            let text = String(decoding: sql[start.range.lowerBound..<end], as: UTF8.self)
            var alias: String?
            if keyword("as") {
                guard let c = current, c.kind == .identifier || c.kind == .quotedIdentifier else { return nil }
                alias = c.unquoted
                i += 1
            } else if let c = current, c.kind == .identifier, !["from", "where", "group", "order"].contains(c.text.lowercased()) {
                alias = c.unquoted
                i += 1
            }
            return (item, alias ?? text, alias)
        }

        /// A GROUP BY / ORDER BY key: an ordinal, an alias, `device`/`metric`, or a repeated item.
        mutating func parseReference() -> Int? {
            guard let c = current else { return nil }
            if c.kind == .number, let n = Int(c.text), n >= 1, n <= plan.items.count { i += 1; return n - 1 }
            if c.kind == .identifier || c.kind == .quotedIdentifier {
                let lower = c.unquoted.lowercased()
                if let k = plan.items.firstIndex(where: { $0.alias?.lowercased() == lower }),
                   i + 1 >= tokens.count || !tokens[i + 1].isSymbol("(") {
                    i += 1
                    return k
                }
            }
            let save = i
            if let parsed = parseItem(), parsed.alias == nil, let k = plan.items.firstIndex(where: { $0.item == parsed.item }) {
                return k
            }
            i = save
            return nil
        }

        mutating func parseTerm() -> Int64? {
            if let c = current, c.kind == .number, let n = Int64(c.text) { i += 1; return n }
            if symbol("-") { return parseTerm().map { 0 &- $0 } }
            if name("now") { guard symbol("("), symbol(")") else { return nil }; return now }
            if symbol("(") {
                guard let v = parseExpression(), symbol(")") else { return nil }
                return v
            }
            return nil
        }

        mutating func parseExpression() -> Int64? {
            guard var v = parseTerm() else { return nil }
            while true {
                if symbol("+") { guard let r = parseTerm() else { return nil }; v = v &+ r }
                else if symbol("-") { guard let r = parseTerm() else { return nil }; v = v &- r }
                else { return v }
            }
        }

        mutating func parseCondition() -> Bool {
            if name("metric") || name("device") {
                let isMetric = tokens[i - 1].unquoted.lowercased() == "metric"
                var values = Set<String>()
                if symbol("=") || symbol("==") {
                    guard let s = stringLiteral() else { return false }
                    values.insert(s)
                } else if keyword("in") {
                    guard symbol("(") else { return false }
                    repeat {
                        guard let s = stringLiteral() else { return false }
                        values.insert(s)
                    } while symbol(",")
                    guard symbol(")") else { return false }
                } else {
                    return false
                }
                if isMetric { plan.metrics = plan.metrics.map { $0.intersection(values) } ?? values }
                else { plan.devices = plan.devices.map { $0.intersection(values) } ?? values }
                return true
            }
            if name("value") {
                let ops = [">=", "<=", ">", "<", "==", "="]
                guard let op = ops.first(where: { symbol($0) }) else { return false }
                let negative = symbol("-")
                guard let c = current, c.kind == .number, let v = Double(c.text), v.isFinite else { return false }
                i += 1
                plan.valueFilters.append((op == "==" ? "=" : op, negative ? -v : v))
                return true
            }
            if name("time") {
                if keyword("between") {
                    guard let a = parseExpression(), keyword("and"), let b = parseExpression() else { return false }
                    plan.from = max(plan.from, a)
                    plan.to = min(plan.to, b)
                    return true
                }
                let ops = [">=", "<=", ">", "<", "==", "="]
                guard let op = ops.first(where: { symbol($0) }), let v = parseExpression() else { return false }
                switch op {
                case ">=": plan.from = max(plan.from, v)
                case ">": plan.from = max(plan.from, v == .max ? .max : v + 1); if v == .max { plan.to = .min }
                case "<=": plan.to = min(plan.to, v)
                case "<": plan.to = min(plan.to, v == .min ? .min : v - 1); if v == .min { plan.from = .max }
                default: plan.from = max(plan.from, v); plan.to = min(plan.to, v)
                }
                return true
            }
            return false
        }
    }
}

/// Evaluates a `NativePlan` from chunk statistics where a whole chunk falls in one bucket and
/// inside the time range (and no newer hot row overlaps it); only other chunks are decoded.
/// Visits series in id order and points in time order, as the virtual table does, so `first` /
/// `last` ties resolve the same way on both paths.
struct NativeAggregator {
    let reader: TelemetryReader
    /// Chunks answered from statistics and chunks decoded by the last `run` (for tests).
    var statisticsChunks = 0
    var decodedChunks = 0

    init(reader: TelemetryReader) { self.reader = reader }

    struct GroupKey: Hashable { var bucket: Int64?; var device: String?; var metric: String? }
    struct Accumulator {
        var count = 0
        var sum = 0.0
        var minValue = Double.infinity
        var maxValue = -Double.infinity
        var firstTime = Int64.max, firstValue = 0.0
        var lastTime = Int64.min, lastValue = 0.0
        var hasFirst = false, hasLast = false

        mutating func add(_ p: Point) {
            count += 1
            sum += p.value
            if p.value < minValue || count == 1 { minValue = count == 1 ? p.value : Swift.min(minValue, p.value) }
            if p.value > maxValue || count == 1 { maxValue = count == 1 ? p.value : Swift.max(maxValue, p.value) }
            if !hasFirst || p.time < firstTime { firstTime = p.time; firstValue = p.value; hasFirst = true }
            if !hasLast || p.time >= lastTime { lastTime = p.time; lastValue = p.value; hasLast = true }
        }

        mutating func add(_ s: ChunkStatistics) {
            let wasEmpty = count == 0
            count += s.count
            sum += s.sum
            minValue = wasEmpty ? s.minValue : Swift.min(minValue, s.minValue)
            maxValue = wasEmpty ? s.maxValue : Swift.max(maxValue, s.maxValue)
            if !hasFirst || s.startTime < firstTime { firstTime = s.startTime; firstValue = s.first; hasFirst = true }
            if !hasLast || s.endTime >= lastTime { lastTime = s.endTime; lastValue = s.last; hasLast = true }
        }
    }

    mutating func run(_ plan: NativePlan) throws(TelemetryStoreError) -> QueryResult {
        statisticsChunks = 0
        decodedChunks = 0
        var groups: [GroupKey: Accumulator] = [:]
        var order: [GroupKey] = []
        let width = plan.bucketWidth
        let hasDevice = plan.items.contains { $0.item == .device }
        let hasMetric = plan.items.contains { $0.item == .metric }
        func key(_ s: SeriesInfo, _ time: Int64) -> GroupKey {
            GroupKey(bucket: width.map { TimeBucket.start(of: time, width: $0) }, device: hasDevice ? s.device : nil, metric: hasMetric ? s.metric : nil)
        }
        if plan.from <= plan.to {
            let series = try reader.series(devices: plan.devices, metrics: plan.metrics)
            let hotAll = series.isEmpty ? [:] : try reader.hotPoints(series: Set(series.map(\.id)), from: plan.from, to: plan.to)
            for s in series {
                let hot = hotAll[s.id] ?? []
                var decoded: [Point] = []
                for chunk in try reader.chunks(series: s.id, from: plan.from, to: plan.to, withData: false) {
                    let st = chunk.statistics
                    let inside = st.startTime >= plan.from && st.endTime <= plan.to
                    let oneBucket = width.map { TimeBucket.start(of: st.startTime, width: $0) == TimeBucket.start(of: st.endTime, width: $0) } ?? true
                    let overlapped = hot.contains { $0.time >= st.startTime && $0.time <= st.endTime }
                    let verdict = Self.filterVerdict(plan.valueFilters, min: st.minValue, max: st.maxValue)
                    if verdict == .none {
                        // No point of the chunk passes the value filter: skip it undecoded. (Hot
                        // points laid over it are still folded, filtered, by `flush`.)
                        statisticsChunks += 1
                        continue
                    }
                    if inside && oneBucket && !overlapped && verdict == .all {
                        // Chunks of a series never overlap in time, so folding them in time order
                        // between decoded points keeps the visiting order of the virtual table.
                        flush(&decoded, hot: [], filters: plan.valueFilters, series: s, groups: &groups, order: &order, key: key)
                        let k = key(s, st.startTime)
                        if groups[k] == nil { order.append(k) }
                        groups[k, default: Accumulator()].add(st)
                        statisticsChunks += 1
                    } else {
                        decodedChunks += 1
                        decoded.append(contentsOf: try reader.points(of: chunk).filter { $0.time >= plan.from && $0.time <= plan.to })
                    }
                }
                flush(&decoded, hot: hot, filters: plan.valueFilters, series: s, groups: &groups, order: &order, key: key)
            }
        }
        if !plan.grouped && groups.isEmpty { groups[GroupKey()] = Accumulator(); order = [GroupKey()] }
        var rows: [[Value]] = []
        for k in order {
            guard let acc = groups[k] else { continue }
            var row: [Value] = []
            for item in plan.items {
                switch item.item {
                case .bucket: row.append(k.bucket.map { .integer($0) } ?? .null)
                case .device: row.append(k.device.map { .text($0) } ?? .null)
                case .metric: row.append(k.metric.map { .text($0) } ?? .null)
                case let .aggregate(a):
                    if acc.count == 0 && a != .count { row.append(.null); continue }
                    switch a {
                    case .count: row.append(.integer(Int64(acc.count)))
                    case .sum: row.append(.real(acc.sum))
                    case .avg: row.append(.real(acc.sum / Double(acc.count)))
                    case .min: row.append(.real(acc.minValue))
                    case .max: row.append(.real(acc.maxValue))
                    case .first: row.append(.real(acc.firstValue))
                    case .last: row.append(.real(acc.lastValue))
                    }
                }
            }
            rows.append(row)
        }
        let sortKeys = plan.orderBy.isEmpty
            ? plan.items.indices.filter { if case .aggregate = plan.items[$0].item { return false } else { return true } }.map { ($0, false) }
            : plan.orderBy.map { ($0.index, $0.descending) }
        rows.sort { a, b in
            for (i, desc) in sortKeys {
                let c = compare(a[i], b[i])
                if c != 0 { return desc ? c > 0 : c < 0 }
            }
            return false
        }
        let timeColumns = Set(plan.items.indices.filter { if case .bucket = plan.items[$0].item { return true } else { return false } })
        return QueryResult(columns: plan.items.map(\.name), timeColumns: timeColumns, rows: rows, path: "native")
    }

    /// Folds decoded points (with the series' hot points laid over them) into the groups.
    func flush(_ decoded: inout [Point], hot: [Point], filters: [(op: String, constant: Double)], series: SeriesInfo,
               groups: inout [GroupKey: Accumulator], order: inout [GroupKey], key: (SeriesInfo, Int64) -> GroupKey) {
        guard !decoded.isEmpty || !hot.isEmpty else { return }
        // Points come in time order, so runs of them share a group: accumulate a run locally and
        // touch the dictionary (hashing the key) once per run instead of once per point.
        var runKey: GroupKey?
        var run = Accumulator()
        for p in overlay(base: decoded, newer: hot) where Self.passes(filters, p.value) {
            let k = key(series, p.time)
            if k != runKey {
                if let done = runKey { groups[done] = run }
                if let existing = groups[k] { run = existing } else { order.append(k); run = Accumulator() }
                runKey = k
            }
            run.add(p)
        }
        if let done = runKey { groups[done] = run }
        decoded.removeAll(keepingCapacity: true)
    }

    enum Verdict { case all, none, some }

    /// Whether every, no, or some value in [min, max] passes all the filters.
    static func filterVerdict(_ filters: [(op: String, constant: Double)], min lo: Double, max hi: Double) -> Verdict {
        var all = true
        for f in filters {
            let c = f.constant
            switch f.op {
            case ">": if hi <= c { return .none }; if !(lo > c) { all = false }
            case ">=": if hi < c { return .none }; if !(lo >= c) { all = false }
            case "<": if lo >= c { return .none }; if !(hi < c) { all = false }
            case "<=": if lo > c { return .none }; if !(hi <= c) { all = false }
            default: if c < lo || c > hi { return .none }; if !(lo == c && hi == c) { all = false }
            }
        }
        return all ? .all : .some
    }

    static func passes(_ filters: [(op: String, constant: Double)], _ v: Double) -> Bool {
        for f in filters {
            let ok: Bool
            switch f.op {
            case ">": ok = v > f.constant
            case ">=": ok = v >= f.constant
            case "<": ok = v < f.constant
            case "<=": ok = v <= f.constant
            default: ok = v == f.constant
            }
            if !ok { return false }
        }
        return true
    }

    func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case let (.integer(x), .integer(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.text(x), .text(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.null, .null): return 0
        case (.null, _): return -1
        case (_, .null): return 1
        default: return 0
        }
    }
}
