import Testing
import TextPrimitives

@Suite struct JSONEscapingTests {
    /// RFC 8259 §7: `"`, `\` and U+0000…U+001F must be escaped; the two-character forms are
    /// \" \\ \b \f \n \r \t, the rest \u00XX (written here with lower-case hex).
    @Test(arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("a\"b", #""a\"b""#),
        ("a\\b", #""a\\b""#),
        ("\n", #""\n""#),
        ("\r", #""\r""#),
        ("\t", #""\t""#),
        ("\u{08}", #""\b""#),
        ("\u{0C}", #""\f""#),
        ("\u{00}", #""\u0000""#),
        ("\u{01}", #""\u0001""#),
        ("\u{0B}", #""\u000b""#),
        ("\u{1B}", #""\u001b""#),
        ("\u{1F}", #""\u001f""#),
        ("x\u{1F}y\"z\\", #""x\u001fy\"z\\""#),
        // Not escaped: solidus, DEL, space, non-ASCII, U+2028/U+2029, astral characters.
        ("a/b", #""a/b""#),
        ("\u{7F}", "\"\u{7F}\""),
        (" ", "\" \""),
        ("Zürich €", "\"Zürich €\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        ("🦜 lorikeet", "\"🦜 lorikeet\""),
        ("é\n😀", "\"é\\n😀\""),
    ])
    func vectors(input: String, expected: String) {
        #expect(JSONEscaping.quoted(input) == expected)
        var s = "prefix:"
        JSONEscaping.appendQuoted(input, to: &s)
        #expect(s == "prefix:" + expected)
        var bytes = Array("prefix:".utf8)
        JSONEscaping.appendQuoted(input, to: &bytes)
        #expect(bytes == Array(("prefix:" + expected).utf8))
    }

    /// Every control character: the five short forms, and \u00XX for the others.
    @Test func everyControlCharacter() {
        let short: [UInt32: String] = [0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"]
        for v in UInt32(0)..<0x20 {
            let input = String(Character(Unicode.Scalar(v)!))
            let hex = String(v, radix: 16)
            let long = "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            #expect(JSONEscaping.quoted(input) == "\"" + (short[v] ?? long) + "\"")
            var bytes: [UInt8] = []
            JSONEscaping.appendQuoted(input, to: &bytes)
            #expect(bytes == Array(("\"" + (short[v] ?? long) + "\"").utf8))
            // The long-form variant changes only backspace and form feed.
            let longBF = (v == 0x08 || v == 0x0C) ? long : (short[v] ?? long)
            #expect(JSONEscaping.quoted(input, shortBackspaceAndFormFeed: false) == "\"" + longBF + "\"")
        }
        #expect(!JSONEscaping.needsEscaping(" ~/\u{7F}é"))
        #expect(JSONEscaping.needsEscaping("a\u{1F}"))
    }

    @Test func longStringWithoutEscapes() {
        let long = String(repeating: "abcdefghij-0123456789/é", count: 5_000)
        #expect(!JSONEscaping.needsEscaping(long))
        #expect(JSONEscaping.quoted(long) == "\"" + long + "\"")
        var bytes: [UInt8] = []
        JSONEscaping.appendQuoted(long, to: &bytes)
        #expect(bytes == Array(("\"" + long + "\"").utf8))
    }

    @Test func longStringWithEscapesAtBothEnds() {
        let middle = String(repeating: "x", count: 10_000)
        let input = "\"" + middle + "\n"
        let expected = "\"\\\"" + middle + "\\n\""
        #expect(JSONEscaping.quoted(input) == expected)
        var bytes: [UInt8] = []
        JSONEscaping.appendQuoted(input, to: &bytes)
        #expect(bytes == Array(expected.utf8))
    }

    /// A string that is not stored as native UTF-8 (bridged from a Substring) still escapes right.
    @Test func substringInput() {
        let s = "ab\"cd"
        let sub = String(s.dropFirst())
        #expect(JSONEscaping.quoted(sub) == #""b\"cd""#)
    }
}
