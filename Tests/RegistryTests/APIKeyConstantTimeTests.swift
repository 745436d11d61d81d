import Testing
@testable import Registry

@Suite struct APIKeyConstantTimeTests {
    @Test(arguments: [("lk_abc", "lk_abc", true), ("lk_abc", "lk_abd", false), ("lk_abc", "lk_ab", false), ("", "", true),
                      ("x", "", false), ("0123456789abcdef0123", "0123456789abcdef0124", false)])
    func arraysCompareLikeCollections(a: String, b: String, equal: Bool) {
        let x = Array(a.utf8), y = Array(b.utf8)
        #expect(APIKey.constantTimeEqual(x, y) == equal)
        #expect(APIKey.constantTimeEqual(x[...], y[...]) == equal) // the generic collection version
    }
}
