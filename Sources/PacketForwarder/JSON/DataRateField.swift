/// The `datr` field: a string for LoRa ("SF7BW125") and LR-FHSS, a number (bit/s) for FSK.
public enum DataRateField: Sendable, Hashable, Codable {
    case string(String)
    case number(UInt32)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .string(s); return }
        self = .number(try c.decode(UInt32.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .string(s): try c.encode(s)
        case let .number(n): try c.encode(n)
        }
    }

    /// Parses a LoRa data-rate string "SF<sf>BW<kHz>" into (spreading factor, bandwidth in Hz).
    static func parseLoRa(_ text: String) throws(PacketForwarderError) -> (sf: Int, bandwidth: Int) {
        let u = Array(text.utf8)
        guard u.count >= 7, u.count <= 12, u[0] == UInt8(ascii: "S"), u[1] == UInt8(ascii: "F"),
              let bwAt = u.firstIndex(of: UInt8(ascii: "B")), bwAt + 2 < u.count, u[bwAt + 1] == UInt8(ascii: "W"),
              let sf = Int(String(decoding: u[2..<bwAt], as: UTF8.self)),
              let bwText = Optional(String(decoding: u[(bwAt + 2)...], as: UTF8.self)),
              let bwKHz = Double(bwText), bwKHz.isFinite, bwKHz > 0, bwKHz < 10_000
        else { throw .invalidField(name: "datr", reason: "\"\(text.prefix(20))\" is not SF<n>BW<kHz>") }
        guard (5...12).contains(sf) else { throw .invalidField(name: "datr", reason: "spreading factor \(sf) outside 5…12") }
        let bw = Int((bwKHz * 1000).rounded())
        guard [7_800, 10_400, 15_600, 20_800, 31_250, 41_700, 62_500, 125_000, 203_125, 250_000, 406_250, 500_000, 812_500, 1_625_000].contains(bw) else {
            throw .invalidField(name: "datr", reason: "bandwidth \(bwText) kHz is not a LoRa bandwidth")
        }
        return (sf, bw)
    }

    /// The LoRa data-rate string for a spreading factor and bandwidth in Hz ("SF7BW125", "SF12BW62.5").
    static func loraString(sf: Int, bandwidth: Int) -> String {
        if bandwidth % 1000 == 0 { return "SF\(sf)BW\(bandwidth / 1000)" }
        let kHz = Double(bandwidth) / 1000
        return "SF\(sf)BW\(kHz)"
    }
}
