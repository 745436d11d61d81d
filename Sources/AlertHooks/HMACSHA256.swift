import COpenSSL

/// HMAC-SHA256 (RFC 2104 with SHA-256) through OpenSSL's one-shot `HMAC()`.
///
/// RFC 4231 §4.3 test case 2: key "Jefe", data "what do ya want for nothing?" →
/// `5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843`.
public enum HMACSHA256 {
    /// The 32-byte MAC of `message` under `key`.
    public static func mac(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        let k = Array(key)
        let m = Array(message)
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        // OpenSSL needs a non-NULL key pointer even for an empty key.
        let zero: [UInt8] = [0]
        let ok = (k.isEmpty ? zero : k).withUnsafeBufferPointer { kp in
            m.withUnsafeBufferPointer { mp in
                out.withUnsafeMutableBufferPointer { op in
                    HMAC(EVP_sha256(), kp.baseAddress, Int32(k.count), mp.baseAddress, m.count, op.baseAddress, &length)
                }
            }
        }
        precondition(ok != nil && length == 32, "HMAC-SHA256 failed inside OpenSSL")
        return out
    }

    /// The MAC as lowercase hex.
    public static func hex(key: some Collection<UInt8>, message: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var s: [UInt8] = []
        s.reserveCapacity(64)
        for b in mac(key: key, message: message) {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: s, as: UTF8.self)
    }
}
