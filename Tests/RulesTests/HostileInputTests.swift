import Testing
@testable import Rules

/// Hostile SQL and payloads give errors or Undefined — never a crash, trap or stack overflow.
@Suite struct HostileInputTests {
    @Test func deeplyNestedParenthesesAreAnError() throws {
        let sql = "SELECT " + String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000) + " FROM 'x'"
        let (_, message) = try #require(syntaxError(sql))
        #expect(message.contains("nested too deeply"))
    }

    @Test func deeplyNestedUnaryAndNotAreAnError() throws {
        #expect(syntaxError("SELECT " + String(repeating: "-", count: 50_000) + "1 FROM 'x'")?.1.contains("nested too deeply") == true)
        #expect(syntaxError("SELECT " + String(repeating: "NOT ", count: 50_000) + "true FROM 'x'")?.1.contains("nested too deeply") == true)
        #expect(syntaxError("SELECT " + String(repeating: "[", count: 50_000) + " FROM 'x'")?.1.contains("nested too deeply") == true)
    }

    @Test func longOperatorChainsAreAnError() throws {
        let chain = Array(repeating: "a", count: 20_000).joined(separator: " + ")
        #expect(syntaxError("SELECT \(chain) FROM 'x'")?.1.contains("too long a chain") == true)
        let path = Array(repeating: "a", count: 20_000).joined(separator: ".")
        #expect(syntaxError("SELECT \(path) FROM 'x'")?.1.contains("too long a chain") == true)
    }

    @Test func moderateNestingStillWorks() throws {
        let sql = "SELECT VALUE " + String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100) + " FROM 'x'"
        #expect(try run(sql, topic: "x", payload: "{}") == "1")
    }

    @Test func hugeNumbers() throws {
        #expect(try value("99999999999999999999999999999999999999999999 > 1") == "true")
        #expect(try value("1e400 > 1") == "true")
        #expect(try value("-1e400 < 1") == "true")
        #expect(try value("1e-400 > 0") == "false")
        #expect(try value("a", payload: #"{"a":1e400}"#) == "1e400")
        #expect(try value("a * a", payload: #"{"a":1e100}"#) == "Undefined" || true)  // must not trap
        #expect(try value("round(1e100)").hasPrefix("1"))
        #expect(try value("cast(1e30 as Int)") == "Undefined")
        #expect(try value("bitand(1e30, 1)") == "Undefined")
        #expect(try value("lpad('a', 1e30)").count == 1003)
        #expect(try value("substring('abc', 1e30)") == "\"\"")
        #expect(try value("chr(1e30)") == "Undefined")
    }

    @Test func deepPayloadIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: RulesError.self) { try JSONParser.parse(deep) }
        // As a message it is simply not JSON: a binary payload.
        #expect(try run("SELECT VALUE isUndefined(a) FROM 'x'", topic: "x", payload: deep) == "true")
    }

    @Test(arguments: ["'\\x'", "'\\u12'", "'\\uD800'", "'abc", "\"abc", "`abc", "``", "1e+"])
    func badLiteralsAreSyntaxErrors(_ literal: String) {
        #expect(syntaxError("SELECT \(literal) FROM 'x'") != nil)
    }

    @Test func controlCharactersAndUnicodeSurviveRoundTrip() throws {
        #expect(try value("'a\\u0001b\\n'") == #""a\u0001b\n""#)
        #expect(try value("'π€😀'") == "\"π€😀\"")
        #expect(try value("length('😀')") == "2")
        #expect(try value("'\\uD83D\\uDE00'") == "\"😀\"")
        #expect(syntaxError("SELECT '\\uD83Dx' FROM 'x'") != nil)
    }
}
