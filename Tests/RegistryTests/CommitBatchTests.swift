import Foundation
import LoRaWAN
import Testing
@testable import Registry

@Suite("Session commit batches")
struct CommitBatchTests {
    @Test("counters move forward only, win over the stored JSON, and never create a session")
    func counters() async throws {
        let r = try makeRegistry()
        let other = EUI64(0x5678)
        try await provision(r)
        try await provision(r, devEUI: other)
        let keys = SessionKeys(nwkSKey: appKey, appSKey: appKey)
        var s = DeviceSession(devEUI: devEUI, devAddr: DevAddr(9), macVersion: .lorawan1_0, keys: keys)
        s.fCntUp = 3
        s.pendingMACCommands = [PendingMACCommand(cid: 0x06, bytes: [0x06])]
        try await r.saveSession(s)
        let row = UplinkRecord(timeMillis: 1, devEUI: devEUI, devAddr: DevAddr(9), fCnt: 10, fPort: 1, dataRate: 5, frequency: 868_100_000,
                               rssi: -50, snr: 7, gatewayCount: 1, confirmed: false, size: 3)
        try await r.commitBatch(sessions: [], counters: [(devEUI: devEUI, fCntUp: 10), (devEUI: other, fCntUp: 4)], uplinks: [row])
        let loaded = try #require(try await r.session(devEUI: devEUI))
        #expect(loaded.fCntUp == 10)
        #expect(loaded.pendingMACCommands == s.pendingMACCommands)  // the JSON is untouched
        #expect(try await r.sessions(devAddr: DevAddr(9)).first?.fCntUp == 10)
        #expect(try await r.session(devEUI: other) == nil)
        #expect(try await r.recentUplinks(devEUI: devEUI, limit: 5).map(\.fCnt) == [10])
        // Backwards is ignored.
        try await r.commitBatch(sessions: [], counters: [(devEUI: devEUI, fCntUp: 5)], uplinks: [])
        #expect(try await r.session(devEUI: devEUI)?.fCntUp == 10)
    }

    @Test("a session whose device was deleted is skipped; the rest of the batch is stored")
    func deletedDevice() async throws {
        let r = try makeRegistry()
        try await provision(r)
        let keys = SessionKeys(nwkSKey: appKey, appSKey: appKey)
        var s = DeviceSession(devEUI: devEUI, devAddr: DevAddr(9), macVersion: .lorawan1_0, keys: keys)
        s.fCntUp = 1
        let stranger = DeviceSession(devEUI: EUI64(0xDEAD), devAddr: DevAddr(10), macVersion: .lorawan1_0, keys: keys)
        try await r.commitBatch(sessions: [stranger, s], counters: [], uplinks: [])
        #expect(try await r.session(devEUI: devEUI)?.fCntUp == 1)
        #expect(try await r.session(devEUI: EUI64(0xDEAD)) == nil)
    }
}
