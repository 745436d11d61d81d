import LoRaWAN
import Testing
@testable import PacketForwarder

/// Sample datagrams in the shape real packet forwarders send (PROTOCOL.TXT §3.2, §4, §5.2, §5.5;
/// SX1302 `rsig` as the Kerlink/SX1302 forwarders emit it).
enum Samples {
    static let gateway = EUI64(0xAA55_5A00_0000_0101)
    static let header: [UInt8] = [0x02, 0x3B, 0x9A, 0x00, 0xAA, 0x55, 0x5A, 0x00, 0x00, 0x00, 0x01, 0x01]

    static func pushData(_ json: String, version: UInt8 = 2) -> [UInt8] {
        var h = header
        h[0] = version
        return h + Array(json.utf8)
    }

    // A join-request (23 bytes) as heard on EU868 channel 868.1 MHz.
    static let joinRequestB64 = "AAEAAAAAAAAAAgAAAAAAAAADAAQFBgc="
    static let rxpkSingle = """
    {"rxpk":[{"time":"2013-03-31T16:21:17.528002Z","tmst":3512348611,"chan":2,"rfch":0,"freq":868.1,\
    "stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","rssi":-35,"lsnr":5.1,"size":23,\
    "data":"\(joinRequestB64)"}]}
    """
    static let rxpkRSig = """
    {"rxpk":[{"time":"2024-05-01T10:00:00.000001Z","tmms":1398672018000,"tmst":1000,"freq":867.5,"brd":1,"rfch":1,\
    "stat":1,"modu":"LORA","datr":"SF12BW125","codr":"4/5","size":23,"data":"\(joinRequestB64)",\
    "rsig":[{"ant":0,"chan":5,"rssic":-100,"lsnr":-3.5,"etime":"abcd","foff":-120,"ftstat":0,"ftver":1,"ftdelta":2},\
    {"ant":1,"chan":5,"rssic":-97,"rssis":-99,"lsnr":2.25}]}]}
    """
    static let stat = """
    {"stat":{"time":"2014-01-12 08:59:28 GMT","lati":46.24,"long":3.2523,"alti":145,"rxnb":2,"rxok":2,"rxfw":2,\
    "ackr":100.0,"dwnb":2,"txnb":2,"temp":23.2}}
    """
}

@Suite("Datagram framing")
struct DatagramTests {
    @Test("PUSH_DATA with one rxpk parses every field")
    func pushDataSingle() throws {
        let d = try Datagram(bytes: Samples.pushData(Samples.rxpkSingle))
        guard case let .pushData(version, token, eui, payload) = d else { Issue.record("not PUSH_DATA"); return }
        #expect(version == .v2)
        #expect(token == 0x3B9A)
        #expect(eui == Samples.gateway)
        let rx = try #require(payload.rxpk?.first)
        #expect(rx.tmst == 3_512_348_611)
        #expect(rx.freq == 868.1)
        #expect(rx.chan == 2)
        #expect(rx.datr == .string("SF7BW125"))
        #expect(rx.rssi == -35)
        #expect(rx.lsnr == 5.1)
        #expect(payload.stat == nil)
    }

    @Test("PUSH_DATA with stat only")
    func pushDataStat() throws {
        let d = try Datagram(bytes: Samples.pushData(Samples.stat))
        guard case let .pushData(_, _, _, payload) = d else { Issue.record("not PUSH_DATA"); return }
        let stat = try #require(payload.stat)
        #expect(stat.rxnb == 2)
        #expect(stat.ackr == 100)
        #expect(stat.temp == 23.2)
        #expect(stat.location == GatewayLocation(latitude: 46.24, longitude: 3.2523, altitude: 145))
        #expect(Timestamp.parseMillis(try #require(stat.time)) == 1_389_517_168_000)
        #expect(payload.rxpk == nil)
    }

    @Test("version 1 datagrams are accepted and answered in version 1")
    func versionOne() throws {
        let d = try Datagram(bytes: Samples.pushData(Samples.stat, version: 1))
        guard case let .pushData(version, token, _, _) = d else { Issue.record("not PUSH_DATA"); return }
        #expect(version == .v1)
        #expect(Datagram.pushAck(version: version, token: token).encoded() == [0x01, 0x3B, 0x9A, 0x01])
    }

    @Test("PULL_DATA, PUSH_ACK, PULL_ACK round trip")
    func shortDatagrams() throws {
        let pull: [UInt8] = [0x02, 0xAB, 0xCD, 0x02, 0xAA, 0x55, 0x5A, 0x00, 0x00, 0x00, 0x01, 0x01]
        let d = try Datagram(bytes: pull)
        #expect(d == .pullData(version: .v2, token: 0xABCD, gatewayEUI: Samples.gateway))
        #expect(d.encoded() == pull)
        #expect(try Datagram(bytes: [2, 0, 7, 1]) == .pushAck(version: .v2, token: 7))
        #expect(try Datagram(bytes: [2, 0, 7, 4]) == .pullAck(version: .v2, token: 7))
    }

    @Test("TX_ACK with and without JSON, with a trailing NUL")
    func txAck() throws {
        var bytes: [UInt8] = [0x02, 0x00, 0x09, 0x05, 0xAA, 0x55, 0x5A, 0x00, 0x00, 0x00, 0x01, 0x01]
        let empty = try Datagram(bytes: bytes)
        #expect(empty == .txAck(version: .v2, token: 9, gatewayEUI: Samples.gateway, payload: nil))
        bytes += Array(#"{"txpk_ack":{"error":"TOO_LATE"}}"#.utf8) + [0]
        guard case let .txAck(_, _, _, payload?) = try Datagram(bytes: bytes) else { Issue.record("no payload"); return }
        #expect(payload.result == .rejected(.tooLate))
        let none = TxAckPayload(txpk_ack: .init(error: "NONE"))
        #expect(none.result == .ok)
        let warn = TxAckPayload(txpk_ack: .init(warn: "TX_POWER", value: .number(14)))
        #expect(warn.result == .acceptedWithWarning("TX_POWER"))
    }

    @Test("PULL_RESP encodes a txpk that parses back")
    func pullRespRoundTrip() throws {
        let frame = DownlinkFrame(downlinkID: 1, gatewayEUI: Samples.gateway, phyPayload: [0x20, 1, 2, 3], frequency: 869_525_000,
                                  power: 27, modulation: .lora(spreadingFactor: 9, bandwidth: 125_000, codeRate: "4/5"),
                                  timing: .concentratorTimestamp(5_000_000))
        let d = Datagram.pullResp(version: .v2, token: 0x1234, payload: PullRespPayload(txpk: TxPacket(downlink: frame)))
        let bytes = d.encoded()
        #expect(Array(bytes[0..<4]) == [0x02, 0x12, 0x34, 0x03])
        let json = String(decoding: bytes[4...], as: UTF8.self)
        #expect(json.contains(#""freq":869.525"#))
        #expect(json.contains(#""datr":"SF9BW125""#))
        #expect(json.contains(#""tmst":5000000"#))
        #expect(json.contains(#""data":"IAECAw==""#))
        guard case let .pullResp(_, _, payload) = try Datagram(bytes: bytes) else { Issue.record("not PULL_RESP"); return }
        let back = try DownlinkFrame(txPacket: payload.txpk, gatewayEUI: Samples.gateway, downlinkID: 1)
        #expect(back == frame)
    }

    @Test("class C and FSK downlinks")
    func immediateAndFSK() throws {
        let frame = DownlinkFrame(downlinkID: 2, gatewayEUI: Samples.gateway, phyPayload: [0x60], frequency: 868_800_000,
                                  power: 14, modulation: .fsk(bitrate: 50_000, frequencyDeviation: 25_000), timing: .immediately)
        let tx = TxPacket(downlink: frame)
        #expect(tx.imme == true)
        #expect(tx.modu == "FSK")
        #expect(tx.datr == .number(50_000))
        #expect(tx.fdev == 25_000)
        #expect(try DownlinkFrame(txPacket: tx, gatewayEUI: Samples.gateway, downlinkID: 2) == frame)
    }
}

@Suite("Hostile datagrams give typed errors")
struct HostileDatagramTests {
    static let cases: [(String, [UInt8], PacketForwarderError)] = [
        ("empty", [], .tooShort(what: "datagram", minimum: 4, actual: 0)),
        ("three bytes", [2, 0, 0], .tooShort(what: "datagram", minimum: 4, actual: 3)),
        ("version 0", [0, 0, 0, 0], .unsupportedVersion(0)),
        ("version 3", [3, 0, 0, 0], .unsupportedVersion(3)),
        ("type 0x06", [2, 0, 0, 6], .unknownPacketType(6)),
        ("type 0xFF", [2, 0, 0, 0xFF], .unknownPacketType(0xFF)),
        ("PULL_DATA without EUI", [2, 0, 0, 2, 1, 2, 3], .tooShort(what: "PULL_DATA", minimum: 12, actual: 7)),
        ("PUSH_DATA without EUI", [2, 0, 0, 0], .tooShort(what: "PUSH_DATA", minimum: 12, actual: 4)),
        ("PUSH_DATA without JSON", Samples.header, .invalidJSON(what: "PUSH_DATA", reason: "no JSON object")),
        ("PUSH_DATA with text", Samples.pushData("hello"), .invalidJSON(what: "PUSH_DATA", reason: "does not start with '{'")),
    ]

    @Test("framing errors", arguments: cases)
    func framing(_ c: (String, [UInt8], PacketForwarderError)) {
        #expect(throws: c.2, "\(c.0)") { try Datagram(bytes: c.1) }
    }

    @Test("truncated JSON at every length never crashes and gives invalidJSON",
          arguments: [Samples.rxpkSingle, Samples.rxpkRSig, Samples.stat])
    func truncatedJSON(_ json: String) {
        let full = Samples.pushData(json)
        for cut in 13..<(full.count - 1) {
            do {
                _ = try Datagram(bytes: full[0..<cut])
                Issue.record("truncated at \(cut) parsed")
            } catch {
                #expect(error.code == "invalid_json")
            }
        }
    }

    @Test("wrong JSON types name the field")
    func wrongTypes() {
        #expect(throws: PacketForwarderError.invalidJSON(what: "PUSH_DATA", reason: "rxpk.[0].tmst: expected UInt32")) {
            try Datagram(bytes: Samples.pushData(#"{"rxpk":[{"tmst":"soon"}]}"#))
        }
        #expect(throws: PacketForwarderError.self) { try Datagram(bytes: Samples.pushData(#"{"rxpk":[{"tmst":-1}]}"#)) }
        #expect(throws: PacketForwarderError.self) { try Datagram(bytes: Samples.pushData(#"{"rxpk":[{"tmst":4294967296}]}"#)) }
        #expect(throws: PacketForwarderError.self) { try Datagram(bytes: Samples.pushData(#"{"rxpk":{"tmst":1}}"#)) }
        #expect(throws: PacketForwarderError.self) { try Datagram(bytes: Samples.pushData(#"{"stat":{"rxnb":1e400}}"#)) }
    }

    @Test("random bytes never crash")
    func randomBytes() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<5_000 {
            let n = Int(rng.next() % 200)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if n > 3 { bytes[0] = 2; bytes[3] = UInt8(rng.next() % 6) }
            _ = try? Datagram(bytes: bytes)
        }
    }
}

/// A small deterministic generator so that the fuzz-style tests are reproducible.
struct SplitMix: RandomNumberGenerator {
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
