/// The LoRaWAN MAC-layer version family, which decides MIC, key and FOpts rules.
public enum MACVersion: String, Hashable, Sendable, Codable, CaseIterable {
    /// LoRaWAN 1.0.0–1.0.4: one NwkSKey, B0-only data MIC, AppKey-based join.
    case lorawan1_0 = "1.0"
    /// LoRaWAN 1.1: split network keys, B0/B1 uplink MIC, encrypted FOpts, NwkKey-based join.
    case lorawan1_1 = "1.1"

    /// Parses "1.0", "1.0.0" … "1.0.4", "1.1", "1.1.0" (an optional "LoRaWAN " prefix is allowed).
    public init(parsing text: String) throws(LoRaWANError) {
        var t = Substring(text)
        if t.lowercased().hasPrefix("lorawan") { t = t.dropFirst(7).drop(while: { $0 == " " || $0 == "_" || $0 == "-" }) }
        switch t {
        case "1.0", "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4": self = .lorawan1_0
        case "1.1", "1.1.0": self = .lorawan1_1
        default: throw .invalidField(name: "MAC version", reason: "'\(text)' is not one of 1.0, 1.0.0–1.0.4, 1.1")
        }
    }
}

/// How the LoRaWAN 1.1 FOpts key-stream block A is built (LoRaWAN 1.1 §4.3.1.6).
///
/// The published 1.1 text (Oct 2017) uses `A = 0x01 | 4×0x00 | Dir | DevAddr | FCnt | 0x00 | 0x00`
/// with NFCntDown on downlinks. The LoRa Alliance errata "FOpts encryption, usage of FCntDwn"
/// (CR, Jan 2018) changes it to `A1 = 0x01 | 0x00 0x00 0x00 c | Dir | DevAddr | FCnt | 0x00 | 0x01`
/// where c = 0x01 when FCntUp or NFCntDown is used and 0x02 when AFCntDown is used (a downlink
/// with FPort > 0). Lorikeet follows the errata by default, as ChirpStack and LoRaMac-node do;
/// `.original` reproduces The Things Stack's encoding for interoperability tests.
public enum FOptsKeyStream: String, Hashable, Sendable, Codable {
    /// LoRaWAN 1.1 errata (default).
    case errata
    /// The published LoRaWAN 1.1 text without the errata.
    case original
}
