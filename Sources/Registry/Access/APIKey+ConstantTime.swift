extension APIKey {
    /// The collection `constantTimeEqual` for arrays, over their buffers: the generic version is not specialised across the module boundary and
    /// walked a `Zip2Sequence` element by element on every authenticated request (3–4 % of the
    /// device list's CPU in a profile).
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var diff: UInt8 = 0
                for i in 0..<x.count { diff |= x[i] ^ y[i] }
                return diff == 0
            }
        }
    }
}
