// Chunk blob format, version 1 (the bytes stored — after zstd, by TelemetryStore — in a chunk row).
//
// The format-version and algorithm numbers below are part of the on-disk format: they are never
// renumbered or reused. A new encoding gets a new number; readers keep decoding the old ones.
//
//   offset  size     field
//   0       1        formatVersion            = 1
//   1       1        timeAlgorithm            1 = delta-of-delta (zigzag LEB128 varints)
//                                             2 = external: the time section is empty and the
//                                                 times come from a separate time column (below)
//   2       1        valueAlgorithm           0 = raw IEEE 754 binary64, little-endian
//                                             1 = decimal: scaled integers, delta, zigzag, bit-packed
//                                             2 = Gorilla XOR (Pelkonen et al., VLDB 2015, §4.1.2)
//   3       1        decimalExponent e        0…15 (algorithm 1 only; 0 otherwise)
//   4       varint   count                    number of points, 0…maxPointsPerChunk
//   .       varint   timeSectionLength        bytes of the time section that follows
//   .       …        time section
//   .       …        value section            runs to the end of the blob
//
// Time section (delta-of-delta; all arithmetic wraps, so any Int64 sequence round-trips):
//   zigzag(t0), zigzag(t1 - t0), then zigzag((t[i] - t[i-1]) - (t[i-1] - t[i-2])) for i ≥ 2.
//   Regular sampling makes most entries 0 or small; the varints are then left to zstd.
//
// Value section, algorithm 1 (decimal), used when every value v equals n / 10^e exactly for an
// integer n with |n| < 2^53 (sensor readings are decimals: 21.4 °C, 3.312 V):
//   zigzag varint n0, then the deltas d[i] = n[i] - n[i-1] (i ≥ 1) zigzag-encoded and bit-packed in
//   blocks of 128: per block one byte `width` (0…64) followed by ceil(len × width / 8) bytes holding
//   the block's values LSB-first, `width` bits each.
// Value section, algorithm 2 (Gorilla): a bit stream, MSB-first within each byte:
//   64 bits of v0; then per value x = bits(v) XOR bits(previous):
//     '0'                                  x == 0
//     '10' + meaningful bits               x fits the previous window of leading/trailing zeros
//     '11' + 5 bits leading zeros + 6 bits (meaningful length − 1) + meaningful bits
//   The stream is padded with zero bits to a whole byte.
// Value section, algorithm 0 (raw): count × 8 bytes.
//
// Time column (a separate blob shared by the chunks of one device and window — the metrics of one
// uplink share its receive time, and with millisecond jitter the time column is the largest part):
//   offset  size     field
//   0       1        formatVersion            = 1
//   1       1        timeAlgorithm            = 1 (delta-of-delta, as above)
//   2       varint   count
//   .       …        the time section as above, to the end of the blob
//
// Pseudocode of the encoder's choice per chunk:
//   if decimal(e) fits for the smallest e in 0…maxDecimalExponent: candidates = [decimal]
//   else candidates = [gorilla, raw]; keep the smallest encoding (raw caps the worst case).

/// Algorithm identifiers of the chunk blob format. Never renumber.
public enum TimeAlgorithm: UInt8, Sendable {
    case deltaOfDelta = 1
    case external = 2
}

/// Value algorithm identifiers of the chunk blob format. Never renumber.
public enum ValueAlgorithm: UInt8, Sendable {
    case raw = 0
    case decimal = 1
    case gorilla = 2
}

/// Encodes a chunk's points into the blob format documented at the top of this file.
///
/// The encoder is pure: it takes points and returns bytes. It does not sort or deduplicate — pass
/// `sortedLatestWins()` output; any order still round-trips, only less compactly.
///
/// ```swift
/// let blob = ChunkEncoder.encode([Point(time: 1_700_000_000_000, value: 21.4),
///                                 Point(time: 1_700_000_600_000, value: 21.5)])
/// // blob[0...3] == [1, 1, 1, 1]: version 1, delta-of-delta, decimal, e = 1
/// ```
public enum ChunkEncoder {
    /// The current format version written by `encode`.
    public static let formatVersion: UInt8 = 1
    /// The largest number of points a chunk may hold; decoders reject larger counts.
    public static let maxPointsPerChunk = 1 << 24
    /// The largest decimal exponent tried (values with more decimals fall back to Gorilla/raw).
    public static let maxDecimalExponent = 6
    static let blockSize = 128

    /// Encodes `points` and returns the blob.
    /// - Parameter forceValueAlgorithm: for tests, use this value algorithm when it can represent
    ///   the values (decimal may not); `nil` chooses per chunk.
    /// - Parameter externalTimes: leave the times out (time algorithm 2); the caller stores them
    ///   with `encodeTimeColumn` and passes them to `ChunkDecoder.decode(_:externalTimes:)`.
    public static func encode(_ points: [Point], forceValueAlgorithm: ValueAlgorithm? = nil, externalTimes: Bool = false) -> [UInt8] {
        precondition(points.count <= maxPointsPerChunk, "chunk too large")
        var timeSection = ByteWriter()
        if !externalTimes { encodeTimes(points.map(\.time), into: &timeSection) }

        let values = points.map(\.value)
        var chosen: (ValueAlgorithm, UInt8, [UInt8])
        let exponent = decimalExponent(of: values)
        switch forceValueAlgorithm {
        case .raw?: chosen = (.raw, 0, encodeRaw(values))
        case .gorilla?: chosen = (.gorilla, 0, encodeGorilla(values))
        case .decimal?:
            if let e = exponent { chosen = (.decimal, UInt8(e), encodeDecimal(values, exponent: e)) }
            else { chosen = (.raw, 0, encodeRaw(values)) }
        case nil:
            if let e = exponent {
                chosen = (.decimal, UInt8(e), encodeDecimal(values, exponent: e))
            } else {
                let g = encodeGorilla(values), r = encodeRaw(values)
                chosen = g.count < r.count ? (.gorilla, 0, g) : (.raw, 0, r)
            }
        }

        var out = ByteWriter()
        out.bytes.reserveCapacity(16 + timeSection.bytes.count + chosen.2.count)
        out.append(formatVersion)
        out.append((externalTimes ? TimeAlgorithm.external : .deltaOfDelta).rawValue)
        out.append(chosen.0.rawValue)
        out.append(chosen.1)
        out.appendVarint(UInt64(points.count))
        out.appendVarint(UInt64(timeSection.bytes.count))
        out.bytes.append(contentsOf: timeSection.bytes)
        out.bytes.append(contentsOf: chosen.2)
        return out.bytes
    }

    // MARK: Time

    /// Encodes a time column (layout at the top of this file).
    public static func encodeTimeColumn(_ times: [Int64]) -> [UInt8] {
        precondition(times.count <= maxPointsPerChunk, "chunk too large")
        var w = ByteWriter()
        w.append(formatVersion)
        w.append(TimeAlgorithm.deltaOfDelta.rawValue)
        w.appendVarint(UInt64(times.count))
        encodeTimes(times, into: &w)
        return w.bytes
    }

    static func encodeTimes(_ times: [Int64], into w: inout ByteWriter) {
        var prev: Int64 = 0, prevDelta: Int64 = 0
        for (i, t) in times.enumerated() {
            switch i {
            case 0: w.appendVarint(zigzag(t))
            case 1: prevDelta = t &- prev; w.appendVarint(zigzag(prevDelta))
            default:
                let d = t &- prev
                w.appendVarint(zigzag(d &- prevDelta))
                prevDelta = d
            }
            prev = t
        }
    }

    // MARK: Values

    static let powersOfTen: [Double] = (0...15).map { e in (0..<e).reduce(1.0) { acc, _ in acc * 10 } }

    /// The smallest exponent e such that every value is exactly `Double(n) / 10^e` for an integer
    /// |n| < 2^53, or `nil`.
    static func decimalExponent(of values: [Double]) -> Int? {
        guard !values.isEmpty else { return 0 }
        var e = 0
        var i = 0
        // Values are scanned once per exponent step; the exponent only grows.
        while i < values.count {
            if representable(values[i], exponent: e) { i += 1; continue }
            e += 1
            if e > maxDecimalExponent { return nil }
            i = 0
        }
        return e
    }

    @inline(__always)
    static func representable(_ v: Double, exponent e: Int) -> Bool {
        guard v.isFinite else { return false }
        let scaled = (v * powersOfTen[e]).rounded()
        guard abs(scaled) < 9_007_199_254_740_992 else { return false }
        return (scaled / powersOfTen[e]).bitPattern == v.bitPattern
    }

    static func encodeDecimal(_ values: [Double], exponent e: Int) -> [UInt8] {
        var w = ByteWriter()
        guard let v0 = values.first else { return [] }
        let scale = powersOfTen[e]
        var prev = Int64((v0 * scale).rounded())
        w.appendVarint(zigzag(prev))
        var block: [UInt64] = []
        block.reserveCapacity(blockSize)
        func flush() {
            let maxValue = block.reduce(0, |)
            let width = maxValue == 0 ? 0 : 64 - maxValue.leadingZeroBitCount
            w.append(UInt8(width))
            var bits = BitPackerLSB()
            for z in block { bits.write(z, width: width) }
            w.bytes.append(contentsOf: bits.finish())
            block.removeAll(keepingCapacity: true)
        }
        for v in values.dropFirst() {
            let n = Int64((v * scale).rounded())
            block.append(zigzag(n &- prev))
            prev = n
            if block.count == blockSize { flush() }
        }
        if !block.isEmpty { flush() }
        return w.bytes
    }

    static func encodeRaw(_ values: [Double]) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(values.count * 8)
        for v in values {
            let b = v.bitPattern
            for s in stride(from: 0, to: 64, by: 8) { w.append(UInt8(truncatingIfNeeded: b >> UInt64(s))) }
        }
        return w.bytes
    }

    static func encodeGorilla(_ values: [Double]) -> [UInt8] {
        var bits = BitWriterMSB()
        guard let first = values.first else { return [] }
        var prev = first.bitPattern
        bits.write(prev, count: 64)
        var windowLeading = -1, windowTrailing = 0
        for v in values.dropFirst() {
            let cur = v.bitPattern
            let x = cur ^ prev
            prev = cur
            if x == 0 { bits.write(0, count: 1); continue }
            let leading = min(x.leadingZeroBitCount, 31)
            let trailing = x.trailingZeroBitCount
            if windowLeading >= 0 && leading >= windowLeading && trailing >= windowTrailing {
                bits.write(0b10, count: 2)
                let length = 64 - windowLeading - windowTrailing
                bits.write(x >> UInt64(windowTrailing), count: length)
            } else {
                let length = 64 - leading - trailing
                bits.write(0b11, count: 2)
                bits.write(UInt64(leading), count: 5)
                bits.write(UInt64(length - 1), count: 6)
                bits.write(x >> UInt64(trailing), count: length)
                windowLeading = leading
                windowTrailing = trailing
            }
        }
        return bits.finish()
    }
}

@inline(__always) func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
@inline(__always) func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))) }

struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func append(_ b: UInt8) { bytes.append(b) }
    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
}

/// Packs values of a fixed width LSB-first (the decimal block layout).
struct BitPackerLSB {
    var bytes: [UInt8] = []
    var acc: UInt64 = 0
    var accBits = 0
    mutating func write(_ value: UInt64, width: Int) {
        guard width > 0 else { return }
        var v = width == 64 ? value : value & ((1 << UInt64(width)) - 1)
        var remaining = width
        while remaining > 0 {
            let room = 64 - accBits
            let take = min(room, remaining)
            let part = take == 64 ? v : v & ((1 << UInt64(take)) - 1)
            acc |= part << UInt64(accBits)
            accBits += take
            remaining -= take
            v = take == 64 ? 0 : v >> UInt64(take)
            if accBits == 64 { flushWord() }
        }
    }
    private mutating func flushWord() {
        for s in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: acc >> UInt64(s))) }
        acc = 0
        accBits = 0
    }
    mutating func finish() -> [UInt8] {
        var s = 0
        while s < accBits { bytes.append(UInt8(truncatingIfNeeded: acc >> UInt64(s))); s += 8 }
        acc = 0; accBits = 0
        return bytes
    }
}

/// Writes bits MSB-first (the Gorilla stream layout).
struct BitWriterMSB {
    var bytes: [UInt8] = []
    var current: UInt8 = 0
    var used = 0
    mutating func write(_ value: UInt64, count: Int) {
        var i = count - 1
        while i >= 0 {
            let bit = UInt8(truncatingIfNeeded: value >> UInt64(i)) & 1
            current = (current << 1) | bit
            used += 1
            if used == 8 { bytes.append(current); current = 0; used = 0 }
            i -= 1
        }
    }
    mutating func finish() -> [UInt8] {
        if used > 0 { bytes.append(current << UInt8(8 - used)); current = 0; used = 0 }
        return bytes
    }
}
