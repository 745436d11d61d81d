/// 32-bit frame-counter reconstruction from the 16 bits carried in FHDR.FCnt.
///
/// A frame carries only the 16 least significant bits of its 32-bit counter (LoRaWAN 1.0.4
/// §4.3.1.5: "the server must infer the 16 most-significant bits by observing the traffic").
/// Given the lowest counter value the next frame may legitimately have, `reconstruct` returns the
/// smallest 32-bit value at or above it whose low half matches, provided the jump is at most
/// `maxGap`. The default gap is 16384, the MAX_FCNT_GAP of LoRaWAN 1.0.x (§4.3.1.5 of 1.0.2);
/// larger gaps are ambiguous against a counter that wrapped 65536 frames ago.
public enum FrameCounter {
    /// MAX_FCNT_GAP of LoRaWAN 1.0.x.
    public static let defaultMaxGap: UInt32 = 16_384

    /// Reconstructs the full counter.
    ///
    /// ```swift
    /// FrameCounter.reconstruct(received: 0x0002, next: 0x0001_FFFE) // 0x0002_0002 (rolled over)
    /// FrameCounter.reconstruct(received: 0x0005, next: 0x10)        // nil: replay or too far ahead
    /// ```
    /// - Parameters:
    ///   - received: the 16-bit FCnt from the frame.
    ///   - next: the lowest acceptable 32-bit value (last seen counter + 1, or 0 for a new session).
    ///   - maxGap: the largest accepted `result - next`.
    /// - Returns: the 32-bit counter, or `nil` when no value within `maxGap` (and below 2^32) matches.
    public static func reconstruct(received: UInt16, next: UInt32, maxGap: UInt32 = defaultMaxGap) -> UInt32? {
        let low = UInt32(received)
        var candidate = (next & 0xFFFF_0000) | low
        if candidate < next {
            let (bumped, overflow) = candidate.addingReportingOverflow(0x1_0000)
            if overflow { return nil }
            candidate = bumped
        }
        return candidate - next <= maxGap ? candidate : nil
    }

    /// The counter a frame had when its 16 most significant bits are known (the CLI's `--fcnt-msb`).
    public static func combine(msb: UInt16, received: UInt16) -> UInt32 {
        UInt32(msb) << 16 | UInt32(received)
    }
}
