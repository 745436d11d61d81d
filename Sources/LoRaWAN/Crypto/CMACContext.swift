import COpenSSL

/// An AES-CMAC (RFC 4493) context for one key, kept across messages.
///
/// Built on OpenSSL's `EVP_MAC` ("CMAC" with AES-128-CBC). The key is set once in `init`; each
/// computation restarts the context with `EVP_MAC_init(ctx, NULL, 0, NULL)`, which keeps the
/// key schedule and costs about a third of a fresh context. Session holders keep one
/// `CMACContext` per integrity key (NwkSKey, FNwkSIntKey, SNwkSIntKey, JSIntKey, …) so the
/// per-frame MIC check allocates nothing.
///
/// ```swift
/// // RFC 4493 §4, example 2
/// let cmac = try CMACContext(key: AES128Key(hex: "2b7e151628aed2a6abf7158809cf4f3c"))
/// try cmac.tag(of: [UInt8](hex: "6bc1bee22e409f96e93d7e117393172a")).hexString
/// // "070a16b46b4d4144f79bdd9dd04a287c"
/// ```
///
/// Not thread-safe: use one instance per task/actor.
public final class CMACContext {
    private let mac: OpaquePointer
    private let context: OpaquePointer

    /// Prepares a CMAC context keyed with `key`.
    /// - Throws: `LoRaWANError.crypto` when OpenSSL cannot fetch CMAC or set the key.
    public init(key: AES128Key) throws(LoRaWANError) {
        guard let mac = lorikeet_cmac_fetch() else { throw .crypto(operation: "EVP_MAC_fetch(CMAC)") }
        guard let context = EVP_MAC_CTX_new(mac) else {
            EVP_MAC_free(mac)
            throw .crypto(operation: "EVP_MAC_CTX_new")
        }
        let ok = key.withUnsafeBytes { lorikeet_cmac_init(context, $0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
        guard ok == 1 else {
            EVP_MAC_CTX_free(context)
            EVP_MAC_free(mac)
            throw .crypto(operation: "EVP_MAC_init(CMAC)")
        }
        self.mac = mac
        self.context = context
    }

    deinit {
        EVP_MAC_CTX_free(context)
        EVP_MAC_free(mac)
    }

    /// Computes the CMAC of `first` followed by `second` and returns its first four bytes,
    /// most significant first (the LoRaWAN MIC is `cmac[0..3]`). Allocates nothing.
    @inline(__always)
    public func mic(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) -> UInt32 {
        var tag: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &tag) { out in
            compute(first, second, into: out.baseAddress!.assumingMemoryBound(to: UInt8.self))
            return UInt32(out[0]) << 24 | UInt32(out[1]) << 16 | UInt32(out[2]) << 8 | UInt32(out[3])
        }
    }

    /// Computes the full 16-byte tag of `first | second` into `out`.
    @inline(__always)
    public func compute(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>) {
        // Restarting a keyed context, updating with valid buffers and finalising 16 bytes only
        // fail on memory exhaustion or a corrupted context; there is no input-dependent error.
        var ok = lorikeet_cmac_restart(context)
        if let base = first.baseAddress, first.count > 0 {
            ok &= EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), first.count)
        }
        if let base = second.baseAddress, second.count > 0 {
            ok &= EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), second.count)
        }
        ok &= lorikeet_cmac_final16(context, out)
        precondition(ok == 1, "AES-CMAC computation failed")
    }

    /// The full 16-byte AES-CMAC of `message` (convenience; allocates the result).
    public func tag(of message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 16)
        message.withUnsafeBytes { m in
            out.withUnsafeMutableBufferPointer { o in
                compute(m, UnsafeRawBufferPointer(start: nil, count: 0), into: o.baseAddress!)
            }
        }
        return out
    }

    /// The LoRaWAN MIC (first four CMAC bytes) of `message` (convenience).
    public func mic(of message: [UInt8]) -> MIC {
        MIC(message.withUnsafeBytes { mic($0) })
    }
}
