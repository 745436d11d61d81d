import Testing
@testable import Rules
import RulesHashing

/// "Hashing functions" (developerguide/iot-sql-functions.md) and the iot-sql-json example
/// `md5(deviceid)`; digests of "hello" are the well-known test values (RFC 1321 MD5, FIPS 180-4 SHA).
@Suite struct HashingTests {
    func hashed(_ expression: String, payload: String = "{}") throws -> String {
        let rule = try Rule(sql: "SELECT VALUE \(expression) FROM '#'")
        let message = RuleMessage(bytes: Array(payload.utf8), context: MessageContext(topic: "t"))
        guard case .fired(let output) = rule.evaluate(message, hashing: OpenSSLHashProvider()) else { return "not fired" }
        if case .json(let v) = output { return v.jsonText }
        return "Undefined"
    }

    @Test(arguments: [
        ("md5(\"hello\")", "\"5d41402abc4b2a76b9719d911017c592\""),
        ("sha1('hello')", "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\""),
        ("sha224('hello')", "\"ea09ae9cc6768c50fcee903ed054556e5bfc8347907f12598aa24193\""),
        ("sha256('hello')", "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\""),
        ("sha384('hello')", "\"59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f\""),
        ("sha512('hello')", "\"9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043\""),
        ("md5(1)", "\"c4ca4238a0b923820dcc509a6f75849b\""),
        ("md5(null)", "Undefined"),
        ("md5()", "Undefined"),
    ])
    func digests(_ expression: String, _ expected: String) throws {
        #expect(try hashed(expression) == expected)
    }

    /// iot-sql-json: `SELECT temp, md5(deviceid) AS hashed_id` on the documented payload.
    @Test func jsonExtensionsExample() throws {
        let rule = try Rule(sql: "SELECT temp, md5(deviceid) AS hashed_id FROM 'topic/#'")
        let message = RuleMessage(bytes: Array(#"{"deviceid":"iot123","temp":54.98,"humidity":32.43,"coords":{"latitude":47.615694,"longitude":-122.3359976}}"#.utf8),
                                  context: MessageContext(topic: "topic/a"))
        #expect(rule.evaluate(message, hashing: OpenSSLHashProvider())
                == .fired(.json(try JSONParser.parse(#"{"temp":54.98,"hashed_id":"e37f81fb397e595c4aeb5645b8cbbbd1"}"#))))
    }

    @Test func withoutAProviderHashesAreUndefined() throws {
        #expect(try value("md5('hello')") == "Undefined")
    }
}
