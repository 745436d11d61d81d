import Testing
@testable import Rules

/// Examples from the AWS IoT developer guide, "Functions" (developerguide/iot-sql-functions.md),
/// each named by its function's section; plus the argument-type tables where the examples are silent.
@Suite struct FunctionTests {
    static let documented: [(String, String)] = [
        ("abs(-5)", "5"), ("abs(\"-5.123\")", "5.123"), ("abs(-5.5)", "5.5"), ("abs(-5.10)", "5.10"),
        ("acos(0)", "1.5707963267948966"), ("asin(0)", "0.0"), ("atan(0)", "0.0"), ("atan2(1, 0)", "1.5707963267948966"),
        ("bitand(13, 5)", "5"), ("bitor(8, 5)", "13"), ("bitxor(13, 5)", "8"), ("bitnot(13)", "-14"),
        ("cast(true as Int)", "1"), ("ceil(1.2)", "2"), ("ceil(-1.2)", "-1"), ("chr(65)", "\"A\""), ("chr(49)", "\"1\""),
        ("concat()", "Undefined"), ("concat(1)", "1"), ("concat([1, 2, 3], 4)", "[1,2,3,4]"),
        ("concat([1, 2, 3], \"hello\")", "[1,2,3,\"hello\"]"), ("concat(\"con\", \"cat\")", "\"concat\""),
        ("concat(1, \"hello\")", "\"1hello\""), ("concat(\"he\",\"is\",\"man\")", "\"heisman\""),
        ("concat([1, 2, 3], \"hello\", [4, 5, 6])", "[1,2,3,\"hello\",4,5,6]"),
        ("cos(0)", "1.0"), ("cosh(2.3)", "5.037220649268761"), ("endswith(\"cat\",\"at\")", "true"),
        ("floor(1.2)", "1"), ("floor(-1.2)", "-2"),
        ("get([\"a\", \"b\", \"c\"], 1)", "\"b\""), ("get({\"a\":\"b\"}, \"a\")", "\"b\""), ("get(\"abc\", 1)", "\"b\""),
        ("indexof(\"abcd\", \"bc\")", "1"), ("isNull(5)", "false"), ("isNull(Null)", "true"),
        ("isUndefined(5)", "false"), ("isUndefined(floor([1,2,3]))", "true"),
        ("length(\"hi\")", "2"), ("length(false)", "5"), ("log(100)", "2.0"),
        ("lower(\"HELLO\")", "\"hello\""), ("lower([\"HELLO\"])", #""[\"hello\"]""#),
        ("lpad(\"hello\", 2)", "\"  hello\""), ("lpad(1, 3)", "\"   1\""), ("ltrim(\" h i \")", "\"h i \""),
        ("mod(8, 3)", "2"), ("nanvl(8, 3)", "8"), ("numbytes(\"hi\")", "2"), ("numbytes(\"€\")", "3"),
        ("power(2, 5)", "32.0"), ("regexp_matches(\"aaaa\", \"a{2,}\")", "true"), ("regexp_matches(\"aaaa\", \"b\")", "false"),
        ("regexp_replace(\"abcd\", \"bc\", \"x\")", "\"axd\""), ("regexp_replace(\"abcd\", \"b(.*)d\", \"$1\")", "\"ac\""),
        ("regexp_substr(\"hihihello\", \"hi\")", "\"hi\""), ("regexp_substr(\"hihihello\", \"(hi)*\")", "\"hihi\""),
        ("remainder(8, 3)", "2"), ("replace(\"abcd\", \"bc\", \"x\")", "\"axd\""), ("replace(\"abcdabcd\", \"b\", \"x\")", "\"axcdaxcd\""),
        ("rpad(\"hello\", 2)", "\"hello  \""), ("rpad(1, 3)", "\"1   \""),
        ("round(1.2)", "1"), ("round(1.5)", "2"), ("round(1.7)", "2"), ("round(-1.1)", "-1"), ("round(-1.5)", "-2"),
        ("rtrim(\" h i \")", "\" h i\""), ("sign(-7)", "-1"), ("sign(0)", "0"), ("sign(13)", "1"),
        ("sin(0)", "0.0"), ("sinh(2.3)", "4.936961805545957"),
        ("substring(\"012345\", 0)", "\"012345\""), ("substring(\"012345\", 2)", "\"2345\""),
        ("substring(\"012345\", 2.745)", "\"2345\""), ("substring(123, 2)", "\"3\""), ("substring(\"012345\", -1)", "\"012345\""),
        ("substring(true, 1.2)", "\"rue\""), ("substring(false, -2.411E247)", "\"false\""),
        ("substring(\"012345\", 1, 3)", "\"12\""), ("substring(\"012345\", -50, 50)", "\"012345\""), ("substring(\"012345\", 3, 1)", "\"\""),
        ("sql_version()", "\"2016-03-23\""), ("sqrt(9)", "3.0"), ("startswith(\"ranger\",\"ran\")", "true"),
        ("tan(3)", "-0.1425465430742778"), ("tanh(2.3)", "0.9800963962661914"),
        ("timestamp()", "1481825251155"), ("trim(\" hi \")", "\"hi\""),
        ("trunc(2.3, 0)", "2"), ("trunc(2.3123, 2)", "2.31"), ("trunc(2.888, 2)", "2.88"), ("trunc(2.00, 5)", "2"),
        ("upper(\"hello\")", "\"HELLO\""), ("upper([\"hello\"])", #""[\"HELLO\"]""#),
        ("clientid()", "\"c1\""), ("exp(0)", "1.0"), ("ln(1)", "0.0"),
    ]

    @Test(arguments: documented)
    func documentedExample(_ expression: String, _ expected: String) throws {
        #expect(try value(expression) == expected)
    }

    /// "topic(Decimal)": for things/myThings/thingOne.
    @Test func topicSegments() throws {
        #expect(try value("topic()", topic: "things/myThings/thingOne") == "\"things/myThings/thingOne\"")
        #expect(try value("topic(1)", topic: "things/myThings/thingOne") == "\"things\"")
        #expect(try value("topic(3)", topic: "things/myThings/thingOne") == "\"thingOne\"")
        #expect(try value("topic(4)", topic: "things/myThings/thingOne") == "Undefined")
        #expect(try value("topic(0)", topic: "things/myThings/thingOne") == "Undefined")
    }

    /// Argument-type tables: Boolean, Array, Object, Null and Undefined arguments of numeric functions
    /// are Undefined; unconvertible strings too.
    @Test(arguments: ["abs", "ceil", "floor", "round", "sign", "sqrt", "ln", "log", "cos", "bitnot"])
    func numericFunctionsRejectNonNumbers(_ f: String) throws {
        for arg in ["true", "[1]", "{'a':1}", "null", "nothere", "'abc'", "'1.'", "' 1'"] {
            #expect(try value("\(f)(\(arg))") == "Undefined", "\(f)(\(arg))")
        }
    }

    @Test func wrongArgumentCountIsUndefined() throws {
        #expect(try value("abs(1, 2)") == "Undefined")
        #expect(try value("substring('a')") == "Undefined")
        #expect(try value("upper()") == "Undefined")
    }

    @Test func castTables() throws {
        // "Cast to decimal", "Cast to int", "Cast to Boolean", "Cast to string".
        #expect(try value("cast(1 as Decimal)") == "1")  // "A Decimal with no decimal point."
        #expect(try value("isNumber(cast(1 as Decimal)) AND cast(1 as Decimal) / 4 = 0.25") == "true")
        #expect(try value("cast(true as Decimal)") == "1.0")
        #expect(try value("cast('-1.2' as Decimal)") == "-1.2")
        #expect(try value("cast('5E-12' as Decimal)") == "0.000000000005")
        #expect(try value("cast(null as Decimal)") == "Undefined")
        #expect(try value("cast(2.7 as Int)") == "2")
        #expect(try value("cast(-2.7 as Int)") == "-3")
        #expect(try value("cast('9.9' as Int)") == "9")
        #expect(try value("cast(false as Integer)") == "0")
        #expect(try value("cast(0 as Boolean)") == "false")
        #expect(try value("cast(0.5 as Bool)") == "true")
        #expect(try value("cast('TRUE' as Boolean)") == "true")
        #expect(try value("cast('yes' as Boolean)") == "Undefined")
        #expect(try value("cast(1.50 as String)") == "\"1.50\"")
        #expect(try value("cast([1,'a'] as String)") == #""[1,\"a\"]""#)
        #expect(try value("cast(null as String)") == "Undefined")
        #expect(try value("cast(1 as Double)") == "1.0")
    }

    @Test func typePredicates() throws {
        #expect(try value("isString('a')") == "true")
        #expect(try value("isNumber(1.5)") == "true")
        #expect(try value("isNumber('1')") == "false")
        #expect(try value("isBoolean(false)") == "true")
        #expect(try value("isArray([])") == "true")
        #expect(try value("isObject({})") == "true")
        #expect(try value("isUndefined(nothere)") == "true")
        #expect(try value("isNull(nothere)") == "false")
    }

    @Test func regexFunctionsWithBadPatternsAreUndefined() throws {
        #expect(try value("regexp_matches('abc', '(')") == "Undefined")
        #expect(try value("regexp_replace('abc', p, 'x')", payload: #"{"p":"["}"#) == "Undefined")
        #expect(try value("regexp_matches(null, 'a')") == "Undefined")
        #expect(try value("regexp_substr('abc', 'z')") == "Undefined")
    }

    @Test func encodeAndDecode() throws {
        #expect(try value("encode('hello', 'base64')") == "\"aGVsbG8=\"")
        #expect(try value("decode('aGVsbG8=', 'base64')") == "\"hello\"")
        #expect(try value("decode('!!!', 'base64')") == "null")
        #expect(try value("encode('x', 'hex')") == "Undefined")
    }

    @Test func newuuidIsAUUID() throws {
        let s = try value("newuuid()")
        #expect(s.count == 38)
        #expect(s.filter { $0 == "-" }.count == 4)
        #expect(try value("newuuid()") != s)
    }

    @Test func nanvlWithUndefinedAndNull() throws {
        #expect(try value("nanvl(nothere, 3)") == "3")
        #expect(try value("nanvl(null, 'x')") == "\"x\"")
    }
}

/// "parse_time" and "time_to_epoch" examples (developerguide/iot-sql-functions.md).
@Suite struct DateFunctionTests {
    @Test func parseTimeExamples() throws {
        #expect(try value(#"parse_time("yyyy.MM.dd G 'at' HH:mm:ss z", 100000000, "America/Belize")"#)
                == "\"1970.01.01 AD at 21:46:40 CST\"")
        #expect(try value(#"parse_time("yyyy", timestamp(), "UTC")"#) == "\"2016\"")
        #expect(try value(#"parse_time("yyyy-MM-dd", 0)"#) == "\"1970-01-01\"")
        #expect(try value(#"parse_time("yyyy", 0, "Not/AZone")"#) == "Undefined")
    }

    @Test func timeToEpochExamples() throws {
        #expect(try value(#"time_to_epoch("2020-04-03 09:45:18 UTC+01:00", "yyyy-MM-dd HH:mm:ss VV")"#) == "1585903518000")
        #expect(try value(#"time_to_epoch("18 December 2015", "dd MMMM yyyy")"#) == "1450396800000")
        #expect(try value(#"time_to_epoch("2007-12-03 10:15:30.592 America/Los_Angeles", "yyyy-MM-dd HH:mm:ss.SSS z")"#)
                == "1196705730592")
        #expect(try value(#"time_to_epoch("garbage", "yyyy")"#) == "Undefined")
    }
}
