import LoRaWAN
import PacketForwarder
import RegionalParameters
@testable import Simulator
import Testing
import TestSupport

/// The simulator's downlink checks, fed made-up PULL_RESPs (no sockets, no clock).
@Suite("Simulator: downlink checks")
struct SimulationStateTests {
    static func appKey() throws -> AES128Key { try AES128Key(hex: "2B7E151628AED2A6ABF7158809CF4F3C") }
    static let gatewayEUI = EUI64(0xAA55_5A00_0000_0000)

    /// A state with one OTAA device heard by one gateway, after its join-request went out at
    /// concentrator time 1 000 000 on 868.1 MHz DR5 (its record id is returned).
    func joiningState() throws -> (SimulationState, Int) {
        let plan = try #require(try RegionFiles.catalog().plan(id: "EU868"))
        var device = SimulatedDevice(devEUI: EUI64(0x5349_4D00_0000_0001), appKey: try Self.appKey())
        _ = try device.joinRequest()
        var s = SimulationState(plan: plan, devices: [.init(device: device, joined: false, joinAttemptsLeft: 2,
                                                            rx2: plan.rx2(joinChannelIndex: nil), dataRate: 5, gateways: [0])], gateways: 1)
        let id = s.register(.init(device: 0, kind: .join, confirmed: false, fCnt: 0, sentAt: 0, copies: [(0, 1_000_000)], rxDelaySeconds: 5,
                                  rx1: try plan.rx1(uplinkFrequency: 868_100_000, uplinkDataRate: 5, rx1DROffset: 0), rx2: plan.rx2(joinChannelIndex: 0)))
        s.devices[0].pendingJoin = id
        return (s, id)
    }

    /// A join-accept as the server would send it (LoRaWAN 1.0.3 §6.2.5), MIC optionally broken.
    func joinAccept(devAddr: DevAddr = DevAddr(0x2601_1BDA), breakMIC: Bool = false) throws -> [UInt8] {
        let ja = JoinAcceptPayload(joinNonce: 7, homeNetID: try NetID(0), devAddr: devAddr, dlSettings: DLSettings(), rxDelay: 1)
        var phy = PHYPayload(mhdr: MHDR(mType: .joinAccept), payload: .joinAccept(ja), mic: nil)
        var mic = try phy.joinAcceptMIC(key: try Self.appKey()).bytes
        if breakMIC { mic[0] ^= 0xFF }
        phy.mic = try MIC(bytes: mic)
        return try phy.encryptingJoinAccept(key: try Self.appKey()).serialized()
    }

    func pullResp(_ phy: [UInt8], tmst: UInt32?, frequency: UInt32 = 868_100_000, token: UInt16 = 0x4242) -> [UInt8] {
        let frame = DownlinkFrame(downlinkID: 1, gatewayEUI: Self.gatewayEUI, phyPayload: phy, frequency: frequency, power: 14,
                                  modulation: .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5"),
                                  timing: tmst.map { .concentratorTimestamp($0) } ?? .immediately)
        return Datagram.pullResp(version: .v2, token: token, payload: PullRespPayload(txpk: TxPacket(downlink: frame))).encoded()
    }

    @Test("a good join-accept in RX1 joins the device; the gateway answers TX_ACK with the PULL_RESP's token")
    func joinAcceptInRX1() throws {
        var (s, _) = try joiningState()
        let ack = s.receivePullResp(pullResp(try joinAccept(), tmst: 6_000_000), gateway: 0, gatewayEUI: Self.gatewayEUI,
                                    now: 200_000_000, nowTmst: 1_200_000)
        #expect(ack == Datagram.txAck(version: .v2, token: 0x4242, gatewayEUI: Self.gatewayEUI,
                                      payload: TxAckPayload(txpk_ack: .init(error: "NONE"))).encoded())
        #expect(s.joins == 1 && s.devices[0].joined && s.devices[0].device.devAddr == DevAddr(0x2601_1BDA))
        #expect(s.failures.total == 0)
        #expect(s.joinLatencies == [200])
        #expect(s.records.isEmpty)
    }

    @Test("RX2 (+1 s on 869.525 MHz) is accepted too")
    func joinAcceptInRX2() throws {
        var (s, _) = try joiningState()
        _ = s.receivePullResp(pullResp(try joinAccept(), tmst: 7_000_000, frequency: 869_525_000), gateway: 0,
                              gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: 1_200_000)
        #expect(s.joins == 1 && s.failures.total == 0)
    }

    @Test("wrong MIC, wrong tmst, wrong frequency, too late, no tmst: each counted, the device stays unjoined")
    func badJoinAccepts() throws {
        let cases: [(bytes: [UInt8], nowTmst: UInt32, expect: (mic: Int, timing: Int))] = [
            (pullResp(try joinAccept(breakMIC: true), tmst: 6_000_000), 1_200_000, (1, 0)),
            (pullResp(try joinAccept(), tmst: 6_000_001), 1_200_000, (0, 1)),
            (pullResp(try joinAccept(), tmst: 6_000_000, frequency: 868_300_000), 1_200_000, (0, 1)),
            (pullResp(try joinAccept(), tmst: 6_000_000), 6_000_500, (0, 1)),
            (pullResp(try joinAccept(), tmst: nil), 1_200_000, (0, 1)),
        ]
        for c in cases {
            var (s, _) = try joiningState()
            _ = s.receivePullResp(c.bytes, gateway: 0, gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: c.nowTmst)
            #expect(s.failures.mic == c.expect.mic && s.failures.timing == c.expect.timing)
            #expect(!s.devices[0].joined)
        }
    }

    @Test("hostile datagrams are counted as malformed and never crash", arguments: [
        [], [0x02], [0x02, 0, 0, 0x03], [0x02, 0, 0, 0x03] + Array("{\"txpk\":{".utf8),
        [0x02, 0, 0, 0x03] + Array("{\"txpk\":{\"imme\":true,\"freq\":869.525,\"modu\":\"LORA\",\"datr\":\"SF12BW125\",\"size\":3,\"data\":\"%%%\"}}".utf8),
        [0x02, 0, 0, 0x03] + Array("{\"txpk\":{\"imme\":true,\"freq\":869.525,\"modu\":\"LORA\",\"datr\":\"SF12BW125\",\"size\":2,\"data\":\"AAA=\"}}".utf8),
        [0x09, 1, 2, 3, 4, 5], Array(repeating: 0xFF, count: 2000),
    ] as [[UInt8]])
    func hostile(bytes: [UInt8]) throws {
        var (s, _) = try joiningState()
        _ = s.receivePullResp(bytes, gateway: 0, gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: 1)
        #expect(s.failures.malformed == 1)
        #expect(s.joins == 0)
    }

    @Test("a data downlink ACKs the confirmed uplink; a repeated FCnt and an ACK for nothing are failures; LinkADRReq is answered")
    func dataDownlinks() throws {
        var (s, _) = try joiningState()
        _ = s.receivePullResp(pullResp(try joinAccept(), tmst: 6_000_000), gateway: 0, gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: 1_200_000)
        let keys = try #require(s.devices[0].device.keys)
        _ = try s.devices[0].device.dataUplink(confirmed: true)
        let plan = s.plan
        func uplink(_ tmst: UInt32, confirmed: Bool) throws -> Int {
            s.register(.init(device: 0, kind: .data, confirmed: confirmed, fCnt: 0, sentAt: 0, copies: [(0, tmst)], rxDelaySeconds: 1,
                             rx1: try plan.rx1(uplinkFrequency: 868_100_000, uplinkDataRate: 5, rx1DROffset: 0), rx2: s.devices[0].rx2))
        }
        func downlink(fCnt: UInt16, ack: Bool, fOpts: [UInt8] = []) throws -> [UInt8] {
            let fhdr = FHDR(devAddr: DevAddr(0x2601_1BDA), fCtrl: FCtrl(direction: .downlink, ack: ack), fCnt: fCnt, fOpts: fOpts)
            var phy = PHYPayload(mhdr: MHDR(mType: .unconfirmedDataDown), payload: .data(MACPayload(fhdr: fhdr)), mic: nil)
            phy.mic = try phy.dataMIC(version: .lorawan1_0, keys: keys, fCnt: UInt32(fCnt))
            return try phy.serialized()
        }
        _ = try uplink(10_000_000, confirmed: true)
        let linkADRReq: [UInt8] = [0x03, 0x53, 0x07, 0x00, 0x01]  // DR5, TXPower 3, channels 0–2
        _ = s.receivePullResp(pullResp(try downlink(fCnt: 0, ack: true, fOpts: linkADRReq), tmst: 11_000_000), gateway: 0,
                              gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: 10_300_000)
        #expect(s.uplinksAcknowledged == 1 && s.failures.total == 0 && s.macReceived == 1)
        #expect(s.takeFOpts(device: 0) == [0x03, 0x07])  // LinkADRAns, all accepted
        #expect(s.devices[0].txPower == 3)

        _ = try uplink(20_000_000, confirmed: false)
        _ = s.receivePullResp(pullResp(try downlink(fCnt: 0, ack: true), tmst: 21_000_000), gateway: 0,
                              gatewayEUI: Self.gatewayEUI, now: 1, nowTmst: 20_300_000)
        #expect(s.failures.fCnt == 1 && s.failures.unexpectedAck == 1)
    }

    @Test("windows that pass unanswered: a confirmed uplink is a loss, a join is retried while attempts are left")
    func expiry() throws {
        var (s, _) = try joiningState()
        _ = s.register(.init(device: 0, kind: .data, confirmed: true, fCnt: 0, sentAt: 10, copies: [(0, 5)], rxDelaySeconds: 1,
                             rx1: nil, rx2: s.devices[0].rx2))
        #expect(s.awaitingAnswers == 2)
        #expect(s.expire(sentBefore: 5) == [0])
        #expect(s.confirmedUnacknowledged == 0)
        _ = s.expire(sentBefore: 11)
        #expect(s.confirmedUnacknowledged == 1 && s.records.isEmpty && s.windows[0].isEmpty)
    }

    @Test("latency percentiles are nearest-rank")
    func percentiles() {
        let p = SimulationReport.Percentiles(samples: (1...100).map(Double.init).shuffled())
        #expect(p.count == 100 && p.p50 == 50 && p.p99 == 99 && p.max == 100)
        let empty = SimulationReport.Percentiles(samples: [])
        #expect(empty.count == 0 && empty.p50 == 0 && empty.p99 == 0 && empty.max == 0)
    }
}
