import TimeSeries

/// Rewrites the TimescaleDB-style time syntax that SQLite lacks into plain SQLite, before SQLite
/// sees the query. `time` is an INTEGER of epoch milliseconds inside SQL, so:
///
/// - `INTERVAL '7 days'` becomes the integer `(604800000)`, so `now() - interval '7 days'` is
///   integer arithmetic (`now()` is a registered function returning the query's start in ms).
/// - A string literal that is a complete RFC 3339 timestamp (`'2026-01-31T00:00:00Z'`, also
///   `'2026-01-31 12:00:00+02:00'` and a bare date `'2026-01-31'`) becomes its epoch milliseconds,
///   so `time >= '2026-01-01T00:00:00Z'` compares times everywhere (joins and subqueries too).
///   A literal that is an operand of `||` stays text (`'2026-01-01'||''` keeps the string).
///
/// Everything else is left byte for byte. The rewriter keeps a map from rewritten to original
/// offsets so that SQLite's error offsets point into what the user typed.
struct QueryRewriter {
    struct Result {
        var sql: String
        /// (offset in the rewritten SQL where a replacement ends, cumulative shift after it).
        var shifts: [(rewrittenEnd: Int, delta: Int)]

        /// Maps an offset in `sql` back to the original text.
        func originalOffset(_ offset: Int) -> Int {
            var delta = 0
            for s in shifts where s.rewrittenEnd <= offset { delta = s.delta }
            return offset - delta
        }
    }

    static func rewrite(_ original: String) throws(AnalyticsError) -> Result {
        let tokens = try SQLTokenizer.tokenize(original)
        var out = ""
        var shifts: [(Int, Int)] = []
        var outBytes = 0
        var delta = 0
        var i = 0
        func emit(_ replacement: String, replacing originalLength: Int) {
            out += replacement
            outBytes += replacement.utf8.count
            delta += replacement.utf8.count - originalLength
            shifts.append((outBytes, delta))
        }
        while i < tokens.count {
            let t = tokens[i]
            if t.isKeyword("interval") {
                var j = i + 1
                while j < tokens.count, tokens[j].kind == .whitespace || tokens[j].kind == .comment { j += 1 }
                if j < tokens.count, tokens[j].kind == .string {
                    let ms: Int64
                    do { ms = try Interval.parse(tokens[j].unquoted) } catch {
                        throw AnalyticsError.located(error.description, offset: tokens[j].range.lowerBound, in: original)
                    }
                    emit("(\(ms))", replacing: tokens[j].range.upperBound - t.range.lowerBound)
                    i = j + 1
                    continue
                }
            }
            if t.kind == .string, t.text.utf8.count >= 12, !isConcatenated(tokens, at: i), let ms = RFC3339.parseOrNil(t.unquoted) {
                emit("(\(ms))", replacing: t.text.utf8.count)
                i += 1
                continue
            }
            out += t.text
            outBytes += t.text.utf8.count
            i += 1
        }
        return Result(sql: out, shifts: shifts)
    }

    /// Whether the token at `index` is an operand of `||` (then it is text on purpose).
    static func isConcatenated(_ tokens: [SQLToken], at index: Int) -> Bool {
        var j = index + 1
        while j < tokens.count, tokens[j].kind == .whitespace || tokens[j].kind == .comment { j += 1 }
        if j < tokens.count, tokens[j].isSymbol("||") { return true }
        j = index - 1
        while j >= 0, tokens[j].kind == .whitespace || tokens[j].kind == .comment { j -= 1 }
        return j >= 0 && tokens[j].isSymbol("||")
    }
}
