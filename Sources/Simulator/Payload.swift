import LoRaWAN

/// What the simulated devices send on FPort 1.
public enum Payload: Sendable, Hashable {
    /// Cayenne LPP: channel 1 temperature (0x67), channel 2 humidity (0x68), varying per uplink.
    case cayenne
    /// Fixed bytes.
    case bytes([UInt8])

    /// Parses `cayenne` or `hex:<bytes>`.
    public init(parsing text: String) throws(SimulatorError) {
        if text == "cayenne" { self = .cayenne; return }
        guard text.hasPrefix("hex:"), let b = try? [UInt8](hex: String(text.dropFirst(4))), b.count <= 222 else {
            throw .invalidArgument("--payload must be cayenne or hex:<at most 222 bytes>, got \(text.prefix(60))")
        }
        self = .bytes(b)
    }

    func bytes(device: Int, fCnt: UInt32) -> [UInt8] {
        switch self {
        case let .bytes(b): return b
        case .cayenne:
            let temp = Int16(200 + Int(fCnt % 50) + device % 7)  // 20.0–27.6 °C, 0.1 °C units
            let hum = UInt8(80 + Int((fCnt &+ UInt32(truncatingIfNeeded: device)) % 40))  // 40–59.5 %, 0.5 % units
            return [0x01, 0x67, UInt8(truncatingIfNeeded: temp >> 8), UInt8(truncatingIfNeeded: temp), 0x02, 0x68, hum]
        }
    }
}
