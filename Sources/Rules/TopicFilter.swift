/// An MQTT topic filter, as in a rule's FROM clause.
///
/// MQTT 3.1.1 §4.7 (and MQTT 5 §4.7): levels are separated by `/`; `+` matches exactly one level and
/// must occupy a whole level; `#` matches any number of levels (including zero, so `a/#` matches `a`)
/// and must be the last level on its own. Topics starting with `$` are not matched by a filter whose
/// first level is a wildcard (§4.7.2).
///
/// ```swift
/// let f = try TopicFilter("application/+/device/+/event/up")
/// f.matches("application/1/device/0004a30b001c0530/event/up")  // true
/// ```
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible, Codable {
    enum Level: Sendable, Hashable {
        case literal(Substring)
        case single
        case multi
    }

    /// The filter text.
    public let text: String
    let levels: [Level]

    /// Parses and validates a filter.
    /// - Throws: ``RulesError/invalidTopicFilter(filter:reason:)``.
    public init(_ text: String) throws(RulesError) {
        guard !text.isEmpty else { throw .invalidTopicFilter(filter: text, reason: "empty filter") }
        guard text.utf8.count <= 65_535 else { throw .invalidTopicFilter(filter: String(text.prefix(40)), reason: "longer than 65535 bytes") }
        guard !text.unicodeScalars.contains("\u{0}") else {
            throw .invalidTopicFilter(filter: text, reason: "contains a NUL character")
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        var levels: [Level] = []
        for (i, part) in parts.enumerated() {
            if part == "+" {
                levels.append(.single)
            } else if part == "#" {
                guard i == parts.count - 1 else {
                    throw .invalidTopicFilter(filter: text, reason: "'#' must be the last level")
                }
                levels.append(.multi)
            } else if part.contains("+") || part.contains("#") {
                throw .invalidTopicFilter(filter: text, reason: "wildcards must occupy a whole level")
            } else {
                levels.append(.literal(part))
            }
        }
        self.text = text
        self.levels = levels
    }

    /// Whether a concrete topic matches the filter.
    public func matches(_ topic: String) -> Bool {
        var topic = topic
        return topic.withUTF8 { matches(utf8: $0) }
    }

    /// Byte-level matching: levels are compared as UTF-8 without building substrings.
    func matches(utf8 t: UnsafeBufferPointer<UInt8>) -> Bool {
        if t.first == UInt8(ascii: "$") {
            switch levels.first {
            case .single, .multi: return false
            default: break
            }
        }
        var position = 0
        var levelIndex = 0
        while true {
            var end = position
            while end < t.count, t[end] != UInt8(ascii: "/") { end += 1 }
            guard levelIndex < levels.count else { return false }
            switch levels[levelIndex] {
            case .multi: return true
            case .single: break
            case .literal(let l):
                let utf8 = l.utf8
                guard utf8.count == end - position else { return false }
                var i = position
                for b in utf8 {
                    if t[i] != b { return false }
                    i += 1
                }
            }
            levelIndex += 1
            if end == t.count {
                // The topic is exhausted: match if the filter is too, or only `#` remains (`a/#` matches `a`).
                if levelIndex == levels.count { return true }
                if levelIndex == levels.count - 1, levels[levelIndex] == .multi { return true }
                return false
            }
            position = end + 1
        }
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}
