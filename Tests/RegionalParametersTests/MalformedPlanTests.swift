import Foundation
import Testing
@testable import RegionalParameters

/// A malformed region file gives an error that names the file and the JSON path of the field.
@Suite struct MalformedPlanTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let edit: @Sendable (inout [String: Any]) -> Void
        let path: String
        let reasonContains: String
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "missing field", edit: { $0["rx2"] = nil }, path: "rx2", reasonContains: "missing required field"),
        Case(name: "missing nested field", edit: {
            $0["rx2"] = ["frequency": 869_525_000]
        }, path: "rx2.dataRate", reasonContains: "missing required field"),
        Case(name: "wrong type", edit: {
            var dataRates = $0["dataRates"] as? [[String: Any]] ?? []
            dataRates[3]["spreadingFactor"] = "nine"
            $0["dataRates"] = dataRates
        }, path: "dataRates[3].spreadingFactor", reasonContains: "expected an integer 5…12, found a string"),
        Case(name: "spreading factor out of range", edit: {
            var dataRates = $0["dataRates"] as? [[String: Any]] ?? []
            dataRates[3]["spreadingFactor"] = 13
            $0["dataRates"] = dataRates
        }, path: "dataRates[3].spreadingFactor", reasonContains: "expected an integer 5…12, found 13"),
        Case(name: "out-of-range frequency", edit: {
            $0["uplinkChannels"] = [["frequency": 915_000_000, "minDataRate": 0, "maxDataRate": 5]]
        }, path: "uplinkChannels[0].frequency", reasonContains: "outside frequencyRange"),
        Case(name: "frequency in MHz", edit: {
            $0["rx2"] = ["frequency": 869.525, "dataRate": 0]
        }, path: "rx2.frequency", reasonContains: "expected a frequency in Hz"),
        Case(name: "duplicate data rate", edit: {
            var dataRates = $0["dataRates"] as? [[String: Any]] ?? []
            dataRates[4]["index"] = 3
            $0["dataRates"] = dataRates
        }, path: "dataRates[4].index", reasonContains: "duplicate data rate DR3"),
        Case(name: "undefined data rate referenced", edit: {
            $0["rx2"] = ["frequency": 869_525_000, "dataRate": 14]
        }, path: "rx2.dataRate", reasonContains: "DR14 is not defined"),
        Case(name: "unknown field", edit: {
            $0["rx2"] = ["frequency": 869_525_000, "dataRate": 0, "frequncy": 1]
        }, path: "rx2.frequncy", reasonContains: "unknown field"),
        Case(name: "boolean expected", edit: {
            $0["dwellTime"] = ["uplinkDefault": 0, "downlinkDefault": false]
        }, path: "dwellTime.uplinkDefault", reasonContains: "expected a boolean"),
        Case(name: "tx power offsets must decrease", edit: {
            $0["txPower"] = ["maxEIRP": 16, "offsets": [0, -2, -2]]
        }, path: "txPower.offsets[2]", reasonContains: "decrease"),
        Case(name: "receive delay 2 inconsistent", edit: {
            $0["timing"] = ["receiveDelay1": 1000, "receiveDelay2": 3000, "joinAcceptDelay1": 5000, "joinAcceptDelay2": 6000]
        }, path: "timing.receiveDelay2", reasonContains: "RECEIVE_DELAY1 + 1000"),
        Case(name: "RX1 row of wrong width", edit: {
            var rx1 = $0["rx1"] as? [String: Any] ?? [:]
            var rows = rx1["dataRates"] as? [[String: Any]] ?? []
            rows[2]["downlinkDataRates"] = [2, 1, 0]
            rx1["dataRates"] = rows
            $0["rx1"] = rx1
        }, path: "rx1.dataRates[2].downlinkDataRates", reasonContains: "expected 6 entries"),
        Case(name: "payload N above M", edit: {
            $0["maxPayloadSizes"] = [["dwellTime": false, "repeaterCompatible": false, "sizes": [["dataRate": 0, "m": 51, "n": 59]]]]
        }, path: "maxPayloadSizes[0].sizes[0].n", reasonContains: "must not exceed M"),
        Case(name: "scheme does not fit kind", edit: { $0["channelMaskScheme"] = "fixed64+8" },
             path: "channelMaskScheme", reasonContains: "does not fit a dynamic plan"),
    ]

    @Test(arguments: cases)
    func malformedFieldIsNamed(_ testCase: Case) throws {
        var object = try RegionFiles.object("EU868.json")
        testCase.edit(&object)
        let bytes = try RegionFiles.encode(object)
        let error = try #require(thrownError { _ = try ChannelPlan.load(from: bytes, fileName: "EU868.json") })
        guard case let .invalidField(file, path, reason) = error else {
            Issue.record("expected invalidField, got \(error)")
            return
        }
        #expect(file == "EU868.json")
        #expect(path == testCase.path)
        #expect(reason.contains(testCase.reasonContains), "\(reason)")
        #expect(error.description.hasPrefix("EU868.json: \(testCase.path): "))
    }

    @Test func errorMessageHasTheDocumentedShape() throws {
        var object = try RegionFiles.object("EU868.json")
        var dataRates = object["dataRates"] as? [[String: Any]] ?? []
        dataRates[3]["spreadingFactor"] = 4
        object["dataRates"] = dataRates
        let bytes = try RegionFiles.encode(object)
        let error = thrownError { _ = try ChannelPlan.load(from: bytes, fileName: "EU868.json") }
        #expect(error?.description == "EU868.json: dataRates[3].spreadingFactor: expected an integer 5…12, found 4")
    }

    @Test(arguments: [
        ("", "unexpected end of input"),
        ("{", "expected a string key"),
        ("{\"id\": 1,}", "expected a string key"),
        ("{\"id\": \"a\", \"id\": \"b\"}", "duplicate key \"id\""),
        ("[1, 2", "expected ',' or ']'"),
        ("{\"a\": 01}", "expected ',' or '}'"),
        ("{\"a\": \"\\x\"}", "invalid escape"),
        ("{} x", "unexpected data after the JSON value"),
        (String(repeating: "[", count: 200), "nesting deeper than 64 levels"),
    ])
    func invalidJSONIsReportedWithTheFileName(_ text: String, _ fragment: String) {
        let error = thrownError { _ = try ChannelPlan.load(from: Array(text.utf8), fileName: "BROKEN.json") }
        guard case let .invalidJSON(file, reason) = error else {
            Issue.record("expected invalidJSON, got \(String(describing: error))")
            return
        }
        #expect(file == "BROKEN.json")
        #expect(reason.contains(fragment), "\(reason)")
        #expect(reason.hasPrefix("line "))
    }

    @Test func arbitraryBytesNeverCrashTheLoader() {
        // Deterministic pseudo-random mutations of a valid file: every outcome is a plan or a typed error.
        var generator = SplitMix64(seed: 0x5EED)
        let original = (try? RegionFiles.bytes("US915.json")) ?? []
        #expect(!original.isEmpty)
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let position = Int(generator.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            if generator.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count)))) }
            _ = try? ChannelPlan.load(from: bytes, fileName: "US915.json")
        }
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
