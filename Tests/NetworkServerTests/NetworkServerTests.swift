import Foundation
import LoRaWAN
import Testing
@testable import NetworkServer
import Registry
import TestSupport

@Suite("OTAA join")
struct JoinTests {
    @Test("1.0.3 join: accept decrypts, MIC verifies, RX1 at tmst + 5 s on the uplink channel, CFList sent")
    func join10() async throws {
        let h = try Harness()
        try await h.provision(devEUI: EUI64(1))
        var device = SimulatedDevice(devEUI: EUI64(1), appKey: Harness.appKey)
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.joinRequest(), gateway: Harness.gateway, tmst: 10_000_000)])
        guard case let .accepted(downlink?) = outcome else { Issue.record("\(outcome)"); return }
        #expect(downlink.timing == .concentratorTimestamp(15_000_000))
        #expect(downlink.frequency == 868_100_000)
        #expect(downlink.modulation == .lora(spreadingFactor: 7, bandwidth: 125_000, codeRate: "4/5"))
        #expect(downlink.gatewayEUI == Harness.gateway)
        #expect(h.sent.count == 1)
        let accept = try device.acceptJoin(downlink.phyPayload)
        #expect(accept.cfList?.frequencies == [867_100_000, 867_300_000, 867_500_000, 867_700_000, 867_900_000])
        #expect(accept.dlSettings.rx2DataRate == 0)
        #expect(accept.rxDelay == 1)
        #expect(accept.devAddr.belongs(to: NetID.zero))
        let session = try #require(try await h.registry.session(devEUI: EUI64(1)))
        #expect(session.devAddr == accept.devAddr)
        #expect(session.keys == device.keys)
    }

    @Test("1.1 join: OptNeg, JSIntKey MIC, NwkKey encryption, 1.1 key derivation")
    func join11() async throws {
        let h = try Harness()
        let device = try await h.joinedDevice(EUI64(2), macVersion: "1.1")
        let session = try #require(try await h.registry.session(devEUI: EUI64(2)))
        #expect(session.macVersion == .lorawan1_1)
        #expect(session.keys == device.keys)
        #expect(session.keys.fNwkSIntKey != session.keys.sNwkSIntKey)
    }

    @Test("a replayed DevNonce is refused, a bad MIC is refused, neither changes state")
    func joinReplayAndMIC() async throws {
        let h = try Harness()
        try await h.provision(devEUI: EUI64(3))
        var device = SimulatedDevice(devEUI: EUI64(3), appKey: Harness.appKey)
        let request = try device.joinRequest()
        #expect(await h.server.process(frames: [SimulatedDevice.frame(request, gateway: Harness.gateway)]) != .dropped(.devNonceReplay))
        let before = try await h.registry.session(devEUI: EUI64(3))
        #expect(await h.server.process(frames: [SimulatedDevice.frame(request, gateway: Harness.gateway)]) == .dropped(.devNonceReplay))
        var forged = try device.joinRequest()
        forged[forged.count - 1] ^= 0xFF
        #expect(await h.server.process(frames: [SimulatedDevice.frame(forged, gateway: Harness.gateway)]) == .dropped(.micMismatch))
        #expect(try await h.registry.session(devEUI: EUI64(3)) == before)
        #expect(h.sent.count == 1)
    }

    @Test("unknown device and garbage are dropped as values")
    func unknown() async throws {
        let h = try Harness()
        var stranger = SimulatedDevice(devEUI: EUI64(99), appKey: Harness.appKey)
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try stranger.joinRequest(), gateway: Harness.gateway)]) == .dropped(.unknownDevice))
        #expect(await h.server.process(frames: [SimulatedDevice.frame([0x40, 1, 2], gateway: Harness.gateway)]) == .dropped(.unparsable))
        #expect(await h.server.process(frames: [SimulatedDevice.frame([0xE0, 1, 2, 3, 4, 5], gateway: Harness.gateway)]) == .dropped(.unsupportedMessageType))
    }
}

@Suite("Data uplinks")
struct DataUplinkTests {
    @Test("unconfirmed uplink: decrypted into an up event, no downlink, counter persisted")
    func unconfirmed() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(10))
        var events = h.server.events.makeAsyncIterator()
        _ = await events.next()  // join
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(fPort: 5, payload: [0xCA, 0xFE]), gateway: Harness.gateway)])
        #expect(outcome == .accepted(downlink: nil))
        guard case let .up(up)? = await events.next() else { Issue.record("no up event"); return }
        #expect(up.payload == [0xCA, 0xFE])
        #expect(up.fPort == 5)
        #expect(up.fCnt == 0)
        #expect(up.deviceInfo.devEui == EUI64(10).description)
        #expect(up.rxInfo.count == 1)
        let json = String(decoding: NetworkServerEvent.up(up).jsonData(), as: UTF8.self)
        #expect(json.contains(#""data":"yv4=""#))
        #expect(json.contains(#""spreadingFactor":7"#))
        #expect(try await h.registry.session(devEUI: EUI64(10))?.fCntUp == 0)
    }

    @Test("confirmed uplink gets an ACK in RX1 (tmst + 1 s) that the device verifies")
    func confirmed() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(11))
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1], confirmed: true), gateway: Harness.gateway, tmst: 50)])
        guard case let .accepted(downlink?) = outcome else { Issue.record("\(outcome)"); return }
        #expect(downlink.timing == .concentratorTimestamp(1_000_050))
        let opened = try device.openDownlink(downlink.phyPayload)
        #expect(opened.ack)
        #expect(opened.fCnt == 0)
        // Stored ahead of use since the join: the default reservation of 16.
        #expect(try await h.registry.session(devEUI: EUI64(11))?.nFCntDown == 16)
    }

    @Test("a replayed frame and a bad MIC are refused with no state change and an error event")
    func replayAndMIC() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(12))
        let first = try device.dataUplink(payload: [1])
        _ = await h.server.process(frames: [SimulatedDevice.frame(first, gateway: Harness.gateway)])
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [2]), gateway: Harness.gateway)])
        let before = try await h.registry.session(devEUI: EUI64(12))
        #expect(await h.server.process(frames: [SimulatedDevice.frame(first, gateway: Harness.gateway)]) == .dropped(.fCntReplay))
        var bad = try device.dataUplink(payload: [3])
        bad[bad.count - 2] ^= 0x01
        #expect(await h.server.process(frames: [SimulatedDevice.frame(bad, gateway: Harness.gateway)]) == .dropped(.micMismatch))
        #expect(try await h.registry.session(devEUI: EUI64(12)) == before)
        var codes: [String] = []
        var devices: [String?] = []
        for await event in h.server.events {
            if case let .log(log) = event { codes.append(log.code); devices.append(log.deviceInfo?.devEui) }
            if codes.count == 2 { break }
        }
        #expect(codes == ["UPLINK_F_CNT_RETRANSMISSION", "UPLINK_MIC"])
        // The DevAddr has one session, so both events name the device (published on its event/log topic).
        #expect(devices == [EUI64(12).description, EUI64(12).description])
    }

    @Test("DevAddr collision: two devices share an address, the MIC picks the right one")
    func collision() async throws {
        let h = try Harness()
        var a = try await h.joinedDevice(EUI64(20))
        var b = try await h.joinedDevice(EUI64(21))
        // Force b onto a's address, on the server and in the device.
        var sb = try #require(try await h.registry.session(devEUI: EUI64(21)))
        sb.devAddr = try #require(a.devAddr)
        try await h.registry.saveSession(sb)
        try await h.server.reloadSessions()  // the server's session cache does not see direct store edits
        b.devAddr = a.devAddr
        _ = await h.server.process(frames: [SimulatedDevice.frame(try b.dataUplink(payload: [0xBB]), gateway: Harness.gateway)])
        _ = await h.server.process(frames: [SimulatedDevice.frame(try a.dataUplink(payload: [0xAA]), gateway: Harness.gateway)])
        #expect(try await h.registry.session(devEUI: EUI64(21))?.fCntUp == 0)
        #expect(try await h.registry.session(devEUI: EUI64(20))?.fCntUp == 0)
    }

    @Test("32-bit FCnt reconstruction across the 16-bit rollover")
    func rollover() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(22))
        var s = try #require(try await h.registry.session(devEUI: EUI64(22)))
        s.fCntUp = 0xFFFF
        try await h.registry.saveSession(s)
        try await h.server.reloadSessions()
        device.fCntUp = 0x1_0000
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway)]) == .accepted(downlink: nil))
        #expect(try await h.registry.session(devEUI: EUI64(22))?.fCntUp == 0x1_0000)
    }

    @Test("a restart continues the counters and still refuses an old frame")
    func restart() async throws {
        try await Harness.withRegistryFile { path, _ in
            var device: SimulatedDevice
            let old: [UInt8]
            do {
                let h = try Harness(path: path)
                device = try await h.joinedDevice(EUI64(30))
                old = try device.dataUplink(payload: [1])
                _ = await h.server.process(frames: [SimulatedDevice.frame(old, gateway: Harness.gateway)])
            }
            let h = try Harness(path: path)
            #expect(await h.server.process(frames: [SimulatedDevice.frame(old, gateway: Harness.gateway)]) == .dropped(.fCntReplay))
            #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [2]), gateway: Harness.gateway)]) == .accepted(downlink: nil))
            #expect(try await h.registry.session(devEUI: EUI64(30))?.fCntUp == 1)
        }
    }

    @Test("two gateways hearing the same frame: one uplink with both gateways' metadata, answered via the best")
    func deduplication() async throws {
        let h = try Harness(dedupMillis: 200)
        var device = try await h.joinedDevice(EUI64(40))
        var events = h.server.events.makeAsyncIterator()
        _ = await events.next()
        let bytes = try device.dataUplink(payload: [7], confirmed: true)
        await h.server.receive(SimulatedDevice.frame(bytes, gateway: Harness.gateway, rssi: -100, snr: -2))
        while h.clock.sleeperCount == 0 { await Task.yield() }  // the window's timer is armed
        h.clock.advance(by: .milliseconds(150))  // still inside the window
        await h.server.receive(SimulatedDevice.frame(bytes, gateway: Harness.gateway2, rssi: -70, snr: 9))
        #expect(await h.server.processedCount == 1)  // only the join so far
        h.clock.advance(by: .milliseconds(50))   // the window closes
        guard case let .up(up)? = await events.next() else { Issue.record("no up"); return }
        #expect(Set(up.rxInfo.map(\.gatewayId)) == [Harness.gateway.description, Harness.gateway2.description])
        #expect(up.rxInfo.first?.gatewayId == Harness.gateway2.description)
        // A late copy is a duplicate, not a second uplink.
        await h.server.receive(SimulatedDevice.frame(bytes, gateway: Harness.gateway, rssi: -100, snr: -2))
        #expect(await h.server.processedCount == 2)
        // The ACK is sent after the up event; wait for it (bounded) before looking.
        var spins = 0
        while h.sent.count < 2 && spins < 1_000_000 { await Task.yield(); spins += 1 }
        #expect(h.sent.count == 2)
        #expect(h.sent.last?.gatewayEUI == Harness.gateway2)
    }
}

@Suite("MAC commands and ADR")
struct MACTests {
    @Test("LinkCheckReq, DeviceTimeReq answered; DevStatusAns recorded as a status event")
    func answers() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(50))
        // LinkCheckReq (0x02) and DeviceTimeReq (0x0D) in FOpts.
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(fOpts: [0x02, 0x0D]), gateway: Harness.gateway, snr: 5)])
        guard case let .accepted(downlink?) = outcome else { Issue.record("\(outcome)"); return }
        let opened = try device.openDownlink(downlink.phyPayload)
        #expect(opened.fPort == 0)
        guard opened.macCommands.count == 2, case let .linkCheckAns(ans) = opened.macCommands[0], case .deviceTimeAns = opened.macCommands[1] else {
            Issue.record("\(opened.macCommands)"); return
        }
        #expect(ans.gwCnt == 1)
        #expect(ans.marginDB == 12)  // 5 dB SNR − (−7.5 dB required at SF7), rounded down
        // DevStatusAns: battery 127, margin 10.
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(fOpts: [0x06, 127, 10]), gateway: Harness.gateway)])
        let s = try #require(try await h.registry.session(devEUI: EUI64(50)))
        #expect(s.battery == 127)
        #expect(s.margin == 10)
    }

    @Test("ADR: 20 strong uplinks lead to a LinkADRReq; the device's acceptance updates the session")
    func adr() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(60))
        var downlink: DownlinkFrame?
        for _ in 0..<20 {
            // SF12 (DR0) at +10 dB SNR: margin 10 − (−20) − 10 = 20 dB → 6 steps.
            let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(adr: true), gateway: Harness.gateway, snr: 10, spreadingFactor: 12)])
            if case let .accepted(d?) = outcome { downlink = d }
        }
        let d = try #require(downlink)
        let opened = try device.openDownlink(d.phyPayload)
        guard case let .linkADRReq(req)? = opened.macCommands.first else { Issue.record("\(opened.macCommands)"); return }
        #expect(req.dataRate == 5)
        #expect(req.txPower == 1)
        #expect(req.enabledChannels.count == 8)
        // LinkADRAns with all three ACK bits set.
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(fOpts: [0x03, 0x07]), gateway: Harness.gateway, snr: 10)])
        let s = try #require(try await h.registry.session(devEUI: EUI64(60)))
        #expect(s.dataRate == 5)
        #expect(s.txPowerIndex == 1)
        #expect(s.pendingMACCommands.isEmpty)
    }

    @Test("ADR algorithm: steps go to data rate first, then power; negative margin raises power")
    func algorithm() {
        let adr = ADRAlgorithm()
        #expect(adr.decide(snrs: Array(repeating: 0, count: 19), dataRate: 0, spreadingFactor: 12, txPowerIndex: 0, maxDataRate: 5, maxTXPowerIndex: 7) == nil)
        // SF12, best SNR 10 → margin 20 dB → 6 steps: DR0→DR5 and one power step.
        #expect(adr.decide(snrs: Array(repeating: 10, count: 20), dataRate: 0, spreadingFactor: 12, txPowerIndex: 0, maxDataRate: 5, maxTXPowerIndex: 7)
                == .init(dataRate: 5, txPowerIndex: 1, nbTrans: 1))
        // SF7 at −10 dB: margin −12.5 → −5 steps (rounded down) → power index 3 → 0.
        #expect(adr.decide(snrs: Array(repeating: -10, count: 20), dataRate: 5, spreadingFactor: 7, txPowerIndex: 3, maxDataRate: 5, maxTXPowerIndex: 7)
                == .init(dataRate: 5, txPowerIndex: 0, nbTrans: 1))
    }
}

@Suite("Downlink queue")
struct DownlinkQueueTests {
    @Test("class A: queued data goes out after the next uplink with FPending while more waits")
    func classA() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(70))
        try await h.server.enqueueDownlink(devEUI: EUI64(70), fPort: 9, data: [1, 2, 3])
        try await h.server.enqueueDownlink(devEUI: EUI64(70), fPort: 9, data: [4])
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway)])
        guard case let .accepted(d?) = outcome else { Issue.record("\(outcome)"); return }
        let opened = try device.openDownlink(d.phyPayload)
        #expect(opened.fPort == 9)
        #expect(opened.payload == [1, 2, 3])
        #expect(opened.fPending)
        #expect(try await h.registry.queue(devEUI: EUI64(70)).count == 1)
    }

    @Test("an item too large for the data rate becomes an error event and is removed")
    func tooLarge() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(71))
        try await h.server.enqueueDownlink(devEUI: EUI64(71), fPort: 9, data: [UInt8](repeating: 0, count: 100))
        // SF12 uplink → RX1 DR0: 51-byte limit.
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway, spreadingFactor: 12)])
        #expect(try await h.registry.queue(devEUI: EUI64(71)).isEmpty)
        var found = false
        for await event in h.server.events {
            if case let .log(l) = event, l.code == "DOWNLINK_PAYLOAD_SIZE" { found = true; break }
        }
        #expect(found)
    }

    @Test("confirmed downlink: retried until the device ACKs, then an ack event")
    func confirmedDownlink() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(72))
        try await h.server.enqueueDownlink(devEUI: EUI64(72), fPort: 3, data: [9], confirmed: true)
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway)])
        #expect(try await h.registry.queue(devEUI: EUI64(72)).count == 1)  // kept until ACKed
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(ack: true), gateway: Harness.gateway)])
        #expect(try await h.registry.queue(devEUI: EUI64(72)).isEmpty)
        var acked: Bool?
        for await event in h.server.events { if case let .ack(a) = event { acked = a.acknowledged; break } }
        #expect(acked == true)
    }

    @Test("class C: an enqueued downlink is sent immediately on RX2")
    func classC() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(73), classC: true)
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway)])
        let before = h.sent.count
        try await h.server.enqueueDownlink(devEUI: EUI64(73), fPort: 4, data: [0x42])
        #expect(h.sent.count == before + 1)
        let frame = try #require(h.sent.last)
        #expect(frame.timing == .immediately)
        #expect(frame.frequency == 869_525_000)
        #expect(try device.openDownlink(frame.phyPayload).payload == [0x42])
    }

    @Test("TX_ACK error on RX1 retries in RX2")
    func txAckRetry() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(74))
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(confirmed: true), gateway: Harness.gateway, tmst: 0)])
        guard case let .accepted(d?) = outcome else { Issue.record("\(outcome)"); return }
        await h.server.handleTxAck(downlinkID: d.downlinkID, gatewayEUI: Harness.gateway, error: "TOO_LATE")
        let retry = try #require(h.sent.last)
        #expect(retry.timing == .concentratorTimestamp(2_000_000))
        #expect(retry.frequency == 869_525_000)
        #expect(retry.phyPayload == d.phyPayload)
    }

    @Test("downlinks never acknowledged are forgotten after 60 s, oldest first; an acknowledged one leaves at once")
    func inFlightExpiry() async throws {
        let h = try Harness()
        func downlink(at millis: Int64) -> NetworkServer.InFlightDownlink {
            NetworkServer.InFlightDownlink(devEUI: nil, fCnt: 0, queueItemID: nil, rx2: nil, sentAtMillis: millis)
        }
        for i in 0..<5 { await h.server.trackInFlight(UInt32(i + 1), downlink(at: Int64(i) * 20_000)) }   // 0, 20, 40, 60, 80 s
        // At 80 s the downlinks of 0 and 20 s are 60 s old or more: gone; 40, 60 and 80 s remain.
        #expect(await Set(h.server.inFlight.keys) == [3, 4, 5])
        await h.server.handleTxAck(downlinkID: 4, gatewayEUI: Harness.gateway, error: nil)
        #expect(await Set(h.server.inFlight.keys) == [3, 5])
        await h.server.trackInFlight(6, downlink(at: 141_000))   // 80 s is now 61 s old
        #expect(await Set(h.server.inFlight.keys) == [6])
        #expect(await h.server.inFlightOrder.count == 1)
    }
}

@Suite("Network-initiated MAC commands")
struct NetworkMACTests {
    @Test("RXTimingSetupReq and RXParamSetupReq are sent, and the device's acceptance updates the session")
    func rxSettings() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(80))
        try await h.server.enqueueMACCommand(devEUI: EUI64(80), .rxTimingSetupReq(try MACCommand.RXTimingSetupReq(del: 3)))
        try await h.server.enqueueMACCommand(devEUI: EUI64(80), .rxParamSetupReq(try MACCommand.RXParamSetupReq(rx1DROffset: 1, rx2DataRate: 3, frequencyHz: 869_525_000)))
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway)])
        guard case let .accepted(d?) = outcome else { Issue.record("\(outcome)"); return }
        let opened = try device.openDownlink(d.phyPayload)
        #expect(opened.macCommands.map(\.cid) == [0x08, 0x05])
        // RXTimingSetupAns (0x08) and RXParamSetupAns (0x05, all three ACK bits).
        _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(fOpts: [0x08, 0x05, 0x07]), gateway: Harness.gateway)])
        let s = try #require(try await h.registry.session(devEUI: EUI64(80)))
        #expect(s.rx1Delay == 3)
        #expect(s.rx1DROffset == 1)
        #expect(s.rx2DataRate == 3)
        #expect(s.pendingMACCommands.isEmpty)
        // The next confirmed uplink is answered 3 s after it.
        let next = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(confirmed: true), gateway: Harness.gateway, tmst: 0)])
        guard case let .accepted(ack?) = next else { Issue.record("\(next)"); return }
        #expect(ack.timing == .concentratorTimestamp(3_000_000))
    }

    @Test("a request the device never answers is abandoned after the attempt limit")
    func abandoned() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(81))
        try await h.server.enqueueMACCommand(devEUI: EUI64(81), .devStatusReq)
        for _ in 0..<5 { _ = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(), gateway: Harness.gateway)]) }
        #expect(try await h.registry.session(devEUI: EUI64(81))?.pendingMACCommands.isEmpty == true)
        #expect(h.sent.count == 1 + 3)  // join-accept + three tries
    }
}
