import Testing
@testable import Events

/// Samples one minute apart for device "d1", starting at t0.
let t0: Int64 = 1_790_000_000_000
func minute(_ n: Int) -> Int64 { t0 + Int64(n) * 60_000 }
func s(_ n: Int, _ metric: String, _ value: Double, device: String = "d1") -> Sample {
    Sample(time: minute(n), device: device, metric: metric, value: value)
}
func s(_ n: Int, value: Double) -> Sample { s(n, "temperature", value) }

@Suite struct ThresholdDetectorTests {
    let params = ThresholdParameters(metric: "temperature", direction: .above, threshold: -15, durationSeconds: 600, hysteresis: 1)

    @Test func firesAfterTheDurationAndResolvesPastTheHysteresis() {
        var d = ThresholdDetector(params)
        var fired: [Int] = []
        var resolved: [Int] = []
        // -18 for 2 minutes, then -12 from minute 2 to 14, then -14.5 (inside the band), then -16.5.
        let values: [Double] = [-18, -18] + Array(repeating: -12, count: 13) + [-14.5, -14.5, -16.5, -16.5]
        for (i, v) in values.enumerated() {
            for a in d.observe(s(i, value: v)) {
                switch a {
                case .fire: fired.append(i)
                case .resolve: resolved.append(i)
                default: break
                }
            }
        }
        // The breach starts at minute 2; ten minutes later is minute 12.
        #expect(fired == [12])
        // -14.5 is below -15+... no: it is above -16 (threshold - hysteresis), so it stays firing; -16.5 resolves.
        #expect(resolved == [17])
    }

    @Test func aDipBelowTheThresholdRestartsTheDuration() {
        var d = ThresholdDetector(params)
        #expect(d.observe(s(0, value: -10)).isEmpty)
        #expect(d.observe(s(5, value: -20)).isEmpty) // breach interrupted
        #expect(d.observe(s(6, value: -10)).isEmpty)
        #expect(d.observe(s(12, value: -10)).isEmpty) // only 6 minutes since the new breach
        #expect(d.observe(s(16, value: -10)).count == 1)
    }

    @Test func tickFiresWithoutANewSample() {
        var d = ThresholdDetector(params)
        _ = d.observe(s(0, value: -10))
        #expect(d.tick(now: minute(9)).isEmpty)
        let actions = d.tick(now: minute(13)) // a late tick: the alert is dated when the 10 minutes elapsed
        guard case let .fire(signal)? = actions.first else { Issue.record("expected a fire"); return }
        #expect(signal.time == minute(10))
        #expect(signal.value == -10)
        #expect(d.state == .firing)
        #expect(d.tick(now: minute(11)).isEmpty)
    }

    @Test func belowDirectionAndZeroDurationFireAtOnce() {
        var d = ThresholdDetector(ThresholdParameters(metric: "battery", direction: .below, threshold: 20, hysteresis: 5))
        #expect(d.observe(s(0, "battery", 21)).isEmpty)
        #expect(d.observe(s(0, "temperature", 0)).isEmpty) // other metric ignored
        #expect(d.observe(s(1, "battery", 19)).count == 1)
        #expect(d.observe(s(2, "battery", 24)).isEmpty) // inside the band
        #expect(d.observe(s(3, "battery", 25)) == [.resolve(time: minute(3), message: "battery 25 back within threshold")])
    }
}

@Suite struct AbsenceDetectorTests {
    @Test func fixedTimeoutFiresOnTickAndResolvesOnTheNextSample() {
        var d = AbsenceDetector(AbsenceParameters(timeoutSeconds: 300))
        #expect(d.tick(now: minute(100)).isEmpty) // never seen: nothing to say
        _ = d.observe(s(0, value: 1))
        #expect(d.tick(now: minute(4)).isEmpty)
        let fired = d.tick(now: minute(6))
        #expect(fired == [.fire(AlertSignal(time: minute(5), message: "no uplink for 300 s (timeout 300 s)", value: 300))])
        #expect(d.tick(now: minute(6)).isEmpty) // once
        #expect(d.tick(now: minute(7)).isEmpty)
        #expect(d.observe(s(7, value: 1)) == [.resolve(time: minute(7), message: "device reporting again")])
    }

    @Test func learnsTheUsualIntervalAndFiresAtKTimesIt() throws {
        var d = AbsenceDetector(AbsenceParameters(intervalMultiple: 3, historySize: 8, minIntervals: 3))
        // Every 10 minutes; several metrics per uplink share a time and count once.
        for i in stride(from: 0, through: 50, by: 10) {
            _ = d.observe(s(i, "temperature", 1))
            _ = d.observe(s(i, "humidity", 1))
        }
        #expect(d.usualInterval == 600_000)
        #expect(d.timeout == 1_800_000)
        #expect(d.tick(now: minute(79)).isEmpty)
        let actions = d.tick(now: minute(80))
        guard case let .fire(signal)? = actions.first else { Issue.record("expected a fire"); return }
        #expect(signal.value == 1800)
        #expect(signal.message.contains("3× usual interval 600 s"))
    }

    @Test func learnedModeStaysQuietUntilItKnowsTheInterval() {
        var d = AbsenceDetector(AbsenceParameters(intervalMultiple: 3, minIntervals: 3))
        _ = d.observe(s(0, value: 1))
        _ = d.observe(s(1, value: 1))
        #expect(d.tick(now: minute(1000)).isEmpty)
    }
}

@Suite struct RateOfChangeDetectorTests {
    @Test func fallingBatteryFiresAndRecoveryResolves() {
        // Battery % falling faster than 1 %/hour over a 2-hour window.
        var d = RateOfChangeDetector(RateParameters(metric: "battery", windowSeconds: 7200, per: .hour, direction: .below, threshold: -1))
        var events: [(Int, DetectorAction)] = []
        // Flat at 90 for 3 hours (every 30 min), then falls 1 % per 30 min (= -2 %/h), then flat.
        var v = 90.0
        for step in 0..<20 {
            if step >= 6 && step < 12 { v -= 1 }
            for a in d.observe(s(step * 30, "battery", v)) { events.append((step, a)) }
        }
        #expect(events.count == 2)
        guard events.count == 2 else { return }
        // step 6: window (steps 2..6) spans 2 h with a 1 % drop: -0.5 %/h; step 7: -1 %/h (not below -1);
        // step 8: -1.5 %/h fires.
        #expect(events[0].0 == 8)
        if case let .fire(signal) = events[0].1 { #expect(signal.value == -1.5) } else { Issue.record("expected fire") }
        // Falling stops after step 11; at step 13 the window (steps 9..13) holds a 2 % drop: -1 %/h,
        // no longer below -1, resolves.
        #expect(events[1].0 == 13)
        if case .resolve = events[1].1 {} else { Issue.record("expected resolve") }
    }

    @Test func perSecondAndLateSamples() {
        var d = RateOfChangeDetector(RateParameters(metric: "level", windowSeconds: 10, per: .second, direction: .above, threshold: 2))
        let base = t0
        #expect(d.observe(Sample(time: base, device: "d", metric: "level", value: 0)).isEmpty)
        #expect(d.observe(Sample(time: base - 5_000, device: "d", metric: "level", value: 100)).isEmpty) // late: ignored
        #expect(d.observe(Sample(time: base + 5_000, device: "d", metric: "level", value: 15)).count == 1) // 3/s
        #expect(d.rate == 3)
    }
}

@Suite struct AnomalyDetectorTests {
    /// A deterministic pseudo-random series around 20 with spread ≈ 1, and one outlier.
    static func series(outlierAt: Int, outlier: Double) -> [Double] {
        var x: UInt64 = 0x2545_F491_4F6C_DD1D
        return (0..<200).map { i in
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            let u = Double(x % 10_000) / 10_000 // uniform [0, 1)
            return i == outlierAt ? outlier : 20 + (u - 0.5) * 3.4
        }
    }

    @Test(arguments: [AnomalyParameters.Method.zscore, .mad])
    func findsTheKnownOutlierAndNothingElse(method: AnomalyParameters.Method) {
        var d = AnomalyDetector(AnomalyParameters(metric: "temperature", method: method, windowSize: 50, threshold: 4, minSamples: 20))
        var fired: [Int] = []
        var resolved: [Int] = []
        for (i, v) in Self.series(outlierAt: 120, outlier: 35).enumerated() {
            for a in d.observe(s(i, value: v)) {
                if case .fire = a { fired.append(i) }
                if case .resolve = a { resolved.append(i) }
            }
        }
        #expect(fired == [120])
        #expect(resolved == [121])
    }

    @Test func madIgnoresAFewLargeValuesThatInflateTheStandardDeviation() throws {
        // Window: 18 values at 10 and 2 huge ones. The mean and the SD are dragged far off; the
        // median is not. MAD is 0 here, so the spread falls back to 1.2533 × mean absolute
        // deviation = 1.2533 × 99 = 124.08: 14 scores 0.03. With everything equal, any change is +inf.
        var z = AnomalyDetector(AnomalyParameters(metric: "m", method: .zscore, windowSize: 20, threshold: 3, minSamples: 20))
        var m = AnomalyDetector(AnomalyParameters(metric: "m", method: .mad, windowSize: 20, threshold: 3, minSamples: 20))
        let values = Array(repeating: 10.0, count: 9) + [1000] + Array(repeating: 10.0, count: 9) + [1000]
        for (i, v) in values.enumerated() {
            _ = z.observe(s(i, "m", v))
            _ = m.observe(s(i, "m", v))
        }
        #expect(try #require(z.score(14)) < 1)
        #expect(abs(try #require(m.score(14)) - 4 / (1.2533 * 99)) < 1e-9)
        #expect(m.score(10) == 0)
        var flat = AnomalyDetector(AnomalyParameters(metric: "m", method: .mad, windowSize: 20, threshold: 3, minSamples: 5))
        var floored = AnomalyDetector(AnomalyParameters(metric: "m", method: .zscore, windowSize: 20, threshold: 3, minSamples: 5, minSpread: 0.5))
        for i in 0..<10 {
            _ = flat.observe(s(i, "m", 10))
            _ = floored.observe(s(i, "m", 10))
        }
        #expect(flat.score(10.1) == .infinity)
        #expect(floored.score(11) == 2)
    }

    @Test func quietUntilMinSamples() {
        var d = AnomalyDetector(AnomalyParameters(metric: "m", method: .zscore, windowSize: 10, threshold: 3, minSamples: 5))
        for i in 0..<4 { #expect(d.observe(s(i, "m", Double(i))).isEmpty) }
        #expect(d.score(1000) == nil)
    }
}
