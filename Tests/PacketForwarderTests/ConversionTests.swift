import LoRaWAN
import Testing
@testable import PacketForwarder

@Suite("rxpk ↔ UplinkFrame, txpk ← DownlinkFrame")
struct ConversionTests {
    @Test("single-antenna rxpk becomes one frame with every metadata field")
    func single() throws {
        guard case let .pushData(_, _, eui, payload) = try Datagram(bytes: Samples.pushData(Samples.rxpkSingle)),
              let rx = payload.rxpk?.first else { Issue.record("no rxpk"); return }
        let frames = try rx.uplinkFrames(gatewayEUI: eui)
        #expect(frames.count == 1)
        let f = try #require(frames.first)
        #expect(f.phyPayload == [0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x04, 0x05, 0x06, 0x07])
        #expect(f.txInfo.frequency == 868_100_000)
        #expect(f.txInfo.modulation == .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5"))
        #expect(f.rxInfo.gatewayEUI == Samples.gateway)
        #expect(f.rxInfo.concentratorTimestamp == 3_512_348_611)
        #expect(f.rxInfo.timeMillis == 1_364_746_877_528)
        #expect(f.rxInfo.rssi == -35)
        #expect(f.rxInfo.snr == 5.1)
        #expect(f.rxInfo.channel == 2)
        #expect(f.rxInfo.crcStatus == 1)
    }

    @Test("SX1302 rsig gives one frame per antenna")
    func rsig() throws {
        guard case let .pushData(_, _, eui, payload) = try Datagram(bytes: Samples.pushData(Samples.rxpkRSig)),
              let rx = payload.rxpk?.first else { Issue.record("no rxpk"); return }
        #expect(rx.rsig?.first?.etime == "abcd")
        #expect(rx.rsig?.first?.ftdelta == 2)
        let frames = try rx.uplinkFrames(gatewayEUI: eui)
        #expect(frames.map(\.rxInfo.antenna) == [0, 1])
        #expect(frames.map(\.rxInfo.rssi) == [-100, -97])
        #expect(frames.map(\.rxInfo.snr) == [-3.5, 2.25])
        #expect(frames.map(\.rxInfo.board) == [1, 1])
        #expect(frames.map(\.rxInfo.channel) == [5, 5])
        #expect(frames.allSatisfy { $0.rxInfo.gpsTimeMillis == 1_398_672_018_000 })
        #expect(frames.allSatisfy { $0.txInfo.modulation == .lora(spreadingFactor: 12, bandwidth: 125_000, codeRate: "4/5") })
    }

    @Test("uplink → rxpk → uplink is the identity")
    func roundTrip() throws {
        let frame = UplinkFrame(phyPayload: Array(0..<40), txInfo: UplinkTxInfo(frequency: 867_300_000, modulation: .lora(spreadingFactor: 10, bandwidth: 125_000, codeRate: "4/5")),
                                rxInfo: UplinkRxInfo(gatewayEUI: Samples.gateway, concentratorTimestamp: 42, timeMillis: 1_700_000_000_123,
                                                     rssi: -110, snr: -7.25, channel: 3, rfChain: 1))
        let back = try RxPacket(uplink: frame).uplinkFrames(gatewayEUI: Samples.gateway)
        #expect(back == [frame])
    }

    static let badPackets: [(String, RxPacket, String)] = [
        ("no tmst", RxPacket(freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "missing_field"),
        ("no data", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0), "missing_field"),
        ("no rssi", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), data: "AA=="), "missing_field"),
        ("bad base64", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "A*=="), "invalid_base64"),
        ("base64 one char", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "A"), "invalid_base64"),
        ("too much padding", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA==="), "invalid_base64"),
        ("size mismatch", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, size: 2, data: "AA=="), "size_mismatch"),
        ("SF13", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF13BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("BW 100", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW100"), rssi: 0, data: "AA=="), "invalid_field"),
        ("datr garbage", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("fast"), rssi: 0, data: "AA=="), "invalid_field"),
        ("LoRa numeric datr", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .number(5), rssi: 0, data: "AA=="), "invalid_field"),
        ("unknown modu", RxPacket(tmst: 1, freq: 868.1, modu: "OOK", datr: .number(5), rssi: 0, data: "AA=="), "invalid_field"),
        ("negative freq", RxPacket(tmst: 1, freq: -868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("huge freq", RxPacket(tmst: 1, freq: 1e300, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("bad time", RxPacket(time: "yesterday at noon", tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("Feb 30", RxPacket(time: "2024-02-30T00:00:00Z", tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("bad codr", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), codr: "9/9", rssi: 0, data: "AA=="), "invalid_field"),
        ("stat 7", RxPacket(tmst: 1, freq: 868.1, stat: 7, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: "AA=="), "invalid_field"),
        ("huge SNR", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, lsnr: 1e300, data: "AA=="), "invalid_field"),
        ("huge bandwidth", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW1e300"), rssi: 0, data: "AA=="), "invalid_field"),
        ("empty data", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: ""), "invalid_field"),
        ("256 bytes", RxPacket(tmst: 1, freq: 868.1, modu: "LORA", datr: .string("SF7BW125"), rssi: 0, data: Base64.encode([UInt8](repeating: 1, count: 256))), "invalid_field"),
    ]

    @Test("bad rxpk fields give typed errors", arguments: badPackets)
    func badFields(_ c: (String, RxPacket, String)) {
        do {
            _ = try c.1.uplinkFrames(gatewayEUI: Samples.gateway)
            Issue.record("\(c.0) converted")
        } catch {
            #expect(error.code == c.2, "\(c.0): \(error)")
        }
    }

    @Test("base64 matches RFC 4648 §10 test vectors")
    func base64Vectors() {
        // RFC 4648 §10.
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
        }
        #expect(Base64.decode("Zm9vYg") == Array("foob".utf8))  // padding optional
        #expect(Base64.decode("Zm9v-g==") == nil)                // URL alphabet refused
    }

    @Test("timestamps", arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2013-03-31T16:21:17.528002Z", Int64(1_364_746_877_528)),
        ("2014-01-12 08:59:28 GMT", Int64(1_389_517_168_000)),
        ("2024-02-29T12:00:00.5+01:00", Int64(1_709_204_400_500)),
    ])
    func timestamps(_ c: (String, Int64)) {
        #expect(Timestamp.parseMillis(c.0) == c.1)
        let formatted = Timestamp.formatCompact(millis: c.1)
        #expect(Timestamp.parseMillis(formatted) == c.1)
    }
}
