import Testing
@testable import PayloadCodecs

/// A small deterministic generator (SplitMix64) so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Hostile input never traps")
struct HostileInputTests {
    @Test("random bytes: Cayenne LPP decodes or throws CodecError.cayenneLPP; decoded output re-encodes")
    func randomLPP() throws {
        var rng = SplitMix64(state: 6)
        var decodedCount = 0
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                let object = try CayenneLPP.decode(bytes)
                decodedCount += 1
                // Whatever decodes must encode again (repeated keys collapse, so compare by decoding).
                #expect(try CayenneLPP.decode(CayenneLPP.encode(object)) == object)
            } catch {
                guard case .cayenneLPP = error else { Issue.record("unexpected \(error)"); return }
            }
        }
        #expect(decodedCount > 0)
    }

    @Test("random and mutated JSON text: parses or throws CodecError.invalidJSON")
    func randomJSON() {
        var rng = SplitMix64(state: 7)
        let seed = Array(#"{"a":[1,-2.5e3,true,null,"x\u00e9\n"],"b":{"c":[]}}"#.utf8)
        for _ in 0..<20_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = UInt8.random(in: 0...255, using: &rng)
            }
            do {
                let value = try JSONValue(parsingUTF8: bytes)
                // What parses prints as JSON that parses to the same value.
                #expect(try JSONValue(parsing: value.description) == value)
            } catch {
                guard case .invalidJSON = error else { Issue.record("unexpected \(error)"); return }
            }
        }
    }

    @Test("random bytes through a JavaScript codec: a result or a typed error, never a crash")
    func randomThroughScript() throws {
        let codec = try CodecEngine().load(source: """
        function decodeUplink(i) {
          const b = i.bytes;
          if (b.length === 0) return { errors: ["empty"] };
          if (b[0] === 0) throw new Error("zero");
          if (b[0] === 1) return { data: { v: b[1] / 0 } };
          return { data: { first: b[0], n: b.length } };
        }
        """)
        var rng = SplitMix64(state: 8)
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...8, using: &rng)).map { _ in UInt8.random(in: 0...3, using: &rng) }
            do {
                let out = try codec.decodeUplink(UplinkInput(bytes: bytes, fPort: 1))
                #expect(out.data != nil || !out.errors.isEmpty)
            } catch {
                switch error {
                case .threw, .invalidResult: break
                default: Issue.record("unexpected \(error) for \(bytes)")
                }
            }
        }
    }
}
