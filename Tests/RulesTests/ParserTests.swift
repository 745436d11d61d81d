import Testing
@testable import Rules

/// Syntax errors say where (line:column) and what was expected.
@Suite struct ParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var sql: String
        var line: Int
        var column: Int
        var mentions: String
        var testDescription: String { sql }
    }

    static let cases: [Case] = [
        Case(sql: "SELECT * FROM 'a/b' WHERE", line: 1, column: 26, mentions: "expected an expression"),
        Case(sql: "SELECT FROM 'a/b'", line: 1, column: 8, mentions: "expected an expression or '*'"),
        Case(sql: "SELECT a FROM a/b", line: 1, column: 15, mentions: "quoted topic filter"),
        Case(sql: "SELECT a, FROM 'x'", line: 1, column: 11, mentions: "expected an expression"),
        Case(sql: "SELECT a b FROM 'x'", line: 1, column: 10, mentions: "expected ',' or FROM"),
        Case(sql: "SELECT (a + 1 FROM 'x'", line: 1, column: 15, mentions: "expected ')'"),
        Case(sql: "SELECT a FROM 'x'\nWHERE b = 'unterminated", line: 2, column: 11, mentions: "unterminated string"),
        Case(sql: "SELECT a FROM 'x'\n  WHERE b = 'a\\qb'", line: 2, column: 15, mentions: "invalid escape '\\q'"),
        Case(sql: "SELECT 'bad \\u12' FROM 'x'", line: 1, column: 13, mentions: "\\u escape"),
        Case(sql: "SELECT a FROM 'x' WHERE a == 1", line: 1, column: 28, mentions: "expected an expression"),
        Case(sql: "SELECT nosuch(1) FROM 'x'", line: 1, column: 8, mentions: "unknown function 'nosuch'"),
        Case(sql: "SELECT cast(a AS Float) FROM 'x'", line: 1, column: 18, mentions: "unknown cast type"),
        Case(sql: "SELECT CASE a WHEN 1 THEN 2 FROM 'x'", line: 1, column: 29, mentions: "WHEN, ELSE or END"),
        Case(sql: "SELECT a FROM 'x/#/y'", line: 1, column: 15, mentions: "'#' must be the last level"),
        Case(sql: "SELECT a FROM 'x/a+'", line: 1, column: 15, mentions: "whole level"),
        Case(sql: "SELECT a FROM 'x' extra", line: 1, column: 19, mentions: "WHERE or end of statement"),
        Case(sql: "SELECT a FROM 'x' WHERE a > 1 b", line: 1, column: 31, mentions: "an operator or end of statement"),
        Case(sql: "SELECT a # b FROM 'x'", line: 1, column: 10, mentions: "unexpected character '#'"),
        Case(sql: "SELECT 1e FROM 'x'", line: 1, column: 9, mentions: "exponent"),
        Case(sql: "SELECT a.1 FROM 'x'", line: 1, column: 10, mentions: "a name after '.'"),
        Case(sql: "SELECT VALUE a, b FROM 'x'", line: 1, column: 19, mentions: "exactly one expression"),
        Case(sql: "SELECT a AS FROM 'x'", line: 1, column: 13, mentions: "a name after AS"),
        Case(sql: "", line: 1, column: 1, mentions: "expected SELECT"),
    ]

    @Test(arguments: cases)
    func errorPosition(_ c: Case) throws {
        let (location, message) = try #require(syntaxError(c.sql))
        #expect(location == Rules.SourceLocation(line: c.line, column: c.column), "\(message)")
        #expect(message.contains(c.mentions), "\(message)")
    }

    @Test func keywordsAreCaseInsensitiveAndNamesAreNot() throws {
        #expect(try run("select Temp as t from 'a' where Temp > 1", topic: "a", payload: #"{"Temp":2,"temp":0}"#) == #"{"t":2}"#)
    }

    @Test func quotedNamesAndStringsOfBothKinds() throws {
        #expect(try run("SELECT `temp-c` AS t, \"dq\" AS d, 'it''s' AS s FROM 'a'", topic: "a", payload: #"{"temp-c":5}"#)
                == #"{"t":5,"d":"dq","s":"it's"}"#)
    }

    @Test func unaliasedExpressionsGetPositionalNames() throws {
        #expect(try run("SELECT a.b, upper(c), 1 + 1 FROM 'a'", topic: "a", payload: #"{"a":{"b":1},"c":"x"}"#)
                == #"{"b":1,"_2":"X","_3":2}"#)
    }
}
