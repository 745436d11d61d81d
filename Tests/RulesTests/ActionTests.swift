import Foundation
import Testing
@testable import Rules

@Suite struct ActionTests {
    static let definitionJSON = #"""
    {"name":"freezer_warm","sql":"SELECT temp, topic(4) AS dev FROM 'application/+/device/+/event/up' WHERE temp > -15",
     "actions":[
       {"republish":{"topic":"alerts/${topic(4)}","qos":1}},
       {"storeTelemetry":{"device":"${topic(4)}","metrics":{"freezer_temp":"temp"}}},
       {"webhook":{"url":"https://hooks.example.com/t?d=${topic(4)}","headers":{"X-Device":"${upper(topic(4))}"}}},
       {"downlink":{"devEUI":"${topic(4)}","fPort":10,"data":"${encode('on', 'base64')}"}},
       {"alert":{"name":"freezer_warm","severity":"critical","message":"${temp} °C on ${topic(4)}"}}
     ],
     "errorAction":{"republish":{"topic":"rules/errors"}}}
    """#

    func message(_ payload: String = #"{"temp":-12.5}"#) -> RuleMessage {
        RuleMessage(bytes: Array(payload.utf8), context: MessageContext(
            topic: "application/1/device/0004a30b001c0530/event/up", clientID: "gw", timestamp: 1_700_000_000_000))
    }

    @Test func definitionDecodesCompilesAndResolves() throws {
        let def = try JSONDecoder().decode(RuleDefinition.self, from: Data(Self.definitionJSON.utf8))
        #expect(def.enabled)
        #expect(def.sqlVersion == "2016-03-23")
        let rule = try def.compile()
        let m = message()
        guard case .fired(let output) = rule.evaluate(m) else { Issue.record("did not fire"); return }
        #expect(output == .json(try JSONParser.parse(#"{"temp":-12.5,"dev":"0004a30b001c0530"}"#)))
        let resolved = try def.actions.map { try $0.resolve(output: output, message: m) }
        #expect(resolved[0] == .publish(topic: "alerts/0004a30b001c0530",
                                        payload: Array(#"{"temp":-12.5,"dev":"0004a30b001c0530"}"#.utf8), qos: 1, retain: false))
        #expect(resolved[1] == .storeTelemetry(device: "0004a30b001c0530", timeMilliseconds: 1_700_000_000_000,
                                               metrics: [.init(name: "freezer_temp", value: -12.5)]))
        #expect(resolved[2] == .httpRequest(method: "POST", url: "https://hooks.example.com/t?d=0004a30b001c0530",
                                            headers: [.init(name: "X-Device", value: "0004A30B001C0530")],
                                            body: output.bytes))
        #expect(resolved[3] == .enqueueDownlink(devEUI: "0004a30b001c0530", fPort: 10, data: Array("on".utf8), confirmed: false))
        if case .raiseAlert(let name, let severity, let text, let key, _) = resolved[4] {
            #expect(name == "freezer_warm")
            #expect(severity == .critical)
            #expect(text == "-12.5 °C on 0004a30b001c0530")
            #expect(key == "freezer_warm|application/1/device/0004a30b001c0530/event/up")
        } else {
            Issue.record("expected an alert")
        }
        #expect(rule.evaluate(message(#"{"temp":-20}"#)) == .conditionFalse)
    }

    @Test func definitionRoundTripsThroughJSON() throws {
        let def = try JSONDecoder().decode(RuleDefinition.self, from: Data(Self.definitionJSON.utf8))
        let again = try JSONDecoder().decode(RuleDefinition.self, from: JSONEncoder().encode(def))
        #expect(again == def)
    }

    @Test func invalidDefinitionsAreRejected() throws {
        func compile(_ json: String) throws -> Rule {
            try JSONDecoder().decode(RuleDefinition.self, from: Data(json.utf8)).compile()
        }
        #expect(throws: RulesError.self) { try compile(#"{"name":"bad name","sql":"SELECT * FROM 'a'","actions":[]}"#) }
        #expect(throws: RulesError.self) { try compile(#"{"name":"r","sql":"SELECT * FROM","actions":[]}"#) }
        #expect(throws: RulesError.self) {
            try compile(#"{"name":"r","sql":"SELECT * FROM 'a'","actions":[{"republish":{"topic":"x","qos":2}}]}"#)
        }
        #expect(throws: RulesError.self) {
            try compile(#"{"name":"r","sql":"SELECT * FROM 'a'","actions":[{"downlink":{"devEUI":"x","fPort":0,"data":""}}]}"#)
        }
        #expect(throws: RulesError.self) {
            try compile(#"{"name":"r","sql":"SELECT * FROM 'a'","actions":[{"webhook":{"url":"ftp://x"}}]}"#)
        }
        #expect(throws: (any Error).self) {
            try compile(#"{"name":"r","sql":"SELECT * FROM 'a'","actions":[{"republish":{"topic":"${unterminated"}}]}"#)
        }
        #expect(throws: (any Error).self) {
            try compile(#"{"name":"r","sql":"SELECT * FROM 'a'","actions":[{"republish":{"topic":"a"},"webhook":{"url":"http://x"}}]}"#)
        }
    }

    @Test func resolutionFailuresFeedTheErrorAction() throws {
        let m = message()
        let wildcard = RuleAction.republish(.init(topic: try SubstitutionTemplate("x/${missing}+")))
        #expect(throws: RulesError.self) { try wildcard.resolve(output: .json(.object(JSONObject())), message: m) }
        let noMetric = RuleAction.storeTelemetry(.init(device: try SubstitutionTemplate("d")))
        #expect(throws: RulesError.self) { try noMetric.resolve(output: .json(try JSONParser.parse(#"{"s":"x"}"#)), message: m) }
        let def = RuleDefinition(name: "r", sql: "SELECT * FROM '#'", actions: [wildcard])
        let payload = def.errorPayload(message: m, failures: [(action: "republish", error: "bad topic")])
        #expect(payload.jsonText == #"{"ruleName":"r","topic":"application/1/device/0004a30b001c0530/event/up","clientId":"gw","base64OriginalPayload":"eyJ0ZW1wIjotMTIuNX0=","failures":[{"failedAction":"republish","errorMessage":"bad topic"}]}"#)
    }

    @Test func templates() throws {
        let m = message()
        #expect(try SubstitutionTemplate("${topic(2)}-${temp * 2}-${nothere}-$x-${ {'a':'}'}.a }").render(m) == "1--25.0--$x-}")
        #expect(try SubstitutionTemplate("plain").hasSubstitutions == false)
        #expect(throws: RulesError.self) { try SubstitutionTemplate("${1 +}") }
        #expect(throws: RulesError.self) { try SubstitutionTemplate("a/${topic(1)") }
    }
}
