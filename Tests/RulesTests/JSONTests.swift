import Testing
@testable import Rules

@Suite struct JSONTests {
    /// RFC 8259 §6 numbers; AWS "Data types": Int vs Decimal.
    @Test func numbersKeepTypeAndText() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("1.0").jsonText == "1.0")
        #expect(try JSONParser.parse("-0.50").jsonText == "-0.50")
        #expect(try JSONParser.parse("2E-3").jsonText == "2E-3")
        #expect(try JSONParser.parse("9223372036854775808").jsonText == "9223372036854775808")
        if case .decimal(let d) = try JSONParser.parse("0.123456789012345678901234567890") {
            #expect(d.value.description == "0.12345678901234567890123456789")
        } else {
            Issue.record("expected a decimal")
        }
    }

    @Test(arguments: ["", "01", "1.", ".5", "+1", "1e", "--1", "[1,]", "{\"a\" 1}", "{a:1}", "\"\\x\"", "\"a", "[", "nul",
                      "tru", "\"\u{1}\"", "1 2", "{\"a\":1,}", "\"\\ud800\"", "\"\\udc00x\""])
    func rejectsMalformed(_ text: String) {
        #expect(throws: RulesError.self) { try JSONParser.parse(text) }
    }

    @Test func invalidUTF8IsNotJSON() throws {
        #expect(throws: RulesError.self) { try JSONParser.parse(bytes: [0x22, 0xFF, 0x22]) }
        #expect(throws: RulesError.self) { try JSONParser.parse(bytes: [0x22, 0x5C, 0x6E, 0xC3, 0x22]) }
        #expect(Payload(bytes: [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) == .binary([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]))
    }

    @Test func errorsSayWhere() {
        #expect(throws: RulesError.invalidJSON(offset: 6, message: "expected ',' or ']'")) { try JSONParser.parse("[1, 2 3]") }
    }

    @Test func roundTripsAndEscapes() throws {
        let text = #"{"s":"a\"b\\c\n\u0007é","a":[true,false,null,{}],"n":-12,"d":3.25}"#
        let v = try JSONParser.parse(text)
        #expect(v.jsonText == #"{"s":"a\"b\\c\n\u0007é","a":[true,false,null,{}],"n":-12,"d":3.25}"#)
        #expect(try JSONParser.parse(v.jsonText) == v)
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#).jsonText == #"{"a":3,"b":2}"#)
    }
}

@Suite struct TopicFilterTests {
    /// MQTT 3.1.1 §4.7.1 examples and §4.7.2 ($-topics).
    static let matches: [(String, String, Bool)] = [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true), ("#", "anything/at/all", true),
        ("sport/tennis/+", "sport/tennis/player1", true), ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false), ("sport/+", "sport/", true), ("+/+", "/finance", true), ("/+", "/finance", true),
        ("+", "/finance", false), ("a/b", "a/b", true), ("a/b", "a/B", false), ("a/b", "a/b/c", false),
        ("#", "$SYS/x", false), ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true), ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("application/+/device/+/event/up", "application/1/device/0004a30b001c0530/event/up", true),
    ]

    @Test(arguments: matches)
    func matching(_ filter: String, _ topic: String, _ expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test(arguments: ["", "a/#/b", "a/b#", "a+/b", "#/a", "a/\u{0}"])
    func rejectsInvalid(_ filter: String) {
        #expect(throws: RulesError.self) { try TopicFilter(filter) }
    }
}
