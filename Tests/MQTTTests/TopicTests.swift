import MQTT
import Testing

@Suite("Topic names and filters")
struct TopicTests {
    // MQTT 5.0 §4.7.1.2, §4.7.1.3 and §4.7.2 non-normative examples, plus edge cases.
    @Test("matching", arguments: [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("#", "sport/tennis", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("#", "$SYS/monitor/Clients", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("a/b", "a/b", true),
        ("a/b", "a/B", false),
        ("a//c", "a//c", true),
        ("a/+/c", "a//c", true),
        ("application/+/device/+/event/up", "application/1/device/0102/event/up", true),
    ] as [(String, String, Bool)])
    func matching(filter: String, topic: String, expected: Bool) throws {
        #expect(TopicFilter.matches(filter: filter, topic: topic) == expected)
        #expect(try TopicFilter(filter).matches(topic) == expected)
    }

    @Test("filter validity", arguments: [
        ("#", true), ("a/#", true), ("+", true), ("+/+", true), ("a/+/b", true), ("/", true), ("a//b", true),
        ("", false), ("a#", false), ("a/#/b", false), ("a+", false), ("a/b+/c", false), ("#/a", false), ("a/\u{0}", false),
    ] as [(String, Bool)])
    func filterValidity(filter: String, valid: Bool) {
        #expect(TopicFilter.isValidFilter(filter) == valid)
    }

    @Test("topic name validity", arguments: [
        ("a", true), ("a/b", true), ("/", true), ("$SYS/x", true), ("", false), ("a/+", false), ("#", false), ("a\u{0}", false),
    ] as [(String, Bool)])
    func nameValidity(topic: String, valid: Bool) {
        #expect(TopicName.isValid(topic) == valid)
    }

    // MQTT 5.0 §4.8.2: $share/{ShareName}/{filter}.
    @Test("shared subscriptions")
    func shared() throws {
        let f = try TopicFilter("$share/group/a/+/c")
        #expect(f.shareGroup == "group")
        #expect(f.filter == "a/+/c")
        #expect(f.matches("a/b/c"))
        #expect(throws: MQTTError.self) { try TopicFilter("$share/group") }
        #expect(throws: MQTTError.self) { try TopicFilter("$share//a") }
        #expect(throws: MQTTError.self) { try TopicFilter("$share/g+/a") }
        #expect(throws: MQTTError.self) { try TopicFilter("$share/g/a#") }
        #expect(try TopicFilter("$shared/x").shareGroup == nil)
    }

    @Test("covers and intersects", arguments: [
        ("a/#", "a/+/b", true, true),
        ("a/#", "a", true, true),
        ("a/+", "a/#", false, true),
        ("a/b", "a/+", false, true),
        ("secret/#", "#", false, true),
        ("secret/#", "public/#", false, false),
        ("+/x", "a/y", false, false),
        ("#", "anything/at/all", true, true),
        ("a/+/c", "a/b/c", true, true),
        ("a/+/c", "a/b/d", false, false),
    ] as [(String, String, Bool, Bool)])
    func coversIntersects(pattern: String, filter: String, covers: Bool, intersects: Bool) {
        #expect(TopicFilter.covers(pattern: pattern, filter: filter) == covers)
        #expect(TopicFilter.intersects(pattern, filter) == intersects)
        #expect(TopicFilter.intersects(filter, pattern) == intersects)
    }
}
