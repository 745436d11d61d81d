import CZstd

/// zstd frames for chunk blobs.
enum Zstd {
    /// The largest decompressed chunk accepted (a chunk holds at most 2^24 points of ≲ 20 bytes).
    static let maxDecompressedSize = 1 << 29

    static func compress(_ input: [UInt8], level: Int32) throws(TelemetryStoreError) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let n = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, src.count, level)
            }
        }
        if ZSTD_isError(n) != 0 { throw .zstd(String(cString: ZSTD_getErrorName(n))) }
        out.removeSubrange(n...)
        return out
    }

    /// zstd's frame magic number, little-endian on disk: 28 B5 2F FD.
    static let magic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]

    /// Compresses `input` unless that does not make it smaller (bit-packed columns often do not
    /// shrink, and a frame costs ≈ 10 bytes): then `input` is stored as is. Our blob formats start
    /// with a format-version byte (1), never with zstd's magic, so `unpack` can tell them apart.
    static func pack(_ input: [UInt8], level: Int32) throws(TelemetryStoreError) -> [UInt8] {
        let compressed = try compress(input, level: level)
        return compressed.count < input.count ? compressed : input
    }

    /// The inverse of `pack`.
    static func unpack(_ input: UnsafeRawBufferPointer) throws(TelemetryStoreError) -> [UInt8] {
        if input.count >= 4 && input[0] == magic[0] && input[1] == magic[1] && input[2] == magic[2] && input[3] == magic[3] {
            return try decompress(input)
        }
        return Array(input)
    }

    /// Decompresses one frame; refuses frames without a declared size or with an absurd one.
    static func decompress(_ input: UnsafeRawBufferPointer) throws(TelemetryStoreError) -> [UInt8] {
        guard let base = input.baseAddress, input.count > 0 else { throw .zstd("empty frame") }
        let size = ZSTD_getFrameContentSize(base, input.count)
        // ZSTD_CONTENTSIZE_UNKNOWN is (0ULL - 1) and ZSTD_CONTENTSIZE_ERROR is (0ULL - 2).
        guard size < UInt64.max - 1 else { throw .zstd("not a zstd frame with a declared size") }
        guard size <= UInt64(maxDecompressedSize) else { throw .zstd("declared size \(size) too large") }
        if size == 0 { return [] }
        var out = [UInt8](repeating: 0, count: Int(size))
        let n = out.withUnsafeMutableBytes { dst in ZSTD_decompress(dst.baseAddress, dst.count, base, input.count) }
        if ZSTD_isError(n) != 0 { throw .zstd(String(cString: ZSTD_getErrorName(n))) }
        guard n == Int(size) else { throw .zstd("frame decompressed to \(n) bytes, declared \(size)") }
        return out
    }
}
