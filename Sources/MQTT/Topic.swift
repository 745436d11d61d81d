/// Topic names: what a PUBLISH is sent to (MQTT 5.0 §4.7).
public enum TopicName {
    /// Whether `topic` is a valid topic name: 1…65,535 UTF-8 bytes, no `+`, `#` or U+0000.
    ///
    /// MQTT 5.0 §4.7.3: topic names are at least one character long and never contain wildcards.
    public static func isValid(_ topic: String) -> Bool {
        let utf8 = topic.utf8
        guard !utf8.isEmpty, utf8.count <= 65_535 else { return false }
        for b in utf8 where b == UInt8(ascii: "+") || b == UInt8(ascii: "#") || b == 0 { return false }
        return true
    }
}

/// A validated topic filter, possibly a shared subscription `$share/{group}/{filter}`.
///
/// MQTT 5.0 §4.7.1: `#` matches any number of levels and must be the last level on its own;
/// `+` matches exactly one level and must occupy a whole level. §4.7.2: filters starting with a
/// wildcard do not match topic names starting with `$`. §4.8.2: a shared subscription names a
/// group (one or more characters, no `/`, `+` or `#`) and then an ordinary filter.
public struct TopicFilter: Hashable, Sendable, CustomStringConvertible {
    /// The filter as the client sent it (including any `$share/group/` prefix).
    public let rawValue: String
    /// The filter to match topics against (without the `$share/group/` prefix).
    public let filter: String
    /// The share group name, for `$share/{group}/{filter}`.
    public let shareGroup: String?

    /// Parses and validates a filter.
    /// - Throws: ``MQTTError/invalidTopicFilter(_:)`` naming the filter.
    public init(_ rawValue: String) throws(MQTTError) {
        self.rawValue = rawValue
        if rawValue.hasPrefix("$share/") {
            let rest = rawValue.utf8.dropFirst(7)
            guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { throw .invalidTopicFilter(rawValue) }
            let group = String(rawValue[rest.startIndex..<slash])
            let filter = String(rawValue[rawValue.utf8.index(after: slash)...])
            guard !group.isEmpty, !group.contains(where: { $0 == "+" || $0 == "#" }),
                  TopicFilter.isValidFilter(filter) else { throw .invalidTopicFilter(rawValue) }
            self.shareGroup = group
            self.filter = filter
        } else {
            guard TopicFilter.isValidFilter(rawValue) else { throw .invalidTopicFilter(rawValue) }
            self.shareGroup = nil
            self.filter = rawValue
        }
    }

    /// Whether `filter` (without a share prefix) is a valid filter.
    public static func isValidFilter(_ filter: String) -> Bool {
        let utf8 = Array(filter.utf8)
        guard !utf8.isEmpty, utf8.count <= 65_535 else { return false }
        var levelStart = 0
        for (i, b) in utf8.enumerated() {
            switch b {
            case 0: return false
            case UInt8(ascii: "+"):
                // Alone in its level.
                if i != levelStart { return false }
                if i + 1 < utf8.count && utf8[i + 1] != UInt8(ascii: "/") { return false }
            case UInt8(ascii: "#"):
                // Alone in the last level.
                if i != levelStart || i != utf8.count - 1 { return false }
            case UInt8(ascii: "/"):
                levelStart = i + 1
            default: break
            }
        }
        return true
    }

    /// Whether the filter contains `+` or `#`.
    public var hasWildcards: Bool { filter.utf8.contains { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") } }

    /// Whether this filter matches `topic` (a valid topic name).
    public func matches(_ topic: String) -> Bool { TopicFilter.matches(filter: filter, topic: topic) }

    /// Whether `filter` (no share prefix) matches the topic name `topic`.
    ///
    /// Examples from MQTT 5.0 §4.7.1: `sport/tennis/player1/#` matches `sport/tennis/player1`,
    /// `sport/#` matches `sport`; `sport/+` does not match `sport` but matches `sport/`;
    /// `+/+` matches `/finance`; `#` and `+/monitor/Clients` do not match `$SYS/monitor/Clients`.
    public static func matches(filter: String, topic: String) -> Bool {
        var f = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).makeIterator()
        var t = topic.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).makeIterator()
        var first = true
        while true {
            let fl = f.next()
            let tl = t.next()
            guard let fl else { return tl == nil }
            if fl.elementsEqual("#".utf8) {
                if first, topic.utf8.first == UInt8(ascii: "$") { return false }
                return true
            }
            guard let tl else { return false }
            if fl.elementsEqual("+".utf8) {
                if first, tl.first == UInt8(ascii: "$") { return false }
            } else if !fl.elementsEqual(tl) {
                return false
            }
            first = false
        }
    }

    /// Whether every topic this filter can match is also matched by `pattern` (both without share prefix).
    ///
    /// Used by access rules: an allow rule for `a/#` covers a subscription to `a/+/b`.
    public static func covers(pattern: String, filter: String) -> Bool {
        let p = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let f = filter.split(separator: "/", omittingEmptySubsequences: false)
        var i = 0
        while i < p.count {
            if p[i] == "#" { return true }
            guard i < f.count else { return false }
            if p[i] == "+" {
                if f[i] == "#" { return false }
            } else if p[i] != f[i] {
                return false
            }
            i += 1
        }
        return f.count == p.count
    }

    /// Whether some topic name is matched by both filters (both without share prefix).
    ///
    /// Used by deny rules: a deny rule for `secret/#` refuses a subscription to `#` or `+/x`.
    public static func intersects(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: "/", omittingEmptySubsequences: false)
        let y = b.split(separator: "/", omittingEmptySubsequences: false)
        var i = 0
        while i < x.count && i < y.count {
            if x[i] == "#" || y[i] == "#" { return true }
            if x[i] != "+" && y[i] != "+" && x[i] != y[i] { return false }
            i += 1
        }
        if x.count == y.count { return true }
        // One is longer: only a trailing `#` (matching the parent level too) bridges the gap.
        let longer = x.count > y.count ? x : y
        return longer.count == i + 1 && longer[i] == "#"
    }

    public var description: String { rawValue }
}
