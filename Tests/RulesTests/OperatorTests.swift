import Testing
@testable import Rules

/// The operator tables of the AWS IoT developer guide, "Operators" (developerguide/iot-sql-operators.md),
/// and the conversions of "Data types".
@Suite struct OperatorTests {
    /// (expression, expected) — one row per table line.
    static let arithmetic: [(String, String)] = [
        // + : String with anything concatenates; Int+Int is Int; any Decimal makes a Decimal.
        ("\"5\" + 1", "\"51\""), ("1 + \"5\"", "\"15\""), ("'a' + true", "\"atrue\""), ("'a' + [1]", "\"a[1]\""),
        ("'a' + null", "Undefined"), ("'a' + nothere", "Undefined"),
        ("1 + 2", "3"), ("1 + 2.5", "3.5"), ("1.5 + 1.5", "3.0"), ("0.1 + 0.2", "0.3"),
        ("true + 1", "Undefined"), ("null + 1", "Undefined"), ("[1] + 1", "Undefined"),
        // - * / : numeric strings convert to Decimal.
        ("5 - 2", "3"), ("5 - 2.0", "3.0"), ("'5' - 2", "3"), ("'x' - 2", "Undefined"), ("true - 1", "Undefined"),
        ("3 * 4", "12"), ("3 * 1.5", "4.5"), ("'3' * '2'", "6"),
        ("7 / 2", "3"), ("-7 / 2", "-3"), ("7 / 2.0", "3.5"), ("7.0 / 2", "3.5"), ("'7' / 2", "3.5"),
        ("1 / 0", "Undefined"), ("1.0 / 0", "Undefined"), ("1 / 3.0", "0.3333333333333333333333333333333333"),
        // % : Int%Int is Int with the dividend's sign; otherwise Decimal.
        ("8 % 3", "2"), ("-8 % 3", "-2"), ("8.5 % 3", "2.5"), ("'8' % 3", "2"), ("8 % 0", "Undefined"),
        // Overflow leaves Int for Decimal rather than trapping.
        ("9223372036854775807 + 1", "9223372036854775808"), ("-9223372036854775808 - 1", "-9223372036854775809"),
        ("9223372036854775807 * 2", "18446744073709551614"), ("-(-9223372036854775808)", "9223372036854775808"),
        ("-9223372036854775808 / -1", "9223372036854775808"), ("-9223372036854775808 % -1", "0"),
    ]

    @Test(arguments: arithmetic)
    func arithmeticTable(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == expected)
    }

    static let comparisons: [(String, String)] = [
        // > >= < <= : both sides converted to Decimal; anything else Undefined.
        ("2 > 1", "true"), ("2 > 1.5", "true"), ("'10' > 9", "true"), ("'10' > '9'", "true"), ("1.0 >= 1", "true"),
        ("'abc' > 1", "Undefined"), ("true > false", "Undefined"), ("null < 1", "Undefined"), ("nothere < 1", "Undefined"),
        ("[1] < [2]", "Undefined"),
        // = and <> : mismatched types are unequal, Undefined propagates, Int and Decimal compare numerically.
        ("1 = 1.0", "true"), ("1 = '1'", "false"), ("1 <> '1'", "true"), ("'a' = 'a'", "true"), ("null = null", "true"),
        ("null <> null", "false"), ("[1,2] = [1,2]", "true"), ("[1,2] = [2,1]", "false"), ("[1,2] <> [2,1]", "true"),
        ("{'a':1,'b':2} = {'b':2,'a':1}", "true"), ("{'a':1} = {'a':1.0}", "true"), ("true = 'true'", "false"),
        ("nothere = 1", "Undefined"), ("1 <> nothere", "Undefined"), ("1 != 2", "true"),
        // AND OR NOT : Booleans or "true"/"false" strings; anything else Undefined.
        ("true AND true", "true"), ("true AND 'FALSE'", "false"), ("'true' OR false", "true"), ("NOT 'false'", "true"),
        ("NOT true", "false"), ("true AND 1", "Undefined"), ("false OR nothere", "Undefined"), ("NOT 1", "Undefined"),
        ("NOT null", "Undefined"), ("true and not false", "true"),
    ]

    @Test(arguments: comparisons)
    func comparisonTable(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == expected)
    }

    static let precedence: [(String, String)] = [
        ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("10 - 2 - 3", "5"), ("2 * 3 % 4", "2"), ("-2 * 3", "-6"),
        ("1 + 1 = 2 AND 2 > 1 OR false", "true"), ("NOT 1 = 2", "true"), ("- - 3", "3"),
    ]

    @Test(arguments: precedence)
    func precedenceTable(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == expected)
    }

    /// Undefined propagation: a missing key is Undefined, Undefined is omitted from objects, and a
    /// WHERE that is Undefined does not fire.
    @Test func undefinedPropagation() throws {
        let payload = #"{"foo":null,"a":{"b":[10,{"c":"deep"}]}}"#
        #expect(try value("foo", payload: payload) == "null")
        #expect(try value("bar", payload: payload) == "Undefined")
        #expect(try value("bar.baz.qux", payload: payload) == "Undefined")
        #expect(try value("a.b[0]", payload: payload) == "10")
        #expect(try value("a.b[1].c", payload: payload) == "\"deep\"")
        #expect(try value("a.b[2]", payload: payload) == "Undefined")
        #expect(try value("a.b[-1]", payload: payload) == "Undefined")
        #expect(try value("a['b'][0]", payload: payload) == "10")
        #expect(try value("upper(bar)", payload: payload) == "Undefined")
        #expect(try value("[1, bar, 2]", payload: payload) == "[1,2]")
        #expect(try value("{'x': bar, 'y': 1}", payload: payload) == #"{"y":1}"#)
        #expect(try run("SELECT foo, bar, a.b[0] AS first FROM 't'", topic: "t", payload: payload) == #"{"foo":null,"first":10}"#)
        #expect(try run("SELECT * FROM 't' WHERE bar > 1", topic: "t", payload: payload) == "null")
        #expect(try run("SELECT * FROM 't' WHERE 'true'", topic: "t", payload: "{}") == "{}")
        #expect(try run("SELECT * FROM 't' WHERE 1", topic: "t", payload: "{}") == "null")
    }

    /// Payload numbers keep their text and their type: 1.0 is a Decimal, 1 an Int.
    @Test func decimalVersusInt() throws {
        #expect(try value("a", payload: #"{"a":1.0}"#) == "1.0")
        #expect(try value("a / 4", payload: #"{"a":10.0}"#) == "2.5")
        #expect(try value("a / 4", payload: #"{"a":10}"#) == "2")
        #expect(try value("a", payload: #"{"a":1.50}"#) == "1.50")
        #expect(try value("a + 0", payload: #"{"a":1.50}"#) == "1.50")
        #expect(try value("a", payload: #"{"a":1e3}"#) == "1e3")
        #expect(try value("a * 1", payload: #"{"a":1e3}"#) == "1000")
        #expect(try value("isNumber(a)", payload: #"{"a":12345678901234567890123}"#) == "true")
        #expect(try value("a", payload: #"{"a":12345678901234567890123}"#) == "12345678901234567890123")
    }

    /// Decimal results carry Java BigDecimal scales (AWS runs on the JVM; "trunc" documents that
    /// trailing zeros are otherwise kept).
    @Test(arguments: [
        ("1.50 + 1", "2.50"), ("1.5 * 1.5", "2.25"), ("1.10 * 2", "2.20"), ("2.5 - 0.5", "2.0"), ("10 / 4.0", "2.5"),
        ("9.0 / 3", "3.0"), ("6 / 2.0", "3"), ("1 / 8.0", "0.125"), ("-1.50", "-1.50"), ("'1.50' + 0.0", "\"1.500.0\""),
        ("'1.50' - 0", "1.50"), ("7.5 % 2", "1.5"), ("cast(true as Decimal)", "1.0"),
    ])
    func decimalScales(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == expected)
    }

    @Test func searchedCaseExtension() throws {
        #expect(try value("CASE WHEN t > 30 THEN 'hot' WHEN t > 10 THEN 'mild' ELSE 'cold' END", payload: #"{"t":20}"#) == "\"mild\"")
        #expect(try value("CASE WHEN t > 30 THEN 'hot' END", payload: #"{"t":20}"#) == "Undefined")
        #expect(try value("CASE t WHEN 20.0 THEN 'twenty' END", payload: #"{"t":20}"#) == "\"twenty\"")
    }
}
