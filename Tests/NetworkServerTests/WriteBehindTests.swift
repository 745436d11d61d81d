import Foundation
import LoRaWAN
@testable import NetworkServer
import Registry
import TestSupport
import Testing

@Suite("Session cache and write-behind")
struct WriteBehindTests {
    @Test("an accepted uplink's event waits for the commit; when it is emitted the counter is in the store")
    func eventsWaitForCommit() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(60))
        var events = h.server.events.makeAsyncIterator()
        _ = await events.next()  // join
        let outcome = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway)])
        #expect(outcome == .accepted(downlink: nil))
        // Accepted in memory only: nothing stored, nothing emitted yet.
        #expect(try await h.registry.session(devEUI: EUI64(60))?.fCntUp == nil)
        #expect(await h.server.pending.events.count == 1)
        #expect(await h.server.pending.counters[EUI64(60)] == 0)
        // A second uplink before the commit: the cache already refuses its replay.
        let second = try device.dataUplink(payload: [2])
        #expect(await h.server.processDeduplicated(frames: [SimulatedDevice.frame(second, gateway: Harness.gateway)]) == .accepted(downlink: nil))
        #expect(await h.server.processDeduplicated(frames: [SimulatedDevice.frame(second, gateway: Harness.gateway)]) == .dropped(.fCntReplay))
        // Only the replay's log event is out so far (drops are reported at once).
        guard case let .log(log)? = await events.next() else { Issue.record("expected the replay's log event"); return }
        #expect(log.code == "UPLINK_F_CNT_RETRANSMISSION")
        try await h.server.commitPending()
        #expect(try await h.registry.session(devEUI: EUI64(60))?.fCntUp == 1)
        #expect(try await h.registry.recentUplinks(devEUI: EUI64(60), limit: 10).count == 2)
        guard case let .up(up)? = await events.next() else { Issue.record("expected an up event"); return }
        #expect(up.fCnt == 0)
        guard case let .up(up2)? = await events.next() else { Issue.record("expected the second up event"); return }
        #expect(up2.fCnt == 1)
        #expect(await h.server.pending.isEmpty)
    }

    @Test("without a stored reservation a confirmed uplink's ACK is handed to the gateway only after the commit of its counter")
    func counterBeforeAnswer() async throws {
        let h = try Harness(downlinkCounterReservation: 0)
        var device = try await h.joinedDevice(EUI64(61))
        _ = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway)])
        let outcome = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [2], confirmed: true),
                                                                                      gateway: Harness.gateway)])
        guard case .accepted(downlink: _?) = outcome else { Issue.record("expected an ACK downlink, got \(outcome)"); return }
        // Built, but not handed to the gateway: its counter is not committed yet.
        #expect(h.sent.count == 1)   // the join-accept
        #expect(await h.server.pending.transmits.count == 1)
        #expect(try await h.registry.session(devEUI: EUI64(61))?.nFCntDown == 0)
        // The commit (one for every answer of the tick) stores both uplinks and the counter, then sends.
        try await h.server.commitPending()
        #expect(try await h.registry.session(devEUI: EUI64(61))?.fCntUp == 1)
        #expect(try await h.registry.session(devEUI: EUI64(61))?.nFCntDown == 1)
        #expect(h.sent.count == 2)
        #expect(await h.server.pending.transmits.isEmpty)
    }

    @Test("an ACK whose counter a committed reservation covers goes out at once; after a restart the first one waits for the new reservation")
    func answerInsideReservation() async throws {
        try await Harness.withRegistryFile { path, _ in
            var device: SimulatedDevice
            do {
                let h = try Harness(path: path)
                device = try await h.joinedDevice(EUI64(64))
                // The join stored the session with 16 downlink counters reserved.
                #expect(try await h.registry.session(devEUI: EUI64(64))?.nFCntDown == 16)
                for i in 0..<3 {
                    let outcome = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [UInt8(i)], confirmed: true),
                                                                                                  gateway: Harness.gateway)])
                    guard case let .accepted(d?) = outcome else { Issue.record("expected an ACK downlink, got \(outcome)"); return }
                    // Sent before any commit: the uplink's counter is not stored yet, the answer is out.
                    #expect(h.sent.count == 2 + i)
                    #expect(await h.server.pending.transmits.isEmpty)
                    #expect(try device.openDownlink(d.phyPayload).fCnt == UInt16(i))
                }
                #expect(try await h.registry.session(devEUI: EUI64(64))?.fCntUp == nil)
                try await h.server.commitPending()
                #expect(try await h.registry.session(devEUI: EUI64(64))?.fCntUp == 2)
                #expect(try await h.registry.session(devEUI: EUI64(64))?.nFCntDown == 16)
            }
            // A new process reads the session (next counter 16): its first answer needs a new
            // reservation committed first.
            let h = try Harness(path: path)
            let outcome = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [9], confirmed: true),
                                                                                          gateway: Harness.gateway)])
            guard case let .accepted(d?) = outcome else { Issue.record("expected an ACK downlink, got \(outcome)"); return }
            #expect(try device.openDownlink(d.phyPayload).fCnt == 16)
            #expect(h.sent.isEmpty)
            #expect(await h.server.pending.transmits.count == 1)
            try await h.server.commitPending()
            #expect(h.sent.count == 1)
            #expect(try await h.registry.session(devEUI: EUI64(64))?.nFCntDown == 32)   // 16 (read at start) + 16 reserved
        }
    }

    @Test("a TX_ACK that returns before its uplink's commit is emitted after that uplink's up event")
    func txAckAfterUp() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(65))
        var events = h.server.events.makeAsyncIterator()
        _ = await events.next()   // join
        await h.server.startWriteBehindForTest()
        let outcome = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1], confirmed: true),
                                                                                      gateway: Harness.gateway)])
        guard case let .accepted(d?) = outcome else { Issue.record("expected an ACK, got \(outcome)"); return }
        #expect(h.sent.count == 2)                                   // the answer is out, the uplink not committed
        await h.server.handleTxAck(downlinkID: d.downlinkID, gatewayEUI: Harness.gateway, error: nil)
        try await h.server.commitPending()
        guard case .up? = await events.next() else { Issue.record("expected the up event first"); return }
        guard case let .txAck(ack)? = await events.next() else { Issue.record("expected the txack event second"); return }
        #expect(ack.downlinkId == d.downlinkID && ack.status == "OK")
    }

    @Test("downlink counters are stored ahead: bare ACKs rewrite the session once per reservation, and a restart continues above every counter sent",
          arguments: [16, 0])
    func counterReservation(ahead: Int) async throws {
        try await Harness.withRegistryFile { path, _ in
            var device: SimulatedDevice
            var highest: UInt16 = 0
            do {
                let h = try Harness(path: path, downlinkCounterReservation: ahead)
                device = try await h.joinedDevice(EUI64(63))
                var stored: [UInt32] = []
                for _ in 0..<20 {
                    let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1], confirmed: true), gateway: Harness.gateway)])
                    guard case let .accepted(d?) = outcome else { Issue.record("\(outcome)"); return }
                    let opened = try device.openDownlink(d.phyPayload)
                    #expect(opened.ack)
                    highest = opened.fCnt
                    let s = try #require(try await h.registry.session(devEUI: EUI64(63)))
                    #expect(s.nFCntDown > UInt32(opened.fCnt))   // never sent at or above what is stored
                    stored.append(s.nFCntDown)
                }
                #expect(highest == 19)
                // Written only when less than half of the reservation was left: 16 (stored at the
                // join) for counters 0…7, 25 for 8…16, 34 from counter 17. Without a reservation,
                // every answer writes its counter.
                let renewals: [UInt32] = Array(repeating: 16, count: 8) + Array(repeating: 25, count: 9) + Array(repeating: 34, count: 3)
                let everyAnswer: [UInt32] = (1...20).map { UInt32($0) }
                #expect(stored == (ahead == 16 ? renewals : everyAnswer))
            }
            let h = try Harness(path: path, downlinkCounterReservation: ahead)
            let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [2], confirmed: true), gateway: Harness.gateway)])
            guard case let .accepted(d?) = outcome else { Issue.record("\(outcome)"); return }
            let opened = try device.openDownlink(d.phyPayload)
            #expect(opened.fCnt > highest)
            #expect(opened.fCnt == (ahead == 16 ? 34 : 20))
        }
    }

    @Test("a restart after write-behind commits refuses every committed frame")
    func restartAfterBatches() async throws {
        try await Harness.withRegistryFile { path, _ in
            var device: SimulatedDevice
            var frames: [[UInt8]] = []
            do {
                let h = try Harness(path: path)
                device = try await h.joinedDevice(EUI64(62))
                for i in 0..<5 {
                    let f = try device.dataUplink(payload: [UInt8(i)])
                    frames.append(f)
                    _ = await h.server.processDeduplicated(frames: [SimulatedDevice.frame(f, gateway: Harness.gateway)])
                }
                try await h.server.commitPending()
            }
            let h = try Harness(path: path)
            for f in frames {
                #expect(await h.server.process(frames: [SimulatedDevice.frame(f, gateway: Harness.gateway)]) == .dropped(.fCntReplay))
            }
            #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [9]), gateway: Harness.gateway)]) == .accepted(downlink: nil))
        }
    }
}

@Suite("ABP activation at start")
struct ABPStartTests {
    @Test("registered ABP devices without a session are activated; existing sessions keep their counters")
    func activation() async throws {
        let h = try Harness()
        try await h.registry.createApplication(Application(id: "app", name: "App"))
        try await h.registry.createDeviceProfile(DeviceProfile(id: "abp", name: "abp", region: "EU868", macVersion: "1.0.3"))
        let keys = SessionKeys(nwkSKey: Harness.appKey, appSKey: Harness.nwkKey)
        for i in 0..<3 {
            try await h.registry.createDevice(Device(devEUI: EUI64(UInt64(80 + i)), applicationID: "app", deviceProfileID: "abp",
                                                     abp: ABPSettings(devAddr: DevAddr(UInt32(0x0200_0000 + i)), keys: keys)))
        }
        #expect(await h.server.activateRegisteredABPDevices() == 3)
        var device = try SimulatedDevice(devEUI: EUI64(81), devAddr: DevAddr(0x0200_0001), keys: keys)
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway)]) == .accepted(downlink: nil))
        #expect(await h.server.activateRegisteredABPDevices() == 0)
        #expect(try await h.registry.session(devEUI: EUI64(81))?.fCntUp == 0)
    }
}

extension NetworkServer {
    /// Marks the write-behind loop as running (as `run()` does) without starting its timer.
    func startWriteBehindForTest() { writeBehindActive = true }
}
