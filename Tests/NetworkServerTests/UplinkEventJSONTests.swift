import Foundation
import LoRaWAN
import Testing
@testable import NetworkServer

/// The hand-written `up` JSON against `JSONEncoder` on the same events, byte for byte.
@Suite("up event JSON")
struct UplinkEventJSONTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let awkward = ["plain", "", "quote \" and \\ backslash", "slash / stays", "tab\there\nnewline\r\u{08}\u{0C}",
                          "ctl \u{01}\u{1F}\u{7F}", "ünïcødé ✓ 🚀", "</script>", "a\u{0}b"]

    static func event(_ rng: inout Rng) -> UplinkEvent {
        func pick(_ a: [String]) -> String { a.randomElement(using: &rng) ?? "" }
        func snr() -> Double {
            [7.5, -20, 0, 12.25, -7.2, 0.1, 1e-7, 123456789.5, -0.5][Int.random(in: 0..<9, using: &rng)]
        }
        var tags: [String: String] = [:]
        for _ in 0..<Int.random(in: 0...3, using: &rng) { tags[pick(Self.awkward) + "k"] = pick(Self.awkward) }
        let info = DeviceInfo(applicationId: pick(Self.awkward), applicationName: pick(Self.awkward), deviceProfileId: "p",
                              deviceProfileName: pick(Self.awkward), deviceName: pick(Self.awkward), devEui: "0000000000000001",
                              deviceClassEnabled: "CLASS_A", tags: tags)
        let rx = (0..<Int.random(in: 1...3, using: &rng)).map { i in
            EventRxInfo(gatewayId: "aa555a000000000\(i)", uplinkId: UInt32.random(in: 0...UInt32.max, using: &rng),
                        time: Bool.random(using: &rng) ? "2026-11-28T19:30:38.123Z" : nil, rssi: Int.random(in: -140...0, using: &rng),
                        snr: snr(), channel: Int.random(in: 0...7, using: &rng), rfChain: 1, board: 0, antenna: i,
                        location: Bool.random(using: &rng) ? EventLocation(latitude: 46.24, longitude: -3.2523, altitude: 145) : nil,
                        context: "AAAD6A==", crcStatus: "CRC_OK")
        }
        let modulation: Modulation = Bool.random(using: &rng) ? .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5")
                                                              : .fsk(bitrate: 50_000, frequencyDeviation: 25_000)
        return UplinkEvent(deduplicationId: UUID().uuidString.lowercased(), time: "2026-11-28T19:30:38.123Z", deviceInfo: info,
                           devAddr: "01000001", adr: Bool.random(using: &rng), dr: Int.random(in: 0...5, using: &rng),
                           fCnt: UInt32.random(in: 0...UInt32.max, using: &rng),
                           fPort: Bool.random(using: &rng) ? UInt8.random(in: 1...223, using: &rng) : nil, confirmed: Bool.random(using: &rng),
                           data: Bool.random(using: &rng) ? "AQIDBA==" : nil, rxInfo: rx,
                           txInfo: EventTxInfo(frequency: 868_100_000, modulation: modulation))
    }

    @Test("hand-written JSON equals JSONEncoder's output on generated events")
    func matchesEncoder() throws {
        var rng = Rng(state: 3)
        for _ in 0..<500 {
            let e = Self.event(&rng)
            let fast = try #require(e.jsonBytes())
            let reference = Array(NetworkServerEvent.up(e).encodedWithFoundation())
            #expect(fast == reference, "\(String(decoding: fast, as: UTF8.self))\n\(String(decoding: reference, as: UTF8.self))")
            #expect(Array(NetworkServerEvent.up(e).jsonData()) == reference)
        }
    }

    @Test("a non-finite SNR falls back to the encoder")
    func nonFinite() {
        var rng = Rng(state: 5)
        var e = Self.event(&rng)
        e.rxInfo[0].snr = .nan
        #expect(e.jsonBytes() == nil)
        #expect(NetworkServerEvent.up(e).jsonData() == NetworkServerEvent.up(e).encodedWithFoundation())
    }
}

/// `appendJSON(to:object:)`, the event pipeline's encoder: the same bytes as `jsonData()`, with a
/// codec's object spliced in as the first member exactly as the pipeline did before.
@Suite("event JSON appended to a buffer")
struct EventAppendJSONTests {
    /// The pipeline's former splice: `{` + `"object":<text>` + `,` + the event JSON after its `{`.
    static func spliced(_ json: [UInt8], object: [UInt8]) -> [UInt8] {
        [UInt8(ascii: "{")] + Array(#""object":"#.utf8) + object + (json.count > 2 ? [UInt8(ascii: ",")] : []) + json.dropFirst()
    }

    @Test("appended JSON equals jsonData(), with and without an object, into a reused buffer")
    func matchesJSONData() {
        var rng = UplinkEventJSONTests.Rng(state: 11)
        var buffer: [UInt8] = Array("prefix".utf8)
        let object = Array(#"{"temperature":21.5,"name":"a \"b\""}"#.utf8)
        for k in 0..<200 {
            let event = NetworkServerEvent.up(UplinkEventJSONTests.event(&rng))
            let reference = Array(event.jsonData())
            buffer.removeAll(keepingCapacity: true)
            event.appendJSON(to: &buffer)
            #expect(buffer == reference)
            buffer.removeAll(keepingCapacity: true)
            event.appendJSON(to: &buffer, object: object)
            #expect(buffer == Self.spliced(reference, object: object), "event \(k)")
        }
    }

    @Test("appending keeps what the buffer held before")
    func appends() {
        var rng = UplinkEventJSONTests.Rng(state: 12)
        let event = NetworkServerEvent.up(UplinkEventJSONTests.event(&rng))
        var buffer: [UInt8] = Array("head".utf8)
        event.appendJSON(to: &buffer)
        #expect(buffer == Array("head".utf8) + Array(event.jsonData()))
    }

    @Test("a non-finite SNR falls back to the encoder, object spliced the same way")
    func nonFiniteWithObject() {
        var rng = UplinkEventJSONTests.Rng(state: 13)
        var e = UplinkEventJSONTests.event(&rng)
        e.rxInfo[0].snr = .infinity
        let event = NetworkServerEvent.up(e)
        var buffer: [UInt8] = Array("x".utf8)
        event.appendJSON(to: &buffer, object: Array("{}".utf8))
        #expect(buffer == Array("x".utf8) + Self.spliced(Array(event.encodedWithFoundation()), object: Array("{}".utf8)))
    }

    @Test("events other than up ignore an object and match jsonData()")
    func otherEvents() {
        let info = DeviceInfo(applicationId: "a", applicationName: "A", deviceProfileId: "p", deviceProfileName: "P", deviceName: "d",
                              devEui: "0000000000000001", deviceClassEnabled: "CLASS_A")
        let join = NetworkServerEvent.join(JoinEvent(deduplicationId: "x", time: "2026-11-28T19:30:38.123Z", deviceInfo: info, devAddr: "01020304"))
        var buffer: [UInt8] = []
        join.appendJSON(to: &buffer, object: Array("{\"a\":1}".utf8))
        #expect(buffer == Array(join.jsonData()))
    }
}
