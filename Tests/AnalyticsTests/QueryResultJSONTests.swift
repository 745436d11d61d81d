import SQLite
import Testing
@testable import Analytics

/// `lorikeet query --format json` escapes strings as it always has: RFC 8259 §7 escapes, with
/// U+0008 and U+000C in the long `\u00xx` form rather than `\b` and `\f`.
@Suite struct QueryResultJSONTests {
    @Test func textCellsAndColumnNamesAreEscaped() {
        let result = QueryResult(columns: ["na\"me"],
                                 timeColumns: [],
                                 rows: [[.text("a\u{08}b\u{0C}c\n\t\r\\\u{1F}é/")]],
                                 path: "sqlite")
        #expect(result.render(.json) == #"[{"na\"me":"a\u0008b\u000cc\n\t\r\\\u001fé/"}]"# + "\n")
    }
}
