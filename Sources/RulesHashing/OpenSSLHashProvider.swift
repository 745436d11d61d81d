import COpenSSL
public import Rules

/// AWS's hashing functions over OpenSSL's libcrypto (`EVP_Digest`).
///
/// MD2 is not offered by OpenSSL 3's providers on Debian, so `md2()` is Undefined; the others are
/// fetched by name (`MD5`, `SHA1`, `SHA224`, `SHA256`, `SHA384`, `SHA512`).
///
/// ```swift
/// OpenSSLHashProvider().digest(.md5, of: Array("hello".utf8))  // 5d41402abc4b2a76b9719d911017c592
/// ```
public struct OpenSSLHashProvider: HashProvider {
    /// A provider.
    public init() {}

    /// The digest, or `nil` when OpenSSL lacks the algorithm.
    public func digest(_ algorithm: HashAlgorithm, of bytes: [UInt8]) -> [UInt8]? {
        let name: String
        switch algorithm {
        case .md2: name = "MD2"
        case .md5: name = "MD5"
        case .sha1: name = "SHA1"
        case .sha224: name = "SHA224"
        case .sha256: name = "SHA256"
        case .sha384: name = "SHA384"
        case .sha512: name = "SHA512"
        }
        guard let md = EVP_get_digestbyname(name) else { return nil }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, md, nil)
            }
        }
        guard ok == 1 else { return nil }
        return Array(out.prefix(Int(length)))
    }
}
