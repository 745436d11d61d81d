/// A token of SQLite's SQL dialect, with its byte range in the source. Enough to find string
/// literals, `INTERVAL '…'`, identifiers and punctuation for the rewriter and the native-path
/// matcher; SQLite itself parses the rest.
struct SQLToken: Equatable {
    enum Kind: Equatable { case string, identifier, quotedIdentifier, number, symbol, whitespace, comment }
    var kind: Kind
    var range: Range<Int>
    var text: String

    /// The literal's value for strings, the unquoted name for quoted identifiers.
    var unquoted: String {
        switch kind {
        case .string: return String(text.dropFirst().dropLast()).replacingOccurrences("''", with: "'")
        case .quotedIdentifier:
            let inner = String(text.dropFirst().dropLast())
            return text.first == "\"" ? inner.replacingOccurrences("\"\"", with: "\"") : inner
        default: return text
        }
    }

    func isKeyword(_ k: String) -> Bool { kind == .identifier && text.lowercased() == k }
    func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<(index(i, offsetBy: target.count)) }
            i = index(after: i)
        }
        return nil
    }
}

enum SQLTokenizer {
    /// Splits `sql` into tokens. Throws an error located at an unterminated literal or comment.
    static func tokenize(_ sql: String) throws(AnalyticsError) -> [SQLToken] {
        let b = Array(sql.utf8)
        var out: [SQLToken] = []
        var i = 0
        func text(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        while i < b.count {
            let start = i
            let c = b[i]
            var kind: SQLToken.Kind
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                while i < b.count, [0x20, 0x09, 0x0A, 0x0D, 0x0C].contains(b[i]) { i += 1 }
                kind = .whitespace
            case 0x2D where i + 1 < b.count && b[i + 1] == 0x2D:
                while i < b.count, b[i] != 0x0A { i += 1 }
                kind = .comment
            case 0x2F where i + 1 < b.count && b[i + 1] == 0x2A:
                i += 2
                while i + 1 < b.count, !(b[i] == 0x2A && b[i + 1] == 0x2F) { i += 1 }
                guard i + 1 < b.count else { throw AnalyticsError.located("unterminated /* comment", offset: start, in: sql) }
                i += 2
                kind = .comment
            case 0x27, 0x22, 0x60, 0x5B:
                let close: UInt8 = c == 0x5B ? 0x5D : c
                i += 1
                while true {
                    guard i < b.count else {
                        throw AnalyticsError.located(c == 0x27 ? "unterminated string literal" : "unterminated quoted identifier", offset: start, in: sql)
                    }
                    if b[i] == close {
                        if close != 0x5D, i + 1 < b.count, b[i + 1] == close { i += 2; continue }
                        i += 1
                        break
                    }
                    i += 1
                }
                kind = c == 0x27 ? .string : .quotedIdentifier
            case 0x30...0x39, 0x2E where c != 0x2E || (i + 1 < b.count && (0x30...0x39).contains(b[i + 1])):
                while i < b.count, isIdentifierByte(b[i]) || b[i] == 0x2E
                    || ((b[i] == 0x2B || b[i] == 0x2D) && (b[i - 1] == 0x65 || b[i - 1] == 0x45)) { i += 1 }
                kind = .number
            default:
                if isIdentifierByte(c) {
                    while i < b.count, isIdentifierByte(b[i]) { i += 1 }
                    kind = .identifier
                } else {
                    i += 1
                    if i < b.count {
                        let two = [c, b[i]]
                        if [[0x3C, 0x3D], [0x3E, 0x3D], [0x3C, 0x3E], [0x21, 0x3D], [0x3D, 0x3D], [0x7C, 0x7C], [0x3C, 0x3C], [0x3E, 0x3E], [0x2D, 0x3E]].contains(two) {
                            i += 1
                            if two == [0x2D, 0x3E], i < b.count, b[i] == 0x3E { i += 1 }
                        }
                    }
                    kind = .symbol
                }
            }
            out.append(SQLToken(kind: kind, range: start..<i, text: text(start..<i)))
        }
        return out
    }

    static func isIdentifierByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x24 || c >= 0x80
    }
}
