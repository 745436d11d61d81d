import Testing
@testable import Rules

/// The worked examples of the AWS IoT developer guide's SQL reference, one row each, named by page
/// and section (awsdocs/aws-iot-docs, developerguide/iot-sql-*.md).
@Suite struct AWSReferenceExampleTests {
    struct Example: CustomTestStringConvertible, Sendable {
        var source: String
        var sql: String
        var topic: String
        var payload: String
        var expected: String
        var testDescription: String { source }
    }

    static let examples: [Example] = [
        Example(source: "iot-sql-reference: introduction", sql: "SELECT color AS rgb FROM 'a/b' WHERE temperature > 50",
                topic: "a/b", payload: #"{"color":"red","temperature":100}"#, expected: #"{"rgb":"red"}"#),
        Example(source: "iot-sql-select: SELECT *", sql: "SELECT * FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"color":"red","temperature":50}"#),
        Example(source: "iot-sql-select: key", sql: "SELECT color FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"color":"red"}"#),
        Example(source: "iot-sql-select: AS", sql: "SELECT color AS my_color FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"my_color":"red"}"#),
        Example(source: "iot-sql-select: several items", sql: "SELECT color as my_color, temperature as fahrenheit FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"my_color":"red","fahrenheit":50}"#),
        Example(source: "iot-sql-select: * plus items", sql: "SELECT *, 15 as speed FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"color":"red","temperature":50,"speed":15}"#),
        Example(source: "iot-sql-select: VALUE", sql: "SELECT VALUE color FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #""red""#),
        Example(source: "iot-sql-select: nested '.'", sql: "SELECT color.red as red_value FROM 'a/b'",
                topic: "a/b", payload: #"{"color":{"red":255,"green":0,"blue":0}, "temperature":50}"#, expected: #"{"red_value":255}"#),
        Example(source: "iot-sql-select: functions and grouping",
                sql: "SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"red", "temperature":50}"#, expected: #"{"celsius":10,"my_color":"RED"}"#),
        Example(source: "iot-sql-select: binary payload, SELECT *", sql: "SELECT * FROM 'a/b'",
                topic: "a/b", payload: "\u{1}\u{2}binary", expected: #""AQJiaW5hcnk=""#),
        Example(source: "iot-sql-select: binary payload, encode(*)", sql: "SELECT encode(*, 'base64') AS data FROM 'a/b'",
                topic: "a/b", payload: "hello", expected: #"{"data":"aGVsbG8="}"#),
        Example(source: "iot-sql-select: binary payload, WHERE on a name", sql: "SELECT * FROM 'a/b' WHERE device_type = 'thermostat'",
                topic: "a/b", payload: "hello", expected: "null"),
        Example(source: "iot-sql-case", sql: "SELECT CASE color WHEN 'green' THEN 'go' WHEN 'yellow' THEN 'caution' WHEN 'red' THEN 'stop' ELSE 'you are not at a stop light' END as instructions FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"yellow"}"#, expected: #"{"instructions":"caution"}"#),
        Example(source: "iot-sql-case: Undefined subject", sql: "SELECT CASE nothere WHEN 'green' THEN 'go' ELSE 'x' END as i FROM 'a/b'",
                topic: "a/b", payload: #"{"color":"yellow"}"#, expected: "{}"),
        Example(source: "iot-sql-literals: object", sql: "SELECT {'latitude': get(lat_long, 0),'longitude':get(lat_long, 1)} as lat_long FROM 'topic/subtopic'",
                topic: "topic/subtopic", payload: #"{"lat_long": [47.606,-122.332]}"#, expected: #"{"lat_long":{"latitude":47.606,"longitude":-122.332}}"#),
        Example(source: "iot-sql-literals: array", sql: "SELECT [lat,long] as lat_long FROM 'topic/subtopic'",
                topic: "topic/subtopic", payload: #"{"lat": 47.606, "long": -122.332}"#, expected: #"{"lat_long":[47.606,-122.332]}"#),
        Example(source: "iot-sql-nested-queries: VALUE", sql: "SELECT (SELECT VALUE n FROM e) as sensors FROM 'my/topic'",
                topic: "my/topic", payload: sensors, expected: #"{"sensors":["temperature","light","acidity"]}"#),
        Example(source: "iot-sql-nested-queries: WHERE", sql: "SELECT (SELECT v FROM e WHERE n = 'temperature') as temperature FROM 'my/topic'",
                topic: "my/topic", payload: sensors, expected: #"{"temperature":[{"v":22.5}]}"#),
        Example(source: "iot-sql-nested-queries: flatten", sql: "SELECT get((SELECT v FROM e WHERE n = 'temperature'), 0).v as temperature FROM 'topic'",
                topic: "topic", payload: sensors, expected: #"{"temperature":22.5}"#),
        Example(source: "iot-sql-functions: transform example 1", sql: #"select value transform("enrichArray", attributes, values) from 'A/B'"#,
                topic: "A/B", payload: transformPayload,
                expected: #"[{"a":3,"data1":1,"data2":2},{"b":4,"data1":1,"data2":2},{"c":5,"data1":1,"data2":2}]"#),
        Example(source: "iot-sql-functions: transform example 2", sql: #"select value transform("enrichArray", {"key": attributes.data1}, values) from 'A/B'"#,
                topic: "A/B", payload: transformPayload, expected: #"[{"a":3,"key":1},{"b":4,"key":1},{"c":5,"key":1}]"#),
        Example(source: "iot-sql-functions: transform example 3",
                sql: "select value transform('enrichArray', (select a, b from data2), (select value c from data2)) from 'A/B'",
                topic: "A/B", payload: #"{"data1":"example","data2":{"a":"first attribute","b":"second attribute","c":[{"x":{"someInt":5,"someString":"hello"},"y":true},{"x":{"someInt":10,"someString":"world"},"y":false}]}}"#,
                expected: #"[{"x":{"someInt":5,"someString":"hello"},"y":true,"a":"first attribute","b":"second attribute"},{"x":{"someInt":10,"someString":"world"},"y":false,"a":"first attribute","b":"second attribute"}]"#),
        Example(source: "iot-sql-functions: decode(base64) then member", sql: #"SELECT decode(encoded_temp,"base64").temperature AS temp from 'topic/subtopic'"#,
                topic: "topic/subtopic", payload: #"{"encoded_temp": "eyAidGVtcGVyYXR1cmUiOiAzMyB9Cg=="}"#, expected: #"{"temp":33}"#),
        Example(source: "iot-substitution-templates: SELECT *, timestamp()", sql: "SELECT *, timestamp() AS timestamp FROM 'my/iot/topic'",
                topic: "my/iot/topic", payload: #"{"deviceid":"iot123","temp":54.98,"humidity":32.43,"coords":{"latitude":47.615694,"longitude":-122.3359976}}"#,
                expected: #"{"deviceid":"iot123","temp":54.98,"humidity":32.43,"coords":{"latitude":47.615694,"longitude":-122.3359976},"timestamp":1481825251155}"#),
        Example(source: "iot-sql-json: '.' alias path", sql: "SELECT foo.bar AS bar.baz FROM 'a/b'",
                topic: "a/b", payload: #"{"foo":{"bar":7}}"#, expected: #"{"bar":{"baz":7}}"#),
    ]

    static let sensors = #"{"e":[{"n":"temperature","u":"Cel","t":1234,"v":22.5},{"n":"light","u":"lm","t":1235,"v":135},{"n":"acidity","u":"pH","t":1235,"v":7}]}"#
    static let transformPayload = #"{"attributes":{"data1":1,"data2":2},"values":[{"a":3},{"b":4},{"c":5}]}"#

    @Test(arguments: examples)
    func example(_ e: Example) throws {
        #expect(try run(e.sql, topic: e.topic, payload: e.payload) == e.expected)
    }

    /// iot-substitution-templates: `${topic()}/republish` on my/iot/topic.
    @Test func republishTemplate() throws {
        let t = try SubstitutionTemplate("${topic()}/republish")
        let m = RuleMessage(bytes: Array("{}".utf8), context: MessageContext(topic: "my/iot/topic"))
        #expect(t.render(m) == "my/iot/topic/republish")
    }
}
