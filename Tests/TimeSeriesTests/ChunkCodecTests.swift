import Foundation
import Testing
@testable import TimeSeries

/// A deterministic generator (SplitMix64) so that test data is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomWalk(count: Int, seed: UInt64, resolution: Double = 0.1) -> [Point] {
    var rng = SeededGenerator(state: seed)
    var t: Int64 = 1_767_225_600_000
    var n: Int64 = 215
    var out: [Point] = []
    for _ in 0..<count {
        t += Int64.random(in: 300_000...900_000, using: &rng) + Int64.random(in: -3000...3000, using: &rng)
        n += Int64.random(in: -3...3, using: &rng)
        // Divide like a parser of "21.5" would produce: the nearest double to the decimal.
        out.append(Point(time: t, value: Double(n) / (1 / resolution).rounded()))
    }
    return out
}

@Suite struct ChunkCodecTests {
    @Test(arguments: [0, 1, 2, 127, 128, 129, 1000])
    func decimalRoundTrips(count: Int) throws {
        let points = randomWalk(count: count, seed: UInt64(count) + 1)
        let blob = ChunkEncoder.encode(points)
        let header = try ChunkDecoder.header(blob)
        #expect(header.count == count)
        if count > 0 {
            #expect(header.valueAlgorithm == .decimal)
            #expect(header.decimalExponent == 1)
        }
        #expect(try ChunkDecoder.decode(blob) == points)
    }

    @Test func headerBytesMatchTheDocumentedLayout() {
        // Two points 10 minutes apart, 21.4 and 21.5: decimal with exponent 1.
        let blob = ChunkEncoder.encode([Point(time: 1_700_000_000_000, value: 21.4), Point(time: 1_700_000_600_000, value: 21.5)])
        #expect(Array(blob.prefix(5)) == [1, 1, 1, 1, 2])
    }

    @Test func irregularValuesFallBackToGorillaOrRaw() throws {
        var rng = SeededGenerator(state: 7)
        let points = (0..<500).map { i in Point(time: Int64(i) * 1000, value: Double.random(in: -1e6...1e6, using: &rng)) }
        let blob = ChunkEncoder.encode(points)
        let header = try ChunkDecoder.header(blob)
        #expect(header.valueAlgorithm != .decimal)
        #expect(try ChunkDecoder.decode(blob) == points)
    }

    @Test(arguments: [ValueAlgorithm.raw, .gorilla, .decimal])
    func everyAlgorithmRoundTripsSpecialValues(algorithm: ValueAlgorithm) throws {
        let values: [Double] = [0, -0.0, 1, 1, 1, 2.5, -2.5, .greatestFiniteMagnitude, -.infinity, .infinity,
                                .leastNonzeroMagnitude, 3.14159, 1e-300, 42, 42, 7]
        let points = values.enumerated().map { Point(time: Int64($0.offset) * 60_000 - 5_000_000, value: $0.element) }
        let blob = ChunkEncoder.encode(points, forceValueAlgorithm: algorithm)
        let decoded = try ChunkDecoder.decode(blob)
        #expect(decoded.map(\.time) == points.map(\.time))
        #expect(decoded.map(\.value.bitPattern) == points.map(\.value.bitPattern))
    }

    @Test func nanSurvivesBitExactly() throws {
        let points = [Point(time: 0, value: .nan), Point(time: 1, value: 1.5)]
        let decoded = try ChunkDecoder.decode(ChunkEncoder.encode(points))
        #expect(decoded.map(\.value.bitPattern) == points.map(\.value.bitPattern))
    }

    @Test func extremeTimestampsRoundTrip() throws {
        let points = [Point(time: .min, value: 1), Point(time: .max, value: 2), Point(time: 0, value: 3), Point(time: .min, value: 4)]
        #expect(try ChunkDecoder.decode(ChunkEncoder.encode(points)) == points)
    }

    @Test func decimalScalingFindsTheSmallestExponent() {
        #expect(ChunkEncoder.decimalExponent(of: [1, 2, 3]) == 0)
        #expect(ChunkEncoder.decimalExponent(of: [1.5, 2.25]) == 2)
        #expect(ChunkEncoder.decimalExponent(of: [3.312, 0.001]) == 3)
        #expect(ChunkEncoder.decimalExponent(of: [Double.pi]) == nil)
        #expect(ChunkEncoder.decimalExponent(of: [1e300]) == nil)
    }

    @Test func aRandomWalkAtPointOneCompressesWell() {
        let points = randomWalk(count: 1000, seed: 3)
        let blob = ChunkEncoder.encode(points)
        // Values take ≈ 3 bits each; times (irregular, with ms jitter) dominate. Raw would be 16 000.
        #expect(blob.count < 4000)
    }

    @Test func statisticsDescribeTheChunk() throws {
        let points = [Point(time: 10, value: 3), Point(time: 20, value: -1), Point(time: 30, value: 5)]
        let s = try #require(ChunkStatistics(sortedPoints: points))
        #expect(s == ChunkStatistics(count: 3, minValue: -1, maxValue: 5, sum: 7, first: 3, last: 5, startTime: 10, endTime: 30))
        #expect(ChunkStatistics(sortedPoints: []) == nil)
    }

    @Test func latestWriteWinsOnDuplicateTimes() {
        let points = [Point(time: 5, value: 1), Point(time: 1, value: 2), Point(time: 5, value: 3), Point(time: 3, value: 4), Point(time: 5, value: 9)]
        #expect(points.sortedLatestWins() == [Point(time: 1, value: 2), Point(time: 3, value: 4), Point(time: 5, value: 9)])
    }
}

@Suite struct CorruptBlobTests {
    static let good = ChunkEncoder.encode(randomWalk(count: 300, seed: 11))
    static let goodGorilla = ChunkEncoder.encode(randomWalk(count: 300, seed: 12), forceValueAlgorithm: .gorilla)
    static let goodRaw = ChunkEncoder.encode(randomWalk(count: 30, seed: 13), forceValueAlgorithm: .raw)

    @Test func everyTruncationIsATypedError() {
        for blob in [Self.good, Self.goodGorilla, Self.goodRaw] {
            for length in 0..<blob.count {
                #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decode(blob.prefix(length)) }
            }
        }
    }

    @Test func badHeadersAreNamed() {
        var b = Self.good
        b[0] = 9
        #expect(throws: TimeSeriesError.unsupportedFormatVersion(9)) { try ChunkDecoder.decode(b) }
        b = Self.good; b[1] = 0
        #expect(throws: TimeSeriesError.unknownAlgorithm(kind: "time", id: 0)) { try ChunkDecoder.decode(b) }
        b = Self.good; b[2] = 77
        #expect(throws: TimeSeriesError.unknownAlgorithm(kind: "value", id: 77)) { try ChunkDecoder.decode(b) }
        // A count far larger than the bytes present must not allocate.
        #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decode([1, 1, 1, 1, 0xFF, 0xFF, 0xFF, 0x07, 2, 0, 0]) }
        #expect(throws: TimeSeriesError.trailingBytes(count: 1)) { try ChunkDecoder.decode(Self.goodRaw + [0]) }
    }

    @Test func randomBitFlipsNeverTrap() {
        var rng = SeededGenerator(state: 99)
        for blob in [Self.good, Self.goodGorilla, Self.goodRaw] {
            for _ in 0..<2000 {
                var b = blob
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                }
                _ = try? ChunkDecoder.decode(b)
            }
            for _ in 0..<500 {
                let junk = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                _ = try? ChunkDecoder.decode(junk)
            }
        }
    }
}

@Suite struct TimeColumnTests {
    @Test func chunksWithExternalTimesRoundTrip() throws {
        let points = randomWalk(count: 300, seed: 21)
        let blob = ChunkEncoder.encode(points, externalTimes: true)
        let column = ChunkEncoder.encodeTimeColumn(points.map(\.time))
        #expect(try ChunkDecoder.header(blob).timeAlgorithm == .external)
        let times = try ChunkDecoder.decodeTimeColumn(column)
        #expect(try ChunkDecoder.decode(blob, externalTimes: times) == points)
        // Without its time column, or with one of another length, the chunk is refused.
        #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decode(blob) }
        #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decode(blob, externalTimes: Array(times.dropLast())) }
        // The external chunk is much smaller than the self-contained one.
        #expect(blob.count * 3 < ChunkEncoder.encode(points).count)
    }

    @Test func corruptTimeColumnsAreTypedErrors() {
        let column = ChunkEncoder.encodeTimeColumn(randomWalk(count: 100, seed: 22).map(\.time))
        for length in 0..<column.count {
            #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decodeTimeColumn(column.prefix(length)) }
        }
        #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decodeTimeColumn(column + [0]) }
        #expect(throws: TimeSeriesError.self) { try ChunkDecoder.decodeTimeColumn([1, 1, 0xFF, 0xFF, 0xFF, 0x7F, 0]) }
    }
}
