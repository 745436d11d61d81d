/// Decodes chunk blobs (format documented in `ChunkEncoder.swift`).
///
/// The decoder treats its input as hostile: every read is bounds-checked, counts are checked
/// against the bytes present before anything is allocated, and every failure is a
/// `TimeSeriesError` naming the field — it never traps.
public enum ChunkDecoder {
    /// The header fields of a blob, readable without decoding the points.
    public struct Header: Equatable, Sendable {
        public var formatVersion: UInt8
        public var timeAlgorithm: TimeAlgorithm
        public var valueAlgorithm: ValueAlgorithm
        public var decimalExponent: Int
        public var count: Int
    }

    /// Reads only the header.
    public static func header(_ blob: some Collection<UInt8>) throws(TimeSeriesError) -> Header {
        let bytes = Array(blob)
        var r = ByteReader(bytes)
        return try readHeader(&r).header
    }

    /// Decodes every point of the blob, in stored order.
    /// - Parameter externalTimes: the chunk's time column, for blobs written with
    ///   `externalTimes: true` (time algorithm 2); its count must match the blob's.
    public static func decode(_ blob: some Collection<UInt8>, externalTimes: [Int64]? = nil) throws(TimeSeriesError) -> [Point] {
        let bytes = Array(blob)
        var r = ByteReader(bytes)
        let (header, timeLength) = try readHeader(&r, externalCount: externalTimes?.count)
        let timeEnd = r.offset + timeLength
        guard timeEnd <= bytes.count else { throw .truncated(field: "time section") }
        let times: [Int64]
        if header.timeAlgorithm == .external {
            guard let externalTimes else { throw .invalidField(field: "time algorithm", reason: "the chunk's times are in a separate time column that was not supplied") }
            times = externalTimes
        } else {
            var timeReader = ByteReader(bytes, offset: r.offset, end: timeEnd)
            times = try decodeTimes(&timeReader, count: header.count)
            if timeReader.offset != timeEnd { throw .invalidField(field: "time section", reason: "\(timeEnd - timeReader.offset) unused bytes") }
        }
        var valueReader = ByteReader(bytes, offset: timeEnd, end: bytes.count)
        let values: [Double]
        switch header.valueAlgorithm {
        case .raw: values = try decodeRaw(&valueReader, count: header.count)
        case .decimal: values = try decodeDecimal(&valueReader, count: header.count, exponent: header.decimalExponent)
        case .gorilla: values = try decodeGorilla(&valueReader, count: header.count)
        }
        if valueReader.offset != bytes.count { throw .trailingBytes(count: bytes.count - valueReader.offset) }
        var points: [Point] = []
        points.reserveCapacity(header.count)
        for i in 0..<header.count { points.append(Point(time: times[i], value: values[i])) }
        return points
    }

    /// Decodes a time column (see `ChunkEncoder.encodeTimeColumn`).
    public static func decodeTimeColumn(_ blob: some Collection<UInt8>) throws(TimeSeriesError) -> [Int64] {
        let bytes = Array(blob)
        var r = ByteReader(bytes)
        let version = try r.byte("time column format version")
        guard version == 1 else { throw .unsupportedFormatVersion(version) }
        let t = try r.byte("time column algorithm")
        guard t == TimeAlgorithm.deltaOfDelta.rawValue else { throw .unknownAlgorithm(kind: "time column", id: t) }
        let count = try r.varint("time column count")
        // Every time takes at least one byte.
        guard count <= UInt64(r.remaining), count <= UInt64(ChunkEncoder.maxPointsPerChunk) else {
            throw .invalidField(field: "time column count", reason: "\(count) times cannot fit \(r.remaining) bytes")
        }
        let times = try decodeTimes(&r, count: Int(count))
        if r.remaining != 0 { throw .trailingBytes(count: r.remaining) }
        return times
    }

    static func readHeader(_ r: inout ByteReader, externalCount: Int? = nil) throws(TimeSeriesError) -> (header: Header, timeLength: Int) {
        let version = try r.byte("format version")
        guard version == 1 else { throw .unsupportedFormatVersion(version) }
        let t = try r.byte("time algorithm")
        guard let timeAlgorithm = TimeAlgorithm(rawValue: t) else { throw .unknownAlgorithm(kind: "time", id: t) }
        let v = try r.byte("value algorithm")
        guard let valueAlgorithm = ValueAlgorithm(rawValue: v) else { throw .unknownAlgorithm(kind: "value", id: v) }
        let e = try r.byte("decimal exponent")
        guard e <= 15, valueAlgorithm == .decimal || e == 0 else {
            throw .invalidField(field: "decimal exponent", reason: "\(e) with value algorithm \(v)")
        }
        let count = try r.varint("count")
        guard count <= UInt64(ChunkEncoder.maxPointsPerChunk) else {
            throw .invalidField(field: "count", reason: "\(count) exceeds \(ChunkEncoder.maxPointsPerChunk)")
        }
        let timeLength = try r.varint("time section length")
        guard timeLength <= UInt64(r.remaining) else { throw .truncated(field: "time section") }
        // Every point takes at least one byte of the time section: a larger count is a lie that
        // must not drive an allocation. With external times, the count must match the column.
        if timeAlgorithm == .external {
            guard timeLength == 0 else { throw .invalidField(field: "time section length", reason: "\(timeLength) with external times") }
            if let externalCount, UInt64(externalCount) != count {
                throw .invalidField(field: "count", reason: "\(count) points but the time column has \(externalCount)")
            }
        } else if count > timeLength {
            throw .invalidField(field: "count", reason: "\(count) points cannot fit \(timeLength) time bytes")
        }
        let header = Header(formatVersion: version, timeAlgorithm: timeAlgorithm, valueAlgorithm: valueAlgorithm,
                            decimalExponent: Int(e), count: Int(count))
        return (header, Int(timeLength))
    }

    static func decodeTimes(_ r: inout ByteReader, count: Int) throws(TimeSeriesError) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(count)
        var prev: Int64 = 0, prevDelta: Int64 = 0
        for i in 0..<count {
            let z = unzigzag(try r.varint("timestamp"))
            let t: Int64
            switch i {
            case 0: t = z
            case 1: prevDelta = z; t = prev &+ z
            default: prevDelta = prevDelta &+ z; t = prev &+ prevDelta
            }
            out.append(t)
            prev = t
        }
        return out
    }

    static func decodeRaw(_ r: inout ByteReader, count: Int) throws(TimeSeriesError) -> [Double] {
        guard r.remaining >= count * 8 else { throw .truncated(field: "raw values") }
        var out: [Double] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            var b: UInt64 = 0
            for s in 0..<8 { b |= UInt64(try r.byte("raw value")) << UInt64(s * 8) }
            out.append(Double(bitPattern: b))
        }
        return out
    }

    static func decodeDecimal(_ r: inout ByteReader, count: Int, exponent: Int) throws(TimeSeriesError) -> [Double] {
        guard count > 0 else { return [] }
        let scale = ChunkEncoder.powersOfTen[exponent]
        var out: [Double] = []
        out.reserveCapacity(count)
        var n = unzigzag(try r.varint("first scaled value"))
        out.append(Double(n) / scale)
        var left = count - 1
        while left > 0 {
            let len = min(left, ChunkEncoder.blockSize)
            let width = Int(try r.byte("block width"))
            guard width <= 64 else { throw .invalidField(field: "block width", reason: "\(width) > 64") }
            let byteCount = (len * width + 7) / 8
            guard r.remaining >= byteCount else { throw .truncated(field: "bit-packed block") }
            var bits = BitReaderLSB(bytes: r.bytes, offset: r.offset)
            for _ in 0..<len {
                n = n &+ unzigzag(bits.read(width: width))
                out.append(Double(n) / scale)
            }
            r.offset += byteCount
            left -= len
        }
        return out
    }

    static func decodeGorilla(_ r: inout ByteReader, count: Int) throws(TimeSeriesError) -> [Double] {
        guard count > 0 else { return [] }
        var bits = BitReaderMSB(bytes: r.bytes, offset: r.offset, end: r.end)
        var out: [Double] = []
        out.reserveCapacity(count)
        guard var prev = bits.read(64) else { throw .truncated(field: "gorilla first value") }
        out.append(Double(bitPattern: prev))
        var windowLeading = -1, windowTrailing = 0
        for _ in 1..<count {
            guard let control = bits.read(1) else { throw .truncated(field: "gorilla control bit") }
            if control == 0 { out.append(Double(bitPattern: prev)); continue }
            guard let reuse = bits.read(1) else { throw .truncated(field: "gorilla control bit") }
            if reuse == 0 {
                guard windowLeading >= 0 else { throw .invalidField(field: "gorilla stream", reason: "window reused before one was set") }
            } else {
                guard let leading = bits.read(5), let lengthMinusOne = bits.read(6) else { throw .truncated(field: "gorilla window") }
                let length = Int(lengthMinusOne) + 1
                guard Int(leading) + length <= 64 else { throw .invalidField(field: "gorilla window", reason: "leading \(leading) + length \(length) > 64") }
                windowLeading = Int(leading)
                windowTrailing = 64 - windowLeading - length
            }
            let length = 64 - windowLeading - windowTrailing
            guard let meaningful = bits.read(length) else { throw .truncated(field: "gorilla value bits") }
            prev ^= meaningful << UInt64(windowTrailing)
            out.append(Double(bitPattern: prev))
        }
        // Only zero padding may follow, inside the last byte.
        r.offset = bits.byteOffsetAfterPadding
        return out
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int
    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }
    var remaining: Int { end - offset }
    mutating func byte(_ field: String) throws(TimeSeriesError) -> UInt8 {
        guard offset < end else { throw .truncated(field: field) }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func varint(_ field: String) throws(TimeSeriesError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < end else { throw .truncated(field: field) }
            let b = bytes[offset]
            offset += 1
            if shift == 63 && b > 1 { throw .invalidField(field: field, reason: "varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .invalidField(field: field, reason: "varint longer than 10 bytes") }
        }
    }
}

/// Reads fixed-width LSB-first values; the caller has checked that the bytes are present.
struct BitReaderLSB {
    let bytes: [UInt8]
    var bitOffset: Int
    init(bytes: [UInt8], offset: Int) { self.bytes = bytes; self.bitOffset = offset * 8 }
    mutating func read(width: Int) -> UInt64 {
        var value: UInt64 = 0
        var got = 0
        while got < width {
            let byteIndex = bitOffset >> 3
            let bitInByte = bitOffset & 7
            let take = min(8 - bitInByte, width - got)
            let chunk = (UInt64(bytes[byteIndex]) >> UInt64(bitInByte)) & ((1 << UInt64(take)) - 1)
            value |= chunk << UInt64(got)
            got += take
            bitOffset += take
        }
        return value
    }
}

/// Reads MSB-first bits with bounds checks (`nil` past the end).
struct BitReaderMSB {
    let bytes: [UInt8]
    var bitOffset: Int
    let endBit: Int
    init(bytes: [UInt8], offset: Int, end: Int) { self.bytes = bytes; self.bitOffset = offset * 8; self.endBit = end * 8 }
    mutating func read(_ count: Int) -> UInt64? {
        guard count >= 0, count <= 64, bitOffset + count <= endBit else { return nil }
        var value: UInt64 = 0
        for _ in 0..<count {
            let bit = (bytes[bitOffset >> 3] >> UInt8(7 - (bitOffset & 7))) & 1
            value = (value << 1) | UInt64(bit)
            bitOffset += 1
        }
        return value
    }
    var byteOffsetAfterPadding: Int { (bitOffset + 7) / 8 }
}
