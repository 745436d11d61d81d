import Testing
import SQLite

@Suite struct ConnectionTests {
    @Test func insertsAndReadsEveryType() throws {
        let db = try Connection(path: ":memory:")
        try db.execute("CREATE TABLE t(i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let insert = try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        try insert.run([.integer(42), .real(2.5), .text("héllo"), .blob([0, 1, 255]), .null])
        try insert.run([.integer(-1), .real(-0.25), .text(""), .blob([]), .null])
        let rows = try db.prepare("SELECT * FROM t ORDER BY i").rows()
        #expect(rows == [
            [.integer(-1), .real(-0.25), .text(""), .blob([]), .null],
            [.integer(42), .real(2.5), .text("héllo"), .blob([0, 1, 255]), .null],
        ])
    }

    @Test func syntaxErrorNamesTheToken() throws {
        let db = try Connection(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
        #expect(error?.message.contains("SELEC") == true)
    }

    @Test func refusesASecondStatement() throws {
        let db = try Connection(path: ":memory:")
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; DROP TABLE x") }
        #expect(try db.prepare("SELECT 1; ").rows() == [[.integer(1)]])
    }

    @Test func transactionRollsBackOnError() throws {
        struct Boom: Error {}
        let db = try Connection(path: ":memory:")
        try db.execute("CREATE TABLE t(x)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.prepare("SELECT count(*) FROM t").rows() == [[.integer(0)]])
    }
}
