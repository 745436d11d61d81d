import COpenSSL

/// An AES-128 key schedule held in OpenSSL contexts, reused for every block under that key.
///
/// LoRaWAN uses AES-128 only as a single-block primitive: key derivation (LoRaWAN 1.1 §6.3.1.4,
/// 1.0.4 §6.2.5), the A_i key stream for FRMPayload and FOpts (1.1 §4.3.3, §4.3.1.6), and the
/// join-accept, which the network "encrypts" with an AES *decrypt* operation (1.1 §6.2.3).
/// Creating an `EVP_CIPHER_CTX` costs far more than one block (≈ 26 ns with a reused context),
/// so a session holder keeps one `AESContext` per key and the per-frame path allocates nothing.
///
/// Not thread-safe: the context is mutated by every call. Use one instance per task/actor.
public final class AESContext {
    private let encryptContext: OpaquePointer
    private var decryptContext: OpaquePointer?
    private var key: AES128Key

    /// Prepares a context for `key`.
    /// - Throws: `LoRaWANError.crypto` when OpenSSL cannot create the context.
    public init(key: AES128Key) throws(LoRaWANError) {
        self.key = key
        let ctx = key.withUnsafeBytes { lorikeet_aes128_ecb_new($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 1) }
        guard let ctx else { throw .crypto(operation: "EVP_CipherInit_ex(AES-128-ECB)") }
        encryptContext = ctx
    }

    deinit {
        EVP_CIPHER_CTX_free(encryptContext)
        if let decryptContext { EVP_CIPHER_CTX_free(decryptContext) }
    }

    /// Encrypts one 16-byte block from `input` into `output` (which may alias `input`).
    @inline(__always)
    public func encryptBlock(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer) {
        let ok = lorikeet_aes128_ecb_block(encryptContext, input.assumingMemoryBound(to: UInt8.self),
                                           output.assumingMemoryBound(to: UInt8.self))
        // An ECB update of one full block on a valid context cannot fail short of memory
        // corruption; there is no input-dependent failure to report.
        precondition(ok == 1, "AES-128-ECB block encryption failed")
    }

    /// Decrypts one 16-byte block from `input` into `output` (which may alias `input`).
    public func decryptBlock(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer) throws(LoRaWANError) {
        if decryptContext == nil {
            decryptContext = key.withUnsafeBytes { lorikeet_aes128_ecb_new($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 0) }
            guard decryptContext != nil else { throw .crypto(operation: "EVP_CipherInit_ex(AES-128-ECB decrypt)") }
        }
        guard lorikeet_aes128_ecb_block(decryptContext, input.assumingMemoryBound(to: UInt8.self),
                                        output.assumingMemoryBound(to: UInt8.self)) == 1 else {
            throw .crypto(operation: "EVP_CipherUpdate(AES-128-ECB decrypt)")
        }
    }

    /// Encrypts a 16-byte block given as an array (convenience; allocates).
    public func encrypt(block: [UInt8]) throws(LoRaWANError) -> [UInt8] {
        guard block.count == 16 else { throw .invalidLength(what: "AES block", expected: 16, actual: block.count) }
        var out = [UInt8](repeating: 0, count: 16)
        block.withUnsafeBytes { i in out.withUnsafeMutableBytes { o in encryptBlock(i.baseAddress!, into: o.baseAddress!) } }
        return out
    }

    /// Decrypts a 16-byte block given as an array (convenience; allocates).
    public func decrypt(block: [UInt8]) throws(LoRaWANError) -> [UInt8] {
        guard block.count == 16 else { throw .invalidLength(what: "AES block", expected: 16, actual: block.count) }
        var out = [UInt8](repeating: 0, count: 16)
        var failure: LoRaWANError?
        block.withUnsafeBytes { i in
            out.withUnsafeMutableBytes { o in
                do throws(LoRaWANError) { try decryptBlock(i.baseAddress!, into: o.baseAddress!) } catch { failure = error }
            }
        }
        if let failure { throw failure }
        return out
    }
}
