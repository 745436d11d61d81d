/// A token of rule SQL.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: keyword or name (keywords are recognised case-insensitively by the parser).
        case word(String)
        /// A name in backticks, never a keyword (`` `temp-c` ``). A Lorikeet extension.
        case quotedName(String)
        /// A string literal in single or double quotes.
        case string(String)
        case int(Int64)
        case decimal(SQLDecimal)
        case symbol(String)
        case end
    }

    var kind: Kind
    var location: SourceLocation

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .word(let w): "'\(w)'"
        case .quotedName(let n): "`\(n)`"
        case .string(let s): "string '\(s.prefix(20))'"
        case .int(let i): "number \(i)"
        case .decimal(let d): "number \(d.jsonText)"
        case .symbol(let s): "'\(s)'"
        case .end: "end of input"
        }
    }

    func isWord(_ keyword: String) -> Bool {
        if case .word(let w) = kind { return w.count == keyword.count && w.uppercased() == keyword }
        return false
    }

    func isSymbol(_ s: String) -> Bool {
        if case .symbol(let x) = kind { return x == s }
        return false
    }
}

/// Splits rule SQL into tokens, tracking line and column; malformed literals are syntax errors at
/// the offending character.
struct Lexer {
    let scalars: [Unicode.Scalar]
    var index = 0
    var line = 1
    var column = 1

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    static func tokenize(_ text: String) throws(RulesError) -> [Token] {
        var lexer = Lexer(text)
        var tokens: [Token] = []
        while true {
            let t = try lexer.next()
            tokens.append(t)
            if t.kind == .end { return tokens }
        }
    }

    var location: SourceLocation { SourceLocation(line: line, column: column) }

    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" { line += 1; column = 1 } else { column += 1 }
        index += 1
    }

    func fail(_ message: String, at location: SourceLocation) -> RulesError {
        .syntax(location: location, message: message)
    }

    static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return c >= "0" && c <= "9"
    }

    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "$" || c.properties.isAlphabetic
    }

    static func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        isNameStart(c) || isDigit(c)
    }

    mutating func next() throws(RulesError) -> Token {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { advance() }
        let start = location
        guard let c = peek() else { return Token(kind: .end, location: start) }

        if Lexer.isNameStart(c) {
            var word = String.UnicodeScalarView()
            while let d = peek(), Lexer.isNameContinue(d) { word.append(d); advance() }
            return Token(kind: .word(String(word)), location: start)
        }
        if Lexer.isDigit(c) { return try number(start) }
        if c == "'" || c == "\"" { return Token(kind: .string(try string(quote: c)), location: start) }
        if c == "`" {
            advance()
            var name = String.UnicodeScalarView()
            while let d = peek(), d != "`" {
                if d == "\n" { break }
                name.append(d)
                advance()
            }
            guard peek() == "`" else { throw fail("unterminated `quoted name` (expected a closing backtick)", at: start) }
            advance()
            if name.isEmpty { throw fail("empty `quoted name`", at: start) }
            return Token(kind: .quotedName(String(name)), location: start)
        }
        let two: String? = peek(1).map { String(c) + String($0) }
        if let two, ["<>", "!=", "<=", ">="].contains(two) {
            advance(); advance()
            return Token(kind: .symbol(two), location: start)
        }
        if "()[]{},.:*+-/%=<>".unicodeScalars.contains(c) {
            advance()
            return Token(kind: .symbol(String(c)), location: start)
        }
        throw fail("unexpected character '\(Character(c))'", at: start)
    }

    mutating func number(_ start: SourceLocation) throws(RulesError) -> Token {
        var text = ""
        var isInteger = true
        while let d = peek(), Lexer.isDigit(d) { text.unicodeScalars.append(d); advance() }
        if peek() == ".", Lexer.isDigit(peek(1)) {
            isInteger = false
            text += "."
            advance()
            while let d = peek(), Lexer.isDigit(d) { text.unicodeScalars.append(d); advance() }
        }
        if let e = peek(), e == "e" || e == "E" {
            let save = (index, line, column)
            var exponent = "e"
            advance()
            if let s = peek(), s == "+" || s == "-" { exponent.unicodeScalars.append(s); advance() }
            if Lexer.isDigit(peek()) {
                isInteger = false
                while let d = peek(), Lexer.isDigit(d) { exponent.unicodeScalars.append(d); advance() }
                text += exponent
            } else {
                (index, line, column) = save
                throw fail("expected digits in the exponent of number '\(text)e'", at: location)
            }
        }
        if let c = peek(), Lexer.isNameStart(c) {
            throw fail("unexpected '\(Character(c))' after number \(text)", at: location)
        }
        // SQL allows leading zeros (`007`); normalise them away so the text is valid JSON too.
        var normalized = Substring(text)
        while normalized.count > 1, normalized.first == "0", normalized.dropFirst().first.map({ $0.isNumber }) == true {
            normalized = normalized.dropFirst()
        }
        if isInteger, let i = Int64(normalized) { return Token(kind: .int(i), location: start) }
        guard let d = SQLDecimal(parsing: String(normalized)) else {
            throw fail("number \(text) is out of range", at: start)
        }
        return Token(kind: .decimal(d), location: start)
    }

    mutating func hex4(_ at: SourceLocation) throws(RulesError) -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let h = peek(), h.isASCII, let d = UInt32(String(h), radix: 16) else {
                throw fail("invalid \\u escape (expected 4 hex digits)", at: at)
            }
            v = v << 4 | d
            advance()
        }
        return v
    }

    mutating func string(quote: Unicode.Scalar) throws(RulesError) -> String {
        let start = location
        advance()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else {
                throw fail("unterminated string (expected a closing \(Character(quote)))", at: start)
            }
            if c == quote {
                advance()
                // SQL-style doubled quote: 'it''s'.
                if peek() == quote { out.append(quote); advance(); continue }
                return String(out)
            }
            if c != "\\" {
                out.append(c)
                advance()
                continue
            }
            let escapeLocation = location
            advance()
            guard let e = peek() else {
                throw fail("unterminated string (expected a closing \(Character(quote)))", at: start)
            }
            advance()
            switch e {
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "/": out.append("/")
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "u":
                var v = try hex4(escapeLocation)
                if (0xD800...0xDBFF).contains(v), peek() == "\\", peek(1) == "u" {
                    // A UTF-16 surrogate pair, as in JSON: \uD83D\uDE00.
                    advance(); advance()
                    let low = try hex4(escapeLocation)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw fail("invalid \\u escape (unpaired surrogate)", at: escapeLocation)
                    }
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(v) else {
                    throw fail("invalid \\u escape (surrogate code point)", at: escapeLocation)
                }
                out.append(scalar)
            default:
                throw fail("invalid escape '\\\(Character(e))' (expected one of \\\\ \\' \\\" \\/ \\n \\t \\r \\b \\f \\uXXXX)", at: escapeLocation)
            }
        }
    }
}
