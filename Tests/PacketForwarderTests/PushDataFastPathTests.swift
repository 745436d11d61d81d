import LoRaWAN
import Testing
@testable import PacketForwarder

/// The PUSH_DATA fast path against the strict `JSONDecoder` path on the same bytes: whenever the
/// fast path returns a value it must equal the strict result, and it must return nil for every
/// input the strict path refuses (so hostile input always gets the strict verdict and reason).
@Suite("PUSH_DATA fast path")
struct PushDataFastPathTests {
    static func strict(_ json: [UInt8]) -> PushDataPayload? {
        try? JSONCoding.decode(PushDataPayload.self, from: json[...], what: "PUSH_DATA")
    }

    static func fast(_ json: [UInt8]) -> PushDataPayload? {
        PushDataFastPath.parse(JSONCoding.trimmed(json[...]))
    }

    /// Checks the contract on one input; returns whether the fast path answered.
    @discardableResult
    static func check(_ json: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let f = fast(json)
        let s = strict(json)
        if let f {
            #expect(s == f, "fast path accepted what the strict path \(s == nil ? "refuses" : "reads differently"): \(String(decoding: json, as: UTF8.self))",
                    sourceLocation: sourceLocation)
        }
        return f != nil
    }

    /// A small deterministic generator (SplitMix64), so failures reproduce.
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

    static func randomPacket(_ rng: inout Rng) -> RxPacket {
        let payload = (0..<Int.random(in: 1...60, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var rx = RxPacket(time: Bool.random(using: &rng) ? "2026-11-28T19:00:0\(Int.random(in: 0...9, using: &rng)).123456Z" : nil,
                          tmms: Bool.random(using: &rng) ? Int64.random(in: 0...1_500_000_000_000, using: &rng) : nil,
                          tmst: UInt32.random(in: 0...UInt32.max, using: &rng),
                          freq: Double(Int.random(in: 8_630...8_700, using: &rng)) / 10,
                          chan: Int.random(in: 0...7, using: &rng), rfch: Int.random(in: 0...1, using: &rng),
                          brd: Bool.random(using: &rng) ? Int.random(in: 0...3, using: &rng) : nil,
                          stat: Int.random(in: -1...1, using: &rng), modu: "LORA",
                          datr: .string("SF\(Int.random(in: 7...12, using: &rng))BW125"), codr: "4/5",
                          rssi: Int.random(in: -140...0, using: &rng),
                          lsnr: Double(Int.random(in: -200...150, using: &rng)) / 10, size: payload.count,
                          data: Base64.encode(payload))
        if Int.random(in: 0..<4, using: &rng) == 0 {
            rx.modu = "FSK"
            rx.datr = .number(50_000)
            rx.codr = nil
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            rx.rsig = (0..<Int.random(in: 1...2, using: &rng)).map { ant in
                RxPacket.RSig(ant: ant, chan: 5, rssic: Int.random(in: -130...0, using: &rng),
                              rssis: Bool.random(using: &rng) ? -99 : nil, lsnr: Double(Int.random(in: -200...150, using: &rng)) / 4,
                              etime: Bool.random(using: &rng) ? "ZW5jcnlwdGVk" : nil, foff: -120, ftstat: 0, ftver: 1, ftdelta: 2)
            }
        }
        return rx
    }

    @Test("the sample datagrams take the fast path and read exactly as the strict path reads them")
    func samples() throws {
        for json in [Samples.rxpkSingle, Samples.rxpkRSig, #"{"rxpk":[]}"#, "{}", " {\"rxpk\" : [ { } ] }\n\0"] {
            let bytes = Array(json.utf8)
            if json.first == "{" { #expect(Self.check(bytes), "\(json)") } else { Self.check(bytes) }
        }
        let payload = try #require(Self.fast(Array(Samples.rxpkRSig.utf8)))
        #expect(payload.rxpk?.first?.rsig?.count == 2)
        #expect(payload.rxpk?.first?.rsig?.last?.lsnr == 2.25)
        #expect(payload.rxpk?.first?.freq == 867.5)
    }

    @Test("generated rxpk arrays (as JSONEncoder writes them) take the fast path with equal results")
    func generated() {
        var rng = Rng(state: 42)
        var taken = 0
        let n = 2_000
        for _ in 0..<n {
            let packets = (0..<Int.random(in: 1...3, using: &rng)).map { _ in Self.randomPacket(&rng) }
            let json = JSONCoding.encode(PushDataPayload(rxpk: packets))
            if Self.check(json) { taken += 1 }
            #expect(Self.strict(json)?.rxpk == packets)
        }
        // Every generated object is inside the subset (plain decimals, known keys, no escapes).
        #expect(taken == n)
    }

    @Test("inputs outside the subset go the strict way", arguments: [
        #"{"rxpk":[{"tmst":1,"data":"A\/A="}]}"#,            // escape
        #"{"rxpk":[{"tmst":1,"unknown":2}]}"#,               // unknown key
        #"{"rxpk":[{"tmst":1,"tmst":2}]}"#,                  // duplicate key
        #"{"rxpk":[{"tmst":null}]}"#,                        // null
        #"{"rxpk":[{"freq":8.681e2}]}"#,                     // exponent
        #"{"rxpk":[{"freq":868.1000000000001}]}"#,           // more than 15 digits
        #"{"rxpk":[{"chan":01}]}"#,                          // leading zero
        #"{"rxpk":[{"chan":-0}]}"#,                          // minus zero
        #"{"rxpk":[{"chan":1.0}]}"#,                         // fraction in an integer field
        #"{"rxpk":[{"tmst":4294967296}]}"#,                  // out of UInt32 range
        #"{"rxpk":[{"tmst":-1}]}"#,                          // negative UInt32
        #"{"rxpk":[{"rsig":[{"chan":1}]}]}"#,                // rsig without its required ant
        #"{"rxpk":[{"modu":"LÖRA"}]}"#,                      // non-ASCII string
        #"{"rxpk":[{"tmst":1}]}x"#,                          // trailing garbage
        #"{"rxpk":[{"tmst":1}],}"#,                          // trailing comma
        #"{"rxpk":[{"tmst":1},]}"#,                          // trailing comma in the array
        #"{"rxpk":[{"tmst":1}]"#,                            // truncated
        #"{"rxpk":[{"tmst":1}],"stat":{"rxnb":1}}"#,         // stat goes the strict way
        #"{"rxpk":[{"tmst":1}],"rxpk":[]}"#,                 // duplicate top-level key
        #"{"rxpk":[{"datr":50000.5}]}"#,                     // non-integer FSK rate
        #"{"rxpk":[{"tmst":1 2}]}"#,                         // two values
        #"{"rxpk":[{"time":"a\#u{01}b"}]}"#,                 // control character
    ])
    func outsideSubset(_ json: String) {
        #expect(Self.fast(Array(json.utf8)) == nil)
    }

    @Test("truncations and byte substitutions of valid datagrams never make the fast path disagree")
    func mutations() {
        var rng = Rng(state: 7)
        var seeds = [Array(Samples.rxpkSingle.utf8), Array(Samples.rxpkRSig.utf8)]
        for _ in 0..<20 { seeds.append(JSONCoding.encode(PushDataPayload(rxpk: [Self.randomPacket(&rng)]))) }
        let alphabet: [UInt8] = Array("\"\\{}[],:-.0123456789eE +x\u{7F}".utf8) + [0x00, 0x0A, 0x80, 0xC3, 0xFF]
        var inputs = 0
        for seed in seeds {
            for cut in stride(from: 0, to: seed.count, by: 3) {
                Self.check(Array(seed.prefix(cut)))
                inputs += 1
            }
            for _ in 0..<300 {
                var m = seed
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let at = Int.random(in: 0..<m.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: m[at] = alphabet.randomElement(using: &rng) ?? 0
                    case 1: m.insert(alphabet.randomElement(using: &rng) ?? 0, at: at)
                    default: m.remove(at: at)
                    }
                    if m.isEmpty { break }
                }
                Self.check(m)
                // The whole datagram path never traps on it either.
                _ = try? Datagram(bytes: Samples.header + m)
                inputs += 1
            }
        }
        #expect(inputs > 6_000)
    }
}
