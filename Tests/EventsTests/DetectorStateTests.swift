import Foundation
import Testing
@testable import Events

/// Detector state survives a restart: every kind round-trips through its stored form, resumes
/// exactly as if there had been no restart, and hostile or stale records are refused with a reason.
@Suite struct DetectorStateTests {
    static let definitions: [DetectorDefinition] = [
        DetectorDefinition(id: "freezer", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: -15,
                                                                                durationSeconds: 600, hysteresis: 1))),
        DetectorDefinition(id: "quiet", kind: .absence(AbsenceParameters(metric: "uplink", intervalMultiple: 3, historySize: 4, minIntervals: 2))),
        DetectorDefinition(id: "battery", kind: .rateOfChange(RateParameters(metric: "b", windowSeconds: 3600, per: .hour, direction: .below,
                                                                           threshold: -5))),
        DetectorDefinition(id: "odd", kind: .anomaly(AnomalyParameters(metric: "t", method: .mad, windowSize: 8, threshold: 3, minSamples: 4))),
        DetectorDefinition(id: "door", kind: .stateMachine(StateMachineDetectorTests.doorModel)),
    ]

    static func s(_ seconds: Int64, _ metric: String, _ value: Double, device: String = "d1") -> Sample {
        Sample(time: 1_764_000_000_000 + seconds * 1000, device: device, metric: metric, value: value)
    }

    /// Samples that leave every kind mid-way: a pending breach, learned intervals, a rate window,
    /// an anomaly window, a state machine in `open` with a running timer and a variable.
    static let history: [Sample] = {
        var out: [Sample] = []
        for i: Int64 in 0..<6 {
            out.append(s(i * 60, "uplink", 1))
            out.append(s(i * 60, "t", -20 + Double(i % 2)))
            out.append(s(i * 60, "b", 100 - Double(i) * 0.01))
            out.append(s(i * 60, "uplink", 1, device: "d2"))
        }
        out.append(s(400, "t", -10))        // freezer: pending since 400 s
        out.append(s(401, "door", 1))       // door: open, timer at 701 s
        out.append(s(402, "b", 99))         // battery: a steep fall
        return out
    }()

    /// What happens after the restart point: ticks and samples that exercise every pending state.
    static let future: [(tick: Int64?, sample: Sample?)] = [
        (s(500, "x", 0).time, nil),
        (nil, s(600, "t", -11)),
        (s(1001, "x", 0).time, nil),        // freezer fires at 1000 s, door at 701 s, quiet at 300+180 s
        (nil, s(1002, "t", -20)),           // freezer resolves
        (nil, s(1003, "door", 0)),
        (nil, s(1004, "uplink", 1)),
        (nil, s(1005, "t", 30)),            // anomalous
    ]

    static func run(_ engine: inout DetectorEngine) -> [DetectorOutput] {
        var out: [DetectorOutput] = []
        for step in future {
            if let t = step.tick { out += engine.tick(now: t) }
            if let sample = step.sample { out += engine.observe(sample) }
        }
        return out
    }

    static func engineWithHistory() throws -> DetectorEngine {
        var engine = try DetectorEngine(definitions: definitions)
        for sample in history { _ = engine.observe(sample) }
        return engine
    }

    @Test func everyKindRoundTripsAndResumesAsIfNeverStopped() throws {
        var original = try Self.engineWithHistory()
        let records = original.stateRecords(savedAt: 42)
        #expect(Set(records.map(\.detector)) == ["freezer", "quiet", "battery", "odd", "door"])
        let bytes = try records.map { try $0.encoded() }
        let decoded = try zip(records, bytes).map { try DetectorStateRecord.decode($1, detector: $0.detector) }
        #expect(decoded == records)

        var restored = try DetectorEngine(definitions: Self.definitions)
        #expect(restored.restore(decoded) == [])
        #expect(restored.instanceCount == original.instanceCount)
        for d in Self.definitions {
            for device in ["d1", "d2"] {
                #expect(restored.instance(detectorID: d.id, device: device) == original.instance(detectorID: d.id, device: device),
                        "\(d.id)/\(device)")
            }
        }
        #expect(restored.nextDeadline == original.nextDeadline)
        // The pending breach kept its start: the alert fires 600 s after the first warm sample.
        guard case .threshold(let t)? = restored.instance(detectorID: "freezer", device: "d1") else { Issue.record("no freezer"); return }
        #expect(t.state == .pending(since: Self.s(400, "t", 0).time))

        let expected = Self.run(&original)
        let resumed = Self.run(&restored)
        #expect(resumed == expected)
        #expect(expected.contains { $0.detectorID == "freezer" && $0.action == .fire(AlertSignal(time: Self.s(1000, "t", 0).time,
                                                                                                    message: "t -11 above -15 for 600 s", value: -11)) })
        #expect(expected.contains { $0.detectorID == "door" })
        #expect(expected.contains { $0.detectorID == "quiet" && $0.device == "d2" })
    }

    @Test func aFreshEngineWithoutTheStateForgets() throws {
        // The difference persistence makes: without it, nothing is pending after a restart.
        var fresh = try DetectorEngine(definitions: Self.definitions)
        let out = Self.run(&fresh)
        let fired = out.filter { o in
            if case .fire = o.action { return o.detectorID == "freezer" }
            return false
        }
        #expect(fired.isEmpty)
    }

    @Test func nonFiniteVariablesSurviveTheJSON() throws {
        var engine = try DetectorEngine(definitions: Self.definitions)
        _ = engine.observe(Self.s(0, "door", 1))
        var records = engine.stateRecords(savedAt: 0)
        let i = try #require(records.firstIndex { $0.detector == "door" })
        records[i].instances[0].stateMachine?.variables["x"] = .infinity
        let back = try DetectorStateRecord.decode(try records[i].encoded(), detector: "door")
        #expect(back.instances[0].stateMachine?.variables["x"] == .infinity)
    }

    @Test func changedOrRemovedDetectorsStartAfresh() throws {
        let records = try Self.engineWithHistory().stateRecords(savedAt: 0)
        var changed = Self.definitions
        changed[0].kind = .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: -18, durationSeconds: 600))
        changed.removeLast()
        var engine = try DetectorEngine(definitions: changed)
        let notes = engine.restore(records)
        #expect(notes.count == 2)
        #expect(notes.contains { $0.contains("'freezer'") && $0.contains("definition changed") })
        #expect(notes.contains { $0.contains("'door'") && $0.contains("no longer exists") })
        #expect(engine.instance(detectorID: "freezer", device: "d1") == nil)
        #expect(engine.instance(detectorID: "quiet", device: "d1") != nil)
    }

    @Test func anotherFormatVersionIsIncompatible() throws {
        var record = try #require(try Self.engineWithHistory().stateRecords(savedAt: 0).first)
        record.version = 2
        #expect(throws: EventsError.incompatibleState(detector: record.detector, version: 2, expected: 1)) {
            try DetectorStateRecord.decode(try record.encoded(), detector: record.detector)
        }
    }

    static let freezerDefinition = #"{"id":"freezer","scope":{},"severity":"warning","enabled":true,"threshold":{"metric":"t","direction":"above","threshold":-15,"durationSeconds":600,"hysteresis":1}}"#

    static func freezerRecord(_ instance: String) -> [UInt8] {
        Array(#"{"version":1,"detector":"freezer","savedAt":0,"definition":\#(freezerDefinition),"instances":[\#(instance)]}"#.utf8)
    }

    @Test(arguments: [
        ("", "not a state record"),
        ("null", "not a state record"),
        ("[1,2]", "not a state record"),
        (#"{"version":"1"}"#, "not a state record"),
        (#"{"version":1}"#, "missing field"),
        (#"{"version":1,"detector":"freezer","savedAt":0,"definition":{},"instances":[]}"#, "missing field"),
        (#"{"version":1,"detector":"other","savedAt":0,"definition":\#(freezerDefinition),"instances":[]}"#, "belongs to detector 'other'"),
        ("{\"version\":1,\"detector\":\"freezer\"" + String(repeating: " ", count: 10), "not a state record"),
    ])
    func corruptRecordsAreRefusedWithAReason(text: String, expected: String) {
        do {
            _ = try DetectorStateRecord.decode(Array(text.utf8), detector: "freezer")
            Issue.record("decoded \(text)")
        } catch {
            guard case .corruptState(let detector, let reason) = error else { Issue.record("\(error)"); return }
            #expect(detector == "freezer")
            #expect(reason.contains(expected), "\(reason)")
        }
    }

    @Test(arguments: [
        (#"{"device":"d1","threshold":{"phase":"pending","lastValue":1}}"#, "needs 'since'"),
        (#"{"device":"d1","threshold":{"phase":"pending","since":-5,"lastValue":1}}"#, "since -5"),
        (#"{"device":"d1","threshold":{"phase":"boiling"}}"#, "unknown threshold phase"),
        (#"{"device":"d1","absence":{"intervals":[],"firing":false}}"#, "not a threshold state"),
        (#"{"device":"d1"}"#, "exactly one detector state, found 0"),
        (#"{"device":"d1","threshold":{"phase":"normal"},"anomaly":{"window":[],"firing":false}}"#, "found 2"),
        (#"{"device":"d1","threshold":{"phase":"pending","since":9999999999999999,"lastValue":1}}"#, "since 9999999999999999"),
        (#"{"device":"d1","threshold":{"phase":"normal","lastValue":"inf"}}"#, "not finite"),
    ])
    func hostileInstancesAreSkippedWithANote(instance: String, expected: String) throws {
        let record = try DetectorStateRecord.decode(Self.freezerRecord(instance), detector: "freezer")
        var engine = try DetectorEngine(definitions: [Self.definitions[0]])
        let notes = engine.restore([record])
        #expect(notes.count == 1)
        #expect(notes.first?.contains(expected) == true, "\(notes)")
        #expect(engine.instanceCount == 0)
    }

    @Test func hostileStatesOfOtherKindsAreSkipped() throws {
        let base = try Self.engineWithHistory().stateRecords(savedAt: 0)
        func check(_ detector: String, _ mutate: (inout DetectorStateRecord.InstanceState) -> Void, _ expected: String) throws {
            var record = try #require(base.first { $0.detector == detector })
            mutate(&record.instances[0])
            var engine = try DetectorEngine(definitions: Self.definitions)
            let notes = engine.restore([try DetectorStateRecord.decode(try record.encoded(), detector: detector)])
            #expect(notes.count == 1 && notes[0].contains(expected), "\(detector): \(notes)")
            #expect(engine.instance(detectorID: detector, device: record.instances[0].device) == nil)
        }
        try check("quiet", { $0.absence?.intervals = [1, 2, 3, 4, 5] }, "more intervals than historySize")
        try check("quiet", { $0.absence?.intervals = [0] }, "interval 0 out of range")
        try check("battery", { $0.rateOfChange?.values.removeLast() }, "times but")
        try check("battery", { $0.rateOfChange?.times.reverse() }, "not in order")
        try check("odd", { $0.anomaly?.window = Array(repeating: 1, count: 9) }, "longer than windowSize")
        try check("door", { $0.stateMachine?.state = "ajar" }, "unknown state 'ajar'")
        try check("door", { $0.stateMachine?.timers["t"] = -1 }, "timer deadline -1")
    }

    @Test func oversizedRecordsAreRefusedBeforeParsing() {
        let huge = [UInt8](repeating: 0x20, count: DetectorStateRecord.maxEncodedBytes + 1)
        #expect(throws: EventsError.self) { try DetectorStateRecord.decode(huge, detector: "x") }
    }

    @Test func changeCountMovesWithSamplesAndDueTicks() throws {
        var engine = try DetectorEngine(definitions: Self.definitions)
        #expect(engine.changeCount == 0)
        _ = engine.observe(Self.s(0, "t", -20))
        let afterSample = engine.changeCount
        #expect(afterSample > 0)
        _ = engine.tick(now: Self.s(1, "x", 0).time)   // nothing due
        #expect(engine.changeCount == afterSample)
    }
}
