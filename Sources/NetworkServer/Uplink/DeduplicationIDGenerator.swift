/// Makes the `deduplicationId` of each uplink: a random (version 4, RFC 9562 §5.4) UUID in
/// lowercase text, as ChirpStack's events carry.
///
/// Foundation's `UUID()` reads the system's random source for every id and then needs a
/// `lowercased()` copy; the id only has to be unique, not secret, so a SplitMix64 stream seeded
/// once from the system generator is used, formatted straight into the string's bytes.
struct DeduplicationIDGenerator {
    private var state: UInt64

    init(seed: UInt64? = nil) {
        var g = SystemRandomNumberGenerator()
        state = seed ?? g.next()
    }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next id, e.g. `"3f2b8c1e-5d4a-4e7f-9a1b-0c2d3e4f5a6b"`.
    mutating func make() -> String {
        let hi = (next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000        // version 4
        let lo = (next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000        // variant 10
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { out in
            hex.withUTF8Buffer { digits in
                var i = 0
                func put(_ v: UInt64, nibbles: Int) {
                    for k in stride(from: nibbles - 1, through: 0, by: -1) {
                        out[i] = digits[Int((v >> (UInt64(k) * 4)) & 0xF)]
                        i += 1
                    }
                }
                put(hi >> 32, nibbles: 8); out[i] = 0x2D; i += 1
                put(hi >> 16, nibbles: 4); out[i] = 0x2D; i += 1
                put(hi, nibbles: 4); out[i] = 0x2D; i += 1
                put(lo >> 48, nibbles: 4); out[i] = 0x2D; i += 1
                put(lo, nibbles: 12)
            }
            return 36
        }
    }
}
