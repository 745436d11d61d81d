import Foundation
import LoRaWAN
@testable import NetworkServer
import Registry
import TestSupport
import Testing

/// Rejoin-requests, LoRaWAN 1.1 §6.2.4 (request formats and MIC keys) and §6.2.3 (join-accept MIC
/// with JoinReqType = rejoin type and DevNonce = RJcount, encryption with JSEncKey).
@Suite("Rejoin-requests (1.1)")
struct RejoinTests {
    static let netID = NetworkServerConfiguration().netID

    @Test("type 0: a new context; the device's new keys work and the old keys no longer do")
    func type0() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(70), macVersion: "1.1.0")
        let oldAddr = try #require(device.devAddr)
        var old = device
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 0, netID: Self.netID, rjCount: 0),
                                                                            gateway: Harness.gateway)])
        guard case let .accepted(downlink?) = outcome else { Issue.record("expected a join-accept, got \(outcome)"); return }
        try device.acceptRejoin(downlink.phyPayload, type: 0, rjCount: 0)
        #expect(device.devAddr != oldAddr)
        let session = try #require(try await h.registry.session(devEUI: EUI64(70)))
        #expect(session.devAddr == device.devAddr)
        // A new context: counters start again, stored with the downlink reservation (16) ahead.
        #expect(session.fCntUp == nil && session.nFCntDown == 16)
        let up = await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1], txDR: 5), gateway: Harness.gateway)])
        #expect(up == .accepted(downlink: nil), "\(up)")
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try old.dataUplink(payload: [1], txDR: 5), gateway: Harness.gateway)]) == .dropped(.unknownDevAddr))
    }

    @Test("type 2 keeps the radio parameters; type 0 resets them")
    func type2KeepsRadio() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(71), macVersion: "1.1.0")
        var s = try #require(try await h.registry.session(devEUI: EUI64(71)))
        s.rx2DataRate = 3
        s.enabledChannels = [0, 1, 2]
        s.rx1DROffset = 2
        try await h.registry.saveSession(s)
        try await h.server.reloadSessions()
        var outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 2, netID: Self.netID, rjCount: 0),
                                                                        gateway: Harness.gateway)])
        guard case let .accepted(accept2?) = outcome else { Issue.record("expected a join-accept, got \(outcome)"); return }
        let ja2 = try device.acceptRejoin(accept2.phyPayload, type: 2, rjCount: 0)
        #expect(ja2.dlSettings.rx2DataRate == 3 && ja2.dlSettings.rx1DROffset == 2 && ja2.cfList == nil)
        let kept = try #require(try await h.registry.session(devEUI: EUI64(71)))
        #expect(kept.rx2DataRate == 3 && kept.enabledChannels == [0, 1, 2] && kept.keys == device.keys)

        outcome = await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 0, netID: Self.netID, rjCount: 0),
                                                                    gateway: Harness.gateway)])
        guard case let .accepted(accept0?) = outcome else { Issue.record("expected a join-accept, got \(outcome)"); return }
        let ja0 = try device.acceptRejoin(accept0.phyPayload, type: 0, rjCount: 0)
        #expect(ja0.dlSettings.rx1DROffset == 0)
        let reset = try #require(try await h.registry.session(devEUI: EUI64(71)))
        #expect(reset.rx1DROffset == 0 && reset.enabledChannels.count == 8)
    }

    @Test("type 0 refusals: a replayed RJcount0, a bad MIC, a foreign NetID; no state changes")
    func type0Refusals() async throws {
        let h = try Harness()
        let device = try await h.joinedDevice(EUI64(72), macVersion: "1.1.0")
        var s = try #require(try await h.registry.session(devEUI: EUI64(72)))
        s.lastRJCount0 = 5
        try await h.registry.saveSession(s)
        try await h.server.reloadSessions()
        let before = try await h.registry.session(devEUI: EUI64(72))
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 0, netID: Self.netID, rjCount: 5),
                                                                      gateway: Harness.gateway)]) == .dropped(.devNonceReplay))
        var bad = try device.rejoinRequest(type: 0, netID: Self.netID, rjCount: 6)
        bad[bad.count - 1] ^= 0xFF
        #expect(await h.server.process(frames: [SimulatedDevice.frame(bad, gateway: Harness.gateway)]) == .dropped(.micMismatch))
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 0, netID: try NetID(0x13), rjCount: 6),
                                                                      gateway: Harness.gateway)]) == .dropped(.unknownDevAddr))
        #expect(try await h.registry.session(devEUI: EUI64(72)) == before)
    }

    @Test("type 1 is treated like a join-request; its RJcount1 is not accepted twice")
    func type1() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(73), macVersion: "1.1.0")
        let request = try device.rejoinRequest(type: 1, netID: Self.netID, rjCount: 0)
        let outcome = await h.server.process(frames: [SimulatedDevice.frame(request, gateway: Harness.gateway)])
        guard case let .accepted(downlink?) = outcome else { Issue.record("expected a join-accept, got \(outcome)"); return }
        try device.acceptRejoin(downlink.phyPayload, type: 1, rjCount: 0)
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.dataUplink(payload: [1], txDR: 5), gateway: Harness.gateway)]) == .accepted(downlink: nil))
        #expect(await h.server.process(frames: [SimulatedDevice.frame(request, gateway: Harness.gateway)]) == .dropped(.devNonceReplay))
        // A later join keeps the RJcount1 history.
        let join = await h.server.process(frames: [SimulatedDevice.frame(try device.joinRequest(), gateway: Harness.gateway)])
        guard case .accepted(_?) = join else { Issue.record("expected a join-accept, got \(join)"); return }
        #expect(await h.server.process(frames: [SimulatedDevice.frame(request, gateway: Harness.gateway)]) == .dropped(.devNonceReplay))
    }

    @Test("a 1.0.x device's rejoin-request is refused")
    func legacyDevice() async throws {
        let h = try Harness()
        var device = try await h.joinedDevice(EUI64(74))
        device.nwkKey = device.appKey
        #expect(await h.server.process(frames: [SimulatedDevice.frame(try device.rejoinRequest(type: 0, netID: Self.netID, rjCount: 0),
                                                                      gateway: Harness.gateway)]) == .dropped(.unsupportedMessageType))
    }
}
