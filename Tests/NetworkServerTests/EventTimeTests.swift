import Foundation
import Testing
@testable import NetworkServer

@Suite("Event time format")
struct EventTimeTests {
    /// Foundation formats `Date(timeIntervalSince1970: Double(millis) / 1000)`, whose binary
    /// fraction it truncates: .123 s often prints as .122. The hand-written formatter prints the
    /// exact millisecond; everything else (date, time, separators, zone) must be identical.
    @Test("the hand-written formatter writes Foundation's ISO 8601 shape with the exact millisecond")
    func matchesFoundation() {
        var millis: [Int64] = [0, 1, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 1_764_358_238_123,
                               4_102_444_799_999 /* 2099-12-31T23:59:59.999 */, -1, -86_400_001, 253_402_300_799_999 /* 9999-12-31 */]
        var x: UInt64 = 12345
        for _ in 0..<2_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            millis.append(Int64(x >> 22) % 4_102_444_800_000)
        }
        for m in millis {
            let mine = EventTime.string(millis: m)
            let reference = EventTime.foundation(m)
            #expect(mine.count == reference.count && mine.prefix(20) == reference.prefix(20) && mine.hasSuffix("Z"), "\(m): \(mine) vs \(reference)")
            let ms = ((m % 1000) + 1000) % 1000
            #expect(mine.dropFirst(20).prefix(3) == String(format: "%03lld", ms), "\(m): \(mine)")
        }
        #expect(EventTime.string(millis: 1_764_358_238_123) == "2025-11-28T19:30:38.123Z")
    }
}
