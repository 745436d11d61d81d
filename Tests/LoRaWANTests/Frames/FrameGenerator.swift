@testable import LoRaWAN

/// SplitMix64: a small deterministic generator so property tests are reproducible from a seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension SeededGenerator {
    mutating func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: 0...255, using: &self) } }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    mutating func key() -> AES128Key { try! AES128Key(bytes: bytes(16)) }
}

/// Random but well-formed frames of every message type.
enum FrameGenerator {
    static func frame(_ g: inout SeededGenerator) -> PHYPayload {
        let mType = MType.allCases.randomElement(using: &g)!
        let mhdr = MHDR(mType: mType, major: 0, rfu: UInt8.random(in: 0...7, using: &g))
        let mic = MIC(UInt32.random(in: 0...UInt32.max, using: &g))
        switch mType {
        case .joinRequest:
            return PHYPayload(mhdr: mhdr, payload: .joinRequest(JoinRequestPayload(
                joinEUI: EUI64(g.next()), devEUI: EUI64(g.next()), devNonce: UInt16.random(in: 0...UInt16.max, using: &g))), mic: mic)
        case .joinAccept:
            return PHYPayload(mhdr: mhdr, payload: .encryptedJoinAccept(g.bytes(g.bool() ? 12 : 28)), mic: mic)
        case .rejoinRequest:
            let rj: RejoinRequestPayload
            if g.bool() {
                rj = .type1(joinEUI: EUI64(g.next()), devEUI: EUI64(g.next()), rjCount1: UInt16.random(in: 0...UInt16.max, using: &g))
            } else {
                rj = .type0or2(rejoinType: g.bool() ? 0 : 2, netID: try! NetID(UInt32.random(in: 0...0xFF_FFFF, using: &g)),
                               devEUI: EUI64(g.next()), rjCount0: UInt16.random(in: 0...UInt16.max, using: &g))
            }
            return PHYPayload(mhdr: mhdr, payload: .rejoinRequest(rj), mic: mic)
        case .proprietary:
            return PHYPayload(mhdr: mhdr, payload: .proprietary(g.bytes(Int.random(in: 0...40, using: &g))), mic: nil)
        default:
            return PHYPayload(mhdr: mhdr, payload: .data(macPayload(&g, direction: mType.direction!)), mic: mic)
        }
    }

    static func macPayload(_ g: inout SeededGenerator, direction: Direction) -> MACPayload {
        let fCtrl = FCtrl(byte: UInt8.random(in: 0...255, using: &g), direction: direction)
        var fOpts = g.bytes(Int.random(in: 0...15, using: &g))
        var fPort: UInt8? = g.bool() ? nil : UInt8.random(in: 0...255, using: &g)
        if fPort == 0, !fOpts.isEmpty {
            if g.bool() { fOpts = [] } else { fPort = 1 }
        }
        let payload = fPort == nil ? [] : g.bytes(Int.random(in: 0...64, using: &g))
        return MACPayload(fhdr: FHDR(devAddr: DevAddr(UInt32.random(in: 0...UInt32.max, using: &g)), fCtrl: fCtrl,
                                     fCnt: UInt16.random(in: 0...UInt16.max, using: &g), fOpts: fOpts),
                          fPort: fPort, frmPayload: payload)
    }
}
