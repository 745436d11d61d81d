import Foundation
import Testing
@testable import PayloadCodecs

@Suite("ScriptCodec: conventions")
struct ScriptCodecConventionTests {
    let engine = CodecEngine()

    @Test("decodeUplink sees bytes, fPort, recvTime as a Date and variables; ES2020 syntax runs")
    func decodeUplinkES2020() throws {
        let codec = try engine.load(source: #"""
        class Reading { #raw; constructor(raw) { this.#raw = raw; } get celsius() { return this.#raw / 10; } }
        const decodeUplink = ({ bytes, fPort, recvTime, variables }) => {
          const [hi, lo, ...rest] = bytes;
          const t = new Reading((hi << 8 | lo) << 16 >> 16);
          return {
            data: {
              temperature: t.celsius, port: fPort, rest: rest.length,
              year: recvTime instanceof Date ? recvTime.getUTCFullYear() : null,
              label: `${variables?.label ?? "none"}`,
              big: Number(2n ** 40n), entries: Object.fromEntries([["a", 1]]), last: [1, 2, 3].at(-1),
            },
            warnings: rest.length ? [`${rest.length} trailing bytes`] : [],
          };
        };
        """#)
        let out = try codec.decodeUplink(UplinkInput(bytes: [0xFF, 0x38, 9], fPort: 3,
                                                     recvTime: Date(timeIntervalSince1970: 1_767_225_600),
                                                     variables: ["label": "roof"]))
        #expect(out.data == ["temperature": .number(-20), "port": 3, "rest": 1, "year": 2026, "label": "roof",
                             "big": .number(1_099_511_627_776), "entries": .object(["a": 1]), "last": 3])
        #expect(out.warnings == ["1 trailing bytes"])
        #expect(out.errors.isEmpty)
    }

    @Test("encodeDownlink returns bytes and fPort; decodeDownlink round-trips")
    func downlink() throws {
        let codec = try engine.load(source: """
        function encodeDownlink(input) { return { bytes: [input.data.on ? 1 : 0, input.data.level], fPort: 10 }; }
        function decodeDownlink(input) { return { data: { on: input.bytes[0] === 1, level: input.bytes[1] } }; }
        """)
        let encoded = try codec.encodeDownlink(DownlinkInput(data: .object(["on": true, "level": 7])))
        #expect(encoded.bytes == [1, 7])
        #expect(encoded.fPort == 10)
        let decoded = try codec.decodeDownlink(UplinkInput(bytes: encoded.bytes, fPort: 10))
        #expect(decoded.data == ["on": true, "level": 7])
    }

    @Test("ChirpStack v3 Decode(fPort, bytes, variables) and Encode(fPort, obj, variables)")
    func chirpStackV3() throws {
        let codec = try engine.load(source: """
        function Decode(fPort, bytes, variables) { return { port: fPort, sum: bytes.reduce((a, b) => a + b, 0), unit: variables.unit }; }
        function Encode(fPort, obj, variables) { return [fPort, obj.value & 0xff]; }
        """)
        #expect(try codec.decodeV3(fPort: 2, bytes: [1, 2, 3], variables: ["unit": "C"]) == ["port": 2, "sum": 6, "unit": "C"])
        #expect(try codec.encodeV3(fPort: 5, object: .object(["value": 300])) == [5, 44])
    }

    @Test("run(function:input:) accepts bytes as an array, hex or base64")
    func runInputForms() throws {
        let codec = try engine.load(source: "function decodeUplink(i) { return { data: { b: i.bytes } }; }")
        for bytes: JSONValue in [[1, 103, 255], "0167ff", "01 67 FF", "AWf/"] {
            let out = try codec.run(function: "decodeUplink", input: .object(["bytes": bytes, "fPort": 1]))
            #expect(out == .object(["data": .object(["b": [1, 103, 255]])]))
        }
        #expect(throws: CodecError.self) { try codec.run(function: "decodeUplink", input: .object(["bytes": [256], "fPort": 1])) }
        #expect(throws: CodecError.self) { try codec.run(function: "decodeUplink", input: .object(["bytes": [1]])) }
    }

    @Test("the script is loaded once: its state persists across calls")
    func stateAcrossCalls() throws {
        let codec = try engine.load(source: "let n = 0; function decodeUplink() { n += 1; return { data: { n } }; }")
        for expected in 1...3 {
            #expect(try codec.decodeUplink(UplinkInput(bytes: [], fPort: 1)).data == ["n": .number(Double(expected))])
        }
    }

    @Test("a reported error is a result, not an exception")
    func codecReportedErrors() throws {
        let codec = try engine.load(source: "function decodeUplink() { return { errors: ['unknown fPort'] }; }")
        let out = try codec.decodeUplink(UplinkInput(bytes: [1], fPort: 99))
        #expect(out.data == nil)
        #expect(out.errors == ["unknown fPort"])
    }
}

@Suite("ScriptCodec: hostile scripts")
struct HostileScriptTests {
    func decode(_ codec: ScriptCodec) throws(CodecError) -> DecodedPayload {
        try codec.decodeUplink(UplinkInput(bytes: [1, 2], fPort: 1))
    }

    @Test("a throwing codec gives .threw with the exception's message")
    func throwing() throws {
        let codec = try CodecEngine().load(source: "function decodeUplink(i) { throw new RangeError('bad length ' + i.bytes.length); }")
        #expect(throws: CodecError.threw(function: "decodeUplink", message: "RangeError: bad length 2")) { try decode(codec) }
        let other = try CodecEngine().load(source: "function decodeUplink(i) { throw 'plain string'; }")
        #expect(throws: CodecError.threw(function: "decodeUplink", message: "uncaught plain string")) { try decode(other) }
    }

    @Test("an infinite loop is stopped near the time limit and the codec works again afterwards")
    func infiniteLoop() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(timeLimitMilliseconds: 50))
        let codec = try engine.load(source: """
        let calls = 0;
        function decodeUplink(i) { calls++; if (i.bytes[0] === 0) { for (;;) {} } return { data: { calls } }; }
        """)
        let start = ContinuousClock.now
        #expect(throws: CodecError.timedOut(function: "decodeUplink", limitMilliseconds: 50)) {
            try codec.decodeUplink(UplinkInput(bytes: [0], fPort: 1))
        }
        // Generous bound for a loaded 2-core machine; without the watchdog this never returns.
        #expect(ContinuousClock.now - start < .seconds(3))
        // The context was rebuilt from source: the counter starts again.
        #expect(try codec.decodeUplink(UplinkInput(bytes: [1], fPort: 1)).data == ["calls": 1])
    }

    @Test("a loop in a getter, in toJSON or at the top level is stopped too")
    func loopsElsewhere() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(timeLimitMilliseconds: 30))
        let getter = try engine.load(source: "function decodeUplink() { return { data: { get x() { for(;;){} } } }; }")
        #expect(throws: CodecError.timedOut(function: "decodeUplink", limitMilliseconds: 30)) { try decode(getter) }
        let toJSON = try engine.load(source: "function decodeUplink() { return { data: { toJSON() { while(true){} } } }; }")
        #expect(throws: CodecError.timedOut(function: "decodeUplink", limitMilliseconds: 30)) { try decode(toJSON) }
        #expect(throws: CodecError.self) { try engine.load(source: "for(;;){}") }
    }

    @Test("unbounded allocation is stopped by the memory limit and the engine carries on")
    func unboundedAllocation() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(timeLimitMilliseconds: 5_000, memoryLimitBytes: 48 << 20))
        let hog = try engine.load(source: """
        function decodeUplink() { const keep = []; for (;;) { keep.push(new Array(100000).fill(1.5)); } }
        """)
        let good = try engine.load(source: "function decodeUplink(i) { return { data: { n: i.bytes.length } }; }")
        do {
            _ = try decode(hog)
            Issue.record("the allocation loop returned")
        } catch {
            guard case .memoryLimitExceeded(_, let limit, let observed) = error else {
                Issue.record("expected memoryLimitExceeded, got \(error)")
                return
            }
            #expect(limit == 48 << 20)
            #expect(observed > limit)
        }
        #expect(try decode(good).data == ["n": 2])
        // A slow but frugal codec (well past several 10 ms checks) must not be blamed for the
        // hog's garbage: the engine collects after a memory termination.
        let slow = try engine.load(source: """
        function decodeUplink() { let x = 0; for (let k = 0; k < 3e7; k++) { x = (x + k) % 1000003; } return { data: { x } }; }
        """)
        #expect(try decode(slow).data?["x"] != nil)
    }

    @Test("an extremely deep result is contained (stack limit or time limit), and the codec recovers")
    func extremelyDeepResult() throws {
        let codec = try CodecEngine().load(source: """
        function decodeUplink(i) {
          if (i.bytes.length === 0) return { data: { ok: true } };
          let o = []; for (let k = 0; k < 100000; k++) o = [o]; return { data: { o } };
        }
        """)
        do {
            _ = try codec.decodeUplink(UplinkInput(bytes: [1], fPort: 1))
            Issue.record("accepted a 100000-deep result")
        } catch {
            switch error {
            case .invalidResult, .timedOut: break
            default: Issue.record("unexpected \(error)")
            }
        }
        #expect(try codec.decodeUplink(UplinkInput(bytes: [], fPort: 1)).data == ["ok": true])
    }

    @Test("unbounded ArrayBuffer allocation counts against the limit too")
    func unboundedArrayBuffers() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(timeLimitMilliseconds: 5_000, memoryLimitBytes: 48 << 20))
        let hog = try engine.load(source: """
        const keep = [];
        function decodeUplink() { for (;;) { const b = new Uint8Array(1 << 20); b[0] = 1; keep.push(b); } }
        """)
        do {
            _ = try decode(hog)
            Issue.record("the allocation loop returned")
        } catch {
            guard case .memoryLimitExceeded = error else { Issue.record("expected memoryLimitExceeded, got \(error)"); return }
        }
    }

    @Test("a huge string or ArrayBuffer result is refused")
    func hugeResults() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(maxOutputBytes: 1000))
        let codec = try engine.load(source: "function decodeUplink() { return { data: { s: 'x'.repeat(5000) } }; }")
        #expect(throws: CodecError.outputTooLarge(function: "decodeUplink", bytes: 5017, limit: 1000)) { try decode(codec) }
    }

    @Test("garbage results give .invalidResult", arguments: [
        ("return 42;", "expected an object"),
        ("return [1, 2];", "expected an object"),
        ("return null;", "expected an object"),
        ("return;", "returned undefined"),
        ("return { data: { t: NaN } };", "key \"t\""),
        ("return { data: { t: 1 / 0 } };", "key \"t\""),
        ("return { data: { n: 10n } };", "BigInt"),
        ("const o = { data: {} }; o.data.self = o; return o;", "not JSON"),
        ("return { data: 'text' };", "data must be an object"),
        ("return { warnings: ['x'] };", "neither data nor errors"),
        ("return { data: {}, errors: [1] };", "array of strings"),
        ("return Promise.resolve({ data: {} });", "Promise"),
        ("return () => 1;", "function"),
        ("let o = {}; for (let k = 0; k < 100; k++) o = { o }; return { data: o };", "nests too deeply"),
    ])
    func garbage(body: String, reason: String) throws {
        let codec = try CodecEngine().load(source: "function decodeUplink(input) { \(body) }")
        do {
            _ = try decode(codec)
            Issue.record("accepted garbage: \(body)")
        } catch {
            guard case .invalidResult(_, let why) = error else { Issue.record("\(body): \(error)"); return }
            #expect(why.contains(reason), "\(why)")
        }
    }

    @Test("encodeDownlink garbage: bytes out of 0–255, fractions, wrong fPort", arguments: [
        ("return { bytes: [1, 256] };", "byte 1"),
        ("return { bytes: [-1] };", "byte 0"),
        ("return { bytes: [1.5] };", "byte 0"),
        ("return { bytes: ['a'] };", "byte 0"),
        ("return { bytes: 'AQ==' };", "array of bytes"),
        ("return { bytes: [1], fPort: 0 };", "fPort"),
        ("return { bytes: [1], fPort: 300 };", "fPort"),
        ("return {};", "neither bytes nor errors"),
    ])
    func encodeGarbage(body: String, reason: String) throws {
        let codec = try CodecEngine().load(source: "function encodeDownlink(input) { \(body) }")
        do {
            _ = try codec.encodeDownlink(DownlinkInput(data: .object([:])))
            Issue.record("accepted garbage: \(body)")
        } catch {
            guard case .invalidResult(_, let why) = error else { Issue.record("\(body): \(error)"); return }
            #expect(why.contains(reason), "\(why)")
        }
    }

    @Test("scripts that cannot load give .scriptFailedToLoad; missing functions .functionNotFound")
    func loadErrors() throws {
        let engine = CodecEngine()
        #expect(throws: CodecError.self) { try engine.load(source: "function decodeUplink( {") }
        #expect(throws: CodecError.scriptFailedToLoad("Error: boom")) { try engine.load(source: "throw new Error('boom')") }
        let codec = try engine.load(source: "var notAFunction = 1;")
        #expect(throws: CodecError.functionNotFound("decodeUplink")) { try decode(codec) }
        #expect(throws: CodecError.functionNotFound("notAFunction")) { try codec.call("notAFunction", arguments: []) }
        #expect(throws: CodecError.invalidFunctionName("a;b")) { try codec.call("a;b", arguments: []) }
        let tooBig = CodecEngine(configuration: CodecEngineConfiguration(maxScriptBytes: 10))
        #expect(throws: CodecError.scriptTooLarge(bytes: 20, limit: 10)) { try tooBig.load(source: String(repeating: " ", count: 20)) }
    }

    @Test("no file system, network, modules or WebAssembly: require, fetch, XMLHttpRequest, import() are absent")
    func isolation() throws {
        let codec = try CodecEngine().load(source: #"""
        let imported = "pending";
        import("fs").then(() => { imported = "loaded"; }, (e) => { imported = "rejected"; });
        function probe() {
          const names = ["require", "fetch", "XMLHttpRequest", "process", "Deno", "Bun", "WebAssembly",
                         "setTimeout", "setInterval", "WebSocket", "importScripts", "module", "exports", "readFile", "load", "os"];
          const present = names.filter((n) => typeof globalThis[n] !== "undefined");
          return { present, imported };
        }
        """#)
        let out = try codec.call("probe", arguments: [])
        #expect(out == .object(["present": [], "imported": "rejected"]))
    }

    @Test("prototype pollution and built-in tampering stay inside one codec")
    func prototypePollution() throws {
        let engine = CodecEngine()
        let polluter = try engine.load(source: """
        Object.prototype.injected = "evil";
        Array.prototype.map = function () { return ["hijacked"]; };
        JSON.stringify = function () { return '{"data":{"hijacked":true}}'; };
        Reflect.apply = function () { return { data: { hijacked: true } }; };
        function decodeUplink(i) { return { data: { own: i.bytes.map((b) => b * 2) } }; }
        """)
        let victim = try engine.load(source: """
        function decodeUplink(i) { return { data: { injected: ({}).injected ?? null, doubled: i.bytes.map((b) => b * 2) } }; }
        """)
        #expect(try decode(victim).data == ["injected": .null, "doubled": [2, 4]])
        // The polluter sees its own tampering but cannot change how the engine calls or serialises.
        #expect(try decode(polluter).data == ["own": ["hijacked"]])
        #expect(try decode(victim).data == ["injected": .null, "doubled": [2, 4]])
    }

    @Test("one bad codec never affects another in the same engine")
    func badCodecIsolation() throws {
        let engine = CodecEngine(configuration: CodecEngineConfiguration(timeLimitMilliseconds: 30))
        let good = try engine.load(source: "let n = 0; function decodeUplink(i) { n++; return { data: { n } }; }")
        let looping = try engine.load(source: "function decodeUplink() { for (;;) {} }")
        let throwing = try engine.load(source: "function decodeUplink() { null.x; }")
        #expect(try decode(good).data == ["n": 1])
        #expect(throws: CodecError.self) { try decode(looping) }
        #expect(throws: CodecError.self) { try decode(throwing) }
        #expect(try decode(good).data == ["n": 2])  // state kept: good's context was never touched
    }

    @Test("calls from many tasks at once are serialised and all correct")
    func concurrentCalls() async throws {
        let engine = CodecEngine()
        let codecs = try (0..<4).map { k in
            try engine.load(source: "function decodeUplink(i) { return { data: { k: \(k), v: i.bytes[0] } }; }")
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for v in 0..<200 {
                        let k = (t + v) % 4
                        let out = try codecs[k].decodeUplink(UplinkInput(bytes: [UInt8(v % 256)], fPort: 1))
                        if out.data != ["k": .number(Double(k)), "v": .number(Double(v % 256))] { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

@Suite("ScriptCodec: run(function:input:) as the CLI uses it")
struct ScriptCodecRunTests {
    @Test("recvTime given as RFC 3339 text or epoch ms, or filled in from the default")
    func recvTime() throws {
        let codec = try CodecEngine().load(source: "function decodeUplink(i) { return { data: { t: i.recvTime.toISOString(), v: i.variables ?? null } }; }")
        let text = try codec.run(function: "decodeUplink", input: .object(["bytes": [], "fPort": 1, "recvTime": "2026-01-02T03:04:05Z"]))
        #expect(text["data"]?["t"] == "2026-01-02T03:04:05.000Z")
        let millis = try codec.run(function: "decodeUplink", input: .object(["bytes": [], "fPort": 1, "recvTime": 0, "variables": .object(["k": "v"])]))
        #expect(millis["data"] == .object(["t": "1970-01-01T00:00:00.000Z", "v": .object(["k": "v"])]))
        let defaulted = try codec.run(function: "decodeUplink", input: .object(["bytes": [], "fPort": 1]),
                                      defaultRecvTime: Date(timeIntervalSince1970: 86_400))
        #expect(defaulted["data"]?["t"] == "1970-01-02T00:00:00.000Z")
    }

    @Test("a string too long for the engine is a contained exception")
    func hugeString() throws {
        let codec = try CodecEngine().load(source: "function decodeUplink() { return { data: { s: 'x'.repeat(2 ** 31) } }; }")
        #expect(throws: CodecError.self) { try codec.decodeUplink(UplinkInput(bytes: [], fPort: 1)) }
    }
}
