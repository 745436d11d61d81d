/// JSON string literals (RFC 8259 §7) written into a `String` or a UTF-8 byte buffer, for the
/// hand-written JSON writers of several modules (hot paths where `JSONEncoder` costs too much).
///
/// The escapes are exactly those RFC 8259 §7 requires and no more:
/// - `"` → `\"` and `\` → `\\`;
/// - the control characters U+0000…U+001F: `\b` `\f` `\n` `\r` `\t` for the five that have a short
///   form, `\u00xx` with lower-case hex digits for the others (`\u001f`);
/// - everything else, `/`, DEL (U+007F), U+2028/U+2029 and all non-ASCII, is copied as UTF-8.
///
/// This is what Foundation's `JSONEncoder` with `.withoutEscapingSlashes` writes. A string with
/// nothing to escape (nearly all of them: names, EUIs, timestamps) is copied whole.
public enum JSONEscaping {
    /// Appends `"…"`, the JSON string literal of `s`, to `out`.
    ///
    /// - Parameter shortBackspaceAndFormFeed: when false, U+0008 and U+000C are written as
    ///   `\u0008` and `\u000c` instead of `\b` and `\f` (both are valid JSON; `lorikeet query`'s
    ///   JSON output has always used the long form).
    @inlinable
    public static func appendQuoted(_ s: String, to out: inout String, shortBackspaceAndFormFeed: Bool = true) {
        if !needsEscaping(s) {
            out += "\""
            out += s
            out += "\""
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 8)
        appendQuoted(s, to: &bytes, shortBackspaceAndFormFeed: shortBackspaceAndFormFeed)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// The JSON string literal of `s`, quotes included.
    @inlinable
    public static func quoted(_ s: String, shortBackspaceAndFormFeed: Bool = true) -> String {
        var out = ""
        appendQuoted(s, to: &out, shortBackspaceAndFormFeed: shortBackspaceAndFormFeed)
        return out
    }

    /// Appends `"…"`, the JSON string literal of `s` in UTF-8, to `out`. Runs of bytes that need no
    /// escape are copied whole (the whole string when none does); only `"`, `\` and control
    /// characters are written one by one.
    @inlinable
    public static func appendQuoted(_ s: String, to out: inout [UInt8], shortBackspaceAndFormFeed: Bool = true) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var run = 0
            for i in 0..<bytes.count {
                let c = bytes[i]
                guard c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") else { continue }
                if run < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                appendEscape(of: c, to: &out, shortBackspaceAndFormFeed: shortBackspaceAndFormFeed)
                run = i + 1
            }
            if run < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte of `s` must be escaped (`"`, `\` or a control character).
    @inlinable
    public static func needsEscaping(_ s: String) -> Bool {
        for c in s.utf8 where c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return true }
        return false
    }

    /// The escape of one byte that needs it: `"`, `\` or U+0000…U+001F.
    @inlinable
    static func appendEscape(of c: UInt8, to out: inout [UInt8], shortBackspaceAndFormFeed: Bool) {
        let backslash = UInt8(ascii: "\\")
        switch c {
        case UInt8(ascii: "\""), backslash: out.append(backslash); out.append(c)
        case 0x0A: out.append(backslash); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(backslash); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(backslash); out.append(UInt8(ascii: "t"))
        case 0x08 where shortBackspaceAndFormFeed: out.append(backslash); out.append(UInt8(ascii: "b"))
        case 0x0C where shortBackspaceAndFormFeed: out.append(backslash); out.append(UInt8(ascii: "f"))
        default:
            // c < 0x20: the high hex digit is 0 or 1; the low one is lower case, as before.
            let low = c & 0x0F
            out.append(backslash)
            out.append(UInt8(ascii: "u"))
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "0"))
            out.append(0x30 &+ (c >> 4))
            out.append(low < 10 ? 0x30 &+ low : 0x57 &+ low)
        }
    }
}
