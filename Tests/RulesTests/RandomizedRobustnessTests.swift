import Testing
@testable import Rules

/// Seeded random mutations of valid SQL and JSON: every input must give a value or a typed error.
/// (A crash or trap fails the whole run; deterministic seeds make failures reproducible.)
@Suite struct RandomizedRobustnessTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds = [
        "SELECT color AS rgb FROM 'a/b' WHERE temperature > 50",
        "SELECT *, 15 as speed, (t - 32) * 5 / 9 AS c FROM 'a/+/b' WHERE NOT isNull(t) AND t <> '3'",
        "SELECT CASE c WHEN 'g' THEN 'go' ELSE [1, {'k': get(a, 0)}] END AS x FROM '#'",
        "SELECT (SELECT VALUE v FROM e WHERE n = 'temp') AS vs, substring(s, 1, -2.5e3) FROM 'x/#'",
        "SELECT VALUE regexp_replace(upper(concat(a, \"b\\n\", 1.50)), '(A)+', '$1') FROM 'q'",
        "SELECT cast(a.b[2] AS Decimal) % 3, encode(*, 'base64') AS raw FROM 's' WHERE a.b[0] >= -1e400 OR false",
    ]
    static let fragments = ["(", ")", "[", "]", "{", "}", ",", ".", "'", "\"", "\\", "`", "*", "-", "NOT", "AND", "CASE",
                            "END", "SELECT", "FROM", "WHERE", "1e999", "9223372036854775808", "\u{0}", "😀", " ", "AS", "x"]
    static let payloads = [
        #"{"color":"red","temperature":100,"t":"7","e":[{"n":"temp","v":1.5}],"a":{"b":[1,2,"3"]},"s":"hello"}"#,
        #"[1,2,3]"#, "not json", #"{"a":null}"#,
    ]

    @Test func mutatedSQLNeverCrashes() {
        var rng = SplitMix64(state: 0x5EED)
        var parsed = 0
        for i in 0..<3000 {
            var chars = Array(Self.seeds[i % Self.seeds.count])
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0...chars.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where at < chars.count: chars.remove(at: at)
                case 1: chars.insert(contentsOf: Self.fragments.randomElement(using: &rng)!, at: at)
                default:
                    if at < chars.count { chars[at] = Self.fragments.randomElement(using: &rng)!.first ?? "x" }
                }
            }
            let sql = String(chars)
            guard let rule = try? Rule(sql: sql) else { continue }
            parsed += 1
            for p in Self.payloads {
                _ = rule.evaluate(RuleMessage(bytes: Array(p.utf8), context: MessageContext(topic: "a/x/b")))
            }
        }
        #expect(parsed > 100)  // the mutations must leave plenty of valid statements to evaluate
    }

    @Test func mutatedJSONNeverCrashes() {
        var rng = SplitMix64(state: 0xC0FFEE)
        let base = Array(Self.payloads[0].utf8)
        var valid = 0
        for _ in 0..<5000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[at] = UInt8.random(in: 0...255, using: &rng)
            }
            if let v = try? JSONParser.parse(bytes: bytes) {
                valid += 1
                #expect((try? JSONParser.parse(v.jsonText)) == v)
            }
        }
        #expect(valid > 10)
    }
}
