import Foundation
import Testing
@testable import Events

@Suite struct AlertBookTests {
    let defs = [DetectorDefinition(id: "hot", severity: .critical, kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10)))]

    func fire(_ time: Int64, _ message: String = "hot", device: String = "d1") -> DetectorOutput {
        DetectorOutput(detectorID: "hot", device: device, action: .fire(AlertSignal(time: time, message: message, value: 11)))
    }

    func resolve(_ time: Int64, device: String = "d1") -> DetectorOutput {
        DetectorOutput(detectorID: "hot", device: device, action: .resolve(time: time, message: "ok"))
    }

    @Test func refiringWhileOpenUpdatesTheSameAlert() throws {
        var book = AlertBook(definitions: defs)
        let firstValue = book.apply(fire(1000))
        let first = try #require(firstValue)
        #expect(first.transition == .fired)
        #expect(first.alert.id == "hot:d1:1000")
        #expect(first.alert.severity == .critical)
        #expect(first.alert.detectorType == "threshold")
        #expect(first.idempotencyKey == "hot:d1:1000/fired")
        let againValue = book.apply(fire(2000, "hotter"))
        let again = try #require(againValue)
        #expect(again.transition == .updated)
        #expect(again.alert.id == first.alert.id)
        #expect(again.alert.fireCount == 2)
        #expect(again.alert.message == "hotter")
        #expect(book.open.count == 1)
        // Another device is another alert.
        let other = book.apply(fire(2500, device: "d2"))
        #expect(other?.transition == .fired)
        #expect(book.open.count == 2)
    }

    @Test func lifecycleFiringAcknowledgedResolvedThenANewAlert() throws {
        var book = AlertBook(definitions: defs)
        let firedValue = book.apply(fire(1000))
        let fired = try #require(firedValue)
        let ackValue = try book.acknowledge(id: fired.alert.id, by: "ops", at: 1500)
        let ack = try #require(ackValue)
        #expect(ack.alert.state == .acknowledged)
        #expect(ack.alert.acknowledgedBy == "ops")
        let second = try book.acknowledge(id: fired.alert.id, by: "ops", at: 1600)
        #expect(second == nil)
        // Firing while acknowledged updates, keeping the acknowledgement.
        let update = book.apply(fire(1700))
        #expect(update?.alert.state == .acknowledged)
        let resolvedValue = book.apply(resolve(2000))
        let resolved = try #require(resolvedValue)
        #expect(resolved.transition == .resolved)
        #expect(resolved.alert.state == .resolved)
        #expect(resolved.alert.resolvedAt == 2000)
        let none = book.apply(resolve(2100))
        #expect(none == nil) // nothing open
        #expect(throws: EventsError.alertNotFound(id: fired.alert.id)) { try book.acknowledge(id: fired.alert.id, by: nil, at: 2200) }
        let nextValue = book.apply(fire(3000))
        let next = try #require(nextValue)
        #expect(next.transition == .fired)
        #expect(next.alert.id != fired.alert.id)
    }

    @Test func rebuiltFromOpenAlertsItKeepsDeduplicating() throws {
        var book = AlertBook(definitions: defs)
        let firedValue = book.apply(fire(1000))
        let fired = try #require(firedValue)
        var restarted = AlertBook(definitions: defs, openAlerts: [fired.alert])
        let after = restarted.apply(fire(5000))
        #expect(after?.transition == .updated)
    }
}

@Suite struct DetectorEngineTests {
    @Test func scopesRouteSamplesAndTicksReachAbsence() throws {
        let defs = [
            DetectorDefinition(id: "freezer-warm", scope: .deviceProfile("freezer"), kind: .threshold(ThresholdParameters(metric: "temperature", direction: .above, threshold: -15))),
            DetectorDefinition(id: "silent", scope: .application("cold"), kind: .absence(AbsenceParameters(timeoutSeconds: 600))),
            DetectorDefinition(id: "off", enabled: false, kind: .threshold(ThresholdParameters(metric: "temperature", direction: .above, threshold: -100))),
        ]
        var engine = try DetectorEngine(definitions: defs)
        var a = Sample(time: minute(0), device: "a", metric: "temperature", value: -10, application: "cold", deviceProfile: "freezer")
        let out = engine.observe(a)
        #expect(out.map(\.detectorID) == ["freezer-warm"])
        var b = a
        b.device = "b"
        b.deviceProfile = "fridge"
        #expect(engine.observe(b).isEmpty)
        #expect(engine.instanceCount == 3) // freezer-warm/a, silent/a, silent/b
        a.time = minute(5)
        _ = engine.observe(a)
        let ticked = engine.tick(now: minute(11))
        #expect(ticked.map(\.device) == ["b"])
        #expect(ticked.map(\.detectorID) == ["silent"])
    }

    @Test func invalidDefinitionsAreRejectedWithTheirId() {
        #expect(throws: EventsError.invalidDefinition(detector: "x y", reason: "id must be 1…64 of letters, digits, '-', '_', '.'")) {
            try DetectorEngine(definitions: [DetectorDefinition(id: "x y", kind: .absence(AbsenceParameters(timeoutSeconds: 1)))])
        }
        #expect(throws: EventsError.self) {
            try DetectorEngine(definitions: [DetectorDefinition(id: "a", kind: .absence(AbsenceParameters()))])
        }
        #expect(throws: EventsError.self) {
            try DetectorEngine(definitions: [DetectorDefinition(id: "a", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: .nan)))])
        }
    }
}

@Suite struct DefinitionCodingTests {
    @Test func decodesADetectorsFileAndRoundTrips() throws {
        let json = #"""
        {"detectors": [
          {"id": "freezer-warm", "scope": {"deviceProfile": "freezer"}, "severity": "critical",
           "threshold": {"metric": "temperature", "direction": "above", "threshold": -15, "durationSeconds": 600, "hysteresis": 1}},
          {"id": "silent", "absence": {"intervalMultiple": 3}},
          {"id": "battery", "rateOfChange": {"metric": "battery", "windowSeconds": 86400, "per": "hour", "direction": "below", "threshold": -0.5}},
          {"id": "odd", "anomaly": {"metric": "temperature", "method": "mad"}},
          {"id": "door", "stateMachine": {"initialState": "closed", "states": [
             {"name": "closed", "transitions": [{"to": "open", "when": "door == 1"}]},
             {"name": "open", "onEnter": [{"setTimer": {"name": "t", "seconds": 300}}, {"alert": {"message": "open"}}],
              "transitions": [{"to": "closed", "when": "door == 0", "actions": [{"resolve": {}}]}]}]}}
        ]}
        """#
        let defs = try DetectorDefinition.decodeList(from: Data(json.utf8))
        #expect(defs.map(\.kind.typeName) == ["threshold", "absence", "rateOfChange", "anomaly", "stateMachine"])
        #expect(defs[0].scope == .deviceProfile("freezer"))
        #expect(defs[1].scope == .all)
        #expect(defs[1].severity == .warning)
        let encoded = try JSONEncoder().encode(defs)
        #expect(try DetectorDefinition.decodeList(from: encoded) == defs)
    }

    @Test(arguments: [
        (#"[{"id": "a"}]"#, "exactly one of"),
        (#"[{"id": "a", "absence": {"timeoutSeconds": 1}, "anomaly": {"metric": "m", "method": "mad"}}]"#, "exactly one of"),
        (#"[{"id": "a", "absence": {"timeoutSeconds": -1}}]"#, "timeoutSeconds"),
        (#"[{"id": "a", "absence": {"timeoutSeconds": 1}}, {"id": "a", "absence": {"timeoutSeconds": 1}}]"#, "duplicate"),
        (#"[{"id": "a", "threshold": {"metric": "m", "direction": "sideways", "threshold": 1}}]"#, "direction"),
        (#"[{"absence": {"timeoutSeconds": 1}}]"#, "missing 'id'"),
        (#"{"detectors": 3}"#, "wrong type"),
        ("[", "not valid JSON"),
        (#"[{"id": "a", "stateMachine": {"initialState": "x", "states": []}}]"#, "initialState"),
    ])
    func rejectsBadFilesWithAReason(json: String, fragment: String) {
        #expect {
            try DetectorDefinition.decodeList(from: Data(json.utf8))
        } throws: { error in
            "\(error)".contains(fragment)
        }
    }
}

@Suite struct SampleParsingTests {
    @Test func parsesEpochMillisAndRFC3339() throws {
        let a = try Sample.parse(jsonLine: #"{"time": 1790000000000, "device": "d", "metric": "t", "value": -1.5}"#)
        #expect(a == Sample(time: 1_790_000_000_000, device: "d", metric: "t", value: -1.5))
        let b = try Sample.parse(jsonLine: #"{"time": "2026-11-28T17:00:00.250Z", "device": "d", "metric": "door", "value": true, "application": "app"}"#)
        #expect(b.time == 1_795_885_200_250) // date -d 2026-11-28T17:00:00Z +%s → 1795885200
        #expect(b.value == 1)
        #expect(b.application == "app")
        let c = try Sample.parse(jsonLine: #"{"time": "2026-11-28T18:30:00+01:30", "device": "d", "metric": "m", "value": 2}"#)
        #expect(c.time == 1_795_885_200_000)
        #expect(formatRFC3339Millis(b.time) == "2026-11-28T17:00:00.250Z")
        // A leap day that exists.
        #expect(try Sample.parse(jsonLine: #"{"time": "2028-02-29T00:00:00Z", "device": "d", "metric": "m", "value": 1}"#).time == 1_835_395_200_000)
    }

    @Test(arguments: [
        ("", "not valid JSON"), ("[]", "JSON object"), (#"{"device": "d", "metric": "m", "value": 1}"#, "'time'"),
        (#"{"time": -1, "device": "d", "metric": "m", "value": 1}"#, "'time'"),
        (#"{"time": 1e300, "device": "d", "metric": "m", "value": 1}"#, "'time'"),
        (#"{"time": 1.5, "device": "d", "metric": "m", "value": 1}"#, "'time'"),
        (#"{"time": "yesterday", "device": "d", "metric": "m", "value": 1}"#, "RFC 3339"),
        (#"{"time": "2026-13-01T00:00:00Z", "device": "d", "metric": "m", "value": 1}"#, "RFC 3339"),
        // Days that do not exist in their month (2026 is not a leap year; April has 30 days).
        (#"{"time": "2026-02-29T00:00:00Z", "device": "d", "metric": "m", "value": 1}"#, "RFC 3339"),
        (#"{"time": "2026-04-31T00:00:00Z", "device": "d", "metric": "m", "value": 1}"#, "RFC 3339"),
        (#"{"time": 1, "device": "", "metric": "m", "value": 1}"#, "'device'"),
        (#"{"time": 1, "device": "d", "metric": "m", "value": "hot"}"#, "'value'"),
        (#"{"time": 1, "device": "d", "metric": 5, "value": 1}"#, "'metric'"),
    ])
    func rejectsHostileLines(line: String, fragment: String) {
        #expect {
            try Sample.parse(jsonLine: line, lineNumber: 7)
        } throws: { error in
            "\(error)".contains(fragment) && "\(error)".contains("line 7")
        }
    }
}

@Suite struct OutboxEntryTests {
    let policy = RetryPolicy(baseDelayMillis: 1000, maxDelayMillis: 10_000, multiplier: 2, jitter: 0.5, maxAttempts: 4)

    func entry() -> OutboxEntry {
        OutboxEntry(idempotencyKey: "a/fired", hookID: "h", alertID: "a", transition: .fired, body: "{}", nextAttemptAt: 0, createdAt: 0)
    }

    @Test func backoffGrowsCapsAndJitters() {
        #expect(policy.delay(afterAttempt: 1, random: 0.5) == 1000)
        #expect(policy.delay(afterAttempt: 2, random: 0.5) == 2000)
        #expect(policy.delay(afterAttempt: 3, random: 0.5) == 4000)
        #expect(policy.delay(afterAttempt: 10, random: 0.5) == 10_000)
        #expect(policy.delay(afterAttempt: 1_000_000, random: 0.5) == 10_000)
        #expect(policy.delay(afterAttempt: 2, random: 0) == 1000)
        #expect(policy.delay(afterAttempt: 2, random: 0.999_999) == 3000)
    }

    @Test func retriesThenDelivers() {
        var e = entry()
        #expect(e.isDue(at: 0))
        e.record(.retryable("connection refused"), at: 100, policy: policy, random: 0.5)
        #expect(e.state == .pending)
        #expect(e.attempts == 1)
        #expect(e.nextAttemptAt == 1100)
        #expect(!e.isDue(at: 1099))
        #expect(e.isDue(at: 1100))
        e.record(.delivered, at: 1200, policy: policy, random: 0.5)
        #expect(e.state == .delivered)
        #expect(e.deliveredAt == 1200)
        #expect(e.lastError == nil)
        e.record(.retryable("late"), at: 1300, policy: policy, random: 0.5)
        #expect(e.state == .delivered) // a delivered entry never goes back
        #expect(!e.isDue(at: 99_999))
    }

    @Test func givesUpAfterMaxAttemptsOrAPermanentError() {
        var e = entry()
        for i in 1...4 { e.record(.retryable("503"), at: Int64(i) * 100_000, policy: policy, random: 0.5) }
        #expect(e.state == .failed)
        #expect(e.attempts == 4)
        var p = entry()
        p.record(.permanent("HTTP 400"), at: 5, policy: policy, random: 0.5)
        #expect(p.state == .failed)
        #expect(p.lastError == "HTTP 400")
    }
}

@Suite struct HostileValueTests {
    @Test func hugeValuesNeverTrap() throws {
        var d = AbsenceDetector(AbsenceParameters(intervalMultiple: 1e6, minIntervals: 1))
        _ = d.observe(Sample(time: 0, device: "d", metric: "m", value: 1))
        _ = d.observe(Sample(time: Sample.maxTime, device: "d", metric: "m", value: 1))
        #expect(d.timeout == 1_000_000_000_000)
        #expect(d.tick(now: Sample.maxTime).isEmpty)
        let policy = RetryPolicy(baseDelayMillis: .max, maxDelayMillis: .max, multiplier: 1e300, jitter: 1)
        #expect(policy.delay(afterAttempt: .max, random: 0.99) <= 2 * 86_400_000)
        #expect(RetryPolicy(baseDelayMillis: 0, multiplier: .infinity, jitter: .nan).delay(afterAttempt: 99, random: .nan) == 0)
        #expect(RetryPolicy(baseDelayMillis: 5, multiplier: .nan, jitter: 0).delay(afterAttempt: 3, random: 0) == 300_000)
        var engine = try DetectorEngine(definitions: [DetectorDefinition(id: "t", kind: .threshold(ThresholdParameters(metric: "m", direction: .above, threshold: 0)))])
        #expect(engine.observe(Sample(time: .max, device: "d", metric: "m", value: 1)).isEmpty)
        #expect(engine.observe(Sample(time: 1, device: "d", metric: "m", value: .infinity)).isEmpty)
        #expect(engine.tick(now: .min).isEmpty)
        var z = AnomalyDetector(AnomalyParameters(metric: "m", method: .zscore, windowSize: 5, threshold: 3, minSamples: 2))
        for v in [1e308, -1e308, 1e308, -1e308] { _ = z.observe(Sample(time: 1, device: "d", metric: "m", value: v)) }
        _ = z.score(0)
    }

    @Test func longExpressionsAreRefusedNotOverflowed() throws {
        let chain = Array(repeating: "1", count: 2000).joined(separator: "+") + " == 2000"
        #expect(try Condition(chain).isTrue(in: .init()))
        let long = Array(repeating: "1", count: 100_000).joined(separator: "+")
        #expect(throws: EventsError.self) { try Condition(long) }
    }
}

@Suite struct EngineSchedulingTests {
    /// The heap-driven tick must give the same result as ticking every instance.
    @Test func tickHandlesDueInstancesInDeadlineOrderAndSkipsMovedDeadlines() throws {
        let defs = [DetectorDefinition(id: "silent", kind: .absence(AbsenceParameters(timeoutSeconds: 600)))]
        var engine = try DetectorEngine(definitions: defs)
        for (i, device) in ["c", "a", "b"].enumerated() {
            _ = engine.observe(Sample(time: minute(i), device: device, metric: "m", value: 1))
        }
        // "a" reports again at minute 5: its deadline moves from 11 to 15 (the old entry is stale).
        _ = engine.observe(Sample(time: minute(5), device: "a", metric: "m", value: 1))
        #expect(engine.nextDeadline == minute(10))
        #expect(engine.tick(now: minute(9)).isEmpty)
        let fired = engine.tick(now: minute(14))
        #expect(fired.map(\.device) == ["c", "b"]) // deadlines 10 and 12, in that order
        #expect(engine.tick(now: minute(14)).isEmpty)
        #expect(engine.tick(now: minute(15)).map(\.device) == ["a"])
        #expect(engine.nextDeadline == nil)
    }

    @Test func manyMovedDeadlinesStayCorrect() throws {
        let defs = [DetectorDefinition(id: "silent", kind: .absence(AbsenceParameters(timeoutSeconds: 60)))]
        var engine = try DetectorEngine(definitions: defs)
        for i in 0..<5000 {
            _ = engine.observe(Sample(time: Int64(i) * 1000, device: "d\(i % 3)", metric: "m", value: 1))
        }
        // Last samples at 4997 s (d2), 4998 s (d0), 4999 s (d1): each fires 60 s later.
        #expect(engine.tick(now: 5_057_000).map(\.device) == ["d2"])
        #expect(engine.tick(now: 5_059_000).map(\.device) == ["d0", "d1"])
    }
}

@Suite struct DetectorEngineReloadTests {
    static let warm = DetectorDefinition(id: "warm", kind: .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 10,
                                                                                          durationSeconds: 60)))
    static let silent = DetectorDefinition(id: "silent", kind: .absence(AbsenceParameters(timeoutSeconds: 120)))

    @Test("a reload keeps unchanged detectors' state (pending breach, absence deadline) and restarts changed ones")
    func reloadKeepsUnchangedState() throws {
        var engine = try DetectorEngine(definitions: [Self.warm, Self.silent])
        _ = engine.observe(Sample(time: minute(0), device: "a", metric: "t", value: 11))   // breach starts, a seen
        // A new detector is added (it sorts first, so every index moves) and "silent" is unchanged.
        let added = DetectorDefinition(id: "added", kind: .threshold(ThresholdParameters(metric: "t", direction: .below, threshold: -50)))
        engine = try engine.reloaded(with: [added, Self.silent, Self.warm])
        #expect(engine.instanceCount == 2)
        let fired = engine.tick(now: minute(2))   // the breach lasted 60 s; a is silent for 120 s
        #expect(fired.map(\.detectorID).sorted() == ["silent", "warm"])

        // Changing "warm" (a new threshold) restarts it: its state is gone; "silent" keeps its own.
        var changed = Self.warm
        changed.kind = .threshold(ThresholdParameters(metric: "t", direction: .above, threshold: 20, durationSeconds: 60))
        engine = try engine.reloaded(with: [added, Self.silent, changed])
        #expect(engine.instance(detectorID: "warm", device: "a") == nil)
        #expect(engine.instance(detectorID: "silent", device: "a") != nil)
        // Removing a detector drops its instances; an invalid set is refused.
        engine = try engine.reloaded(with: [Self.silent])
        #expect(engine.instanceCount == 1)
        #expect(throws: EventsError.self) {
            _ = try engine.reloaded(with: [DetectorDefinition(id: "bad id", kind: .absence(AbsenceParameters(timeoutSeconds: 1)))])
        }
    }
}
