import Testing
import LoRaWAN

@Suite struct FrameCounterTests {
    @Test(arguments: [
        // (received, next, expected)
        (UInt16(0), UInt32(0), UInt32?(0)),
        (5, 0, 5),
        (0x0002, 0x0001_FFFE, 0x0002_0002),          // rollover of the low half
        (0xFFFF, 0x0001_FFF0, 0x0001_FFFF),
        (0x0004, 0x0000_0005, nil),                    // replay: 65540 - 5 > max gap
        (0x4000, 0, 0x4000),                           // exactly the max gap (16384)
        (0x4001, 0, nil),                              // one past it
        (0x0000, 0xFFFF_FFF0, nil),                    // would pass 2^32
        (0xFFFF, 0xFFFF_FFF0, 0xFFFF_FFFF),
    ] as [(UInt16, UInt32, UInt32?)])
    func reconstruct(_ received: UInt16, _ next: UInt32, _ expected: UInt32?) {
        #expect(FrameCounter.reconstruct(received: received, next: next) == expected)
    }

    @Test func largerGapIsAccepted() {
        #expect(FrameCounter.reconstruct(received: 0x4001, next: 0, maxGap: 0xFFFF) == 0x4001)
    }

    @Test func everyResultIsAtOrAboveNextAndMatchesLowBits() {
        var g = SeededGenerator(seed: 5)
        for _ in 0..<10_000 {
            let next = UInt32.random(in: 0...UInt32.max, using: &g)
            let rx = UInt16.random(in: 0...UInt16.max, using: &g)
            if let v = FrameCounter.reconstruct(received: rx, next: next) {
                #expect(v >= next && v - next <= FrameCounter.defaultMaxGap && UInt16(truncatingIfNeeded: v) == rx)
            }
        }
    }
}
