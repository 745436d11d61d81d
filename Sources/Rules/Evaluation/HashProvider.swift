/// The digests of AWS's hashing functions (developer guide, "Functions", Hashing functions).
public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
    case md2, md5, sha1, sha224, sha256, sha384, sha512
}

/// Computes digests for `md5()`, `sha256()` and the others. The Rules module is Foundation-only and
/// implements no cryptography itself; the caller supplies this (OpenSSL, in `RulesHashing`).
public protocol HashProvider: Sendable {
    /// The digest of `bytes`, or `nil` when the algorithm is unavailable (then the function is Undefined).
    func digest(_ algorithm: HashAlgorithm, of bytes: [UInt8]) -> [UInt8]?
}
