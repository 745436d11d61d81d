import Foundation
import LoRaWAN
@testable import NetworkServer
import TestSupport
import Testing

/// The deduplicator's early close, with time passed in (pure) and through the server's injected
/// clock (`ManualClock`).
@Suite("Deduplication early close")
struct DeduplicatorTests {
    static let a = EUI64(0xA1), b = EUI64(0xB2), c = EUI64(0xC3)

    /// A data uplink's bytes (MIC not valid: the deduplicator never checks it).
    static func uplink(devAddr: UInt32, fCnt: UInt16) -> [UInt8] {
        [0x40, UInt8(devAddr & 0xFF), UInt8(devAddr >> 8 & 0xFF), UInt8(devAddr >> 16 & 0xFF), UInt8(devAddr >> 24),
         0x00, UInt8(fCnt & 0xFF), UInt8(fCnt >> 8), 0x01, 0xAA, 0xBB, 0x01, 0x02, 0x03, 0x04]
    }

    static func copy(_ bytes: [UInt8], _ gateway: EUI64) -> UplinkFrame {
        SimulatedDevice.frame(bytes, gateway: gateway)
    }

    /// Opens and closes one uplink heard by `gateways` (in that order); returns whether it
    /// completed before its deadline.
    @discardableResult
    static func round(_ d: inout Deduplicator, devAddr: UInt32, fCnt: UInt16, gateways: [EUI64], now: Int64) -> Bool {
        let bytes = uplink(devAddr: devAddr, fCnt: fCnt)
        var seq: UInt64 = 0
        var complete = false
        for (i, g) in gateways.enumerated() {
            switch d.add(copy(bytes, g), now: now) {
            case let .opened(s, c): #expect(i == 0); seq = s; complete = c
            case let .merged(c): if c != nil { complete = true }
            case .late: Issue.record("unexpected late copy")
            }
        }
        if !complete { let r1 = d.markDue(bytes, seq: seq); #expect(r1) }
        let r2 = d.close(bytes, seq: seq, now: now); #expect(r2?.count == gateways.count)
        return complete
    }

    @Test("a sender never heard waits the full window; once heard by one gateway only, its next window is complete on the first copy")
    func singleGateway() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 8)
        #expect(!Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a], now: 0))
        #expect(Self.round(&d, devAddr: 1, fCnt: 1, gateways: [Self.a], now: 1000))
        // Another DevAddr has no history of its own.
        #expect(!Self.round(&d, devAddr: 2, fCnt: 0, gateways: [Self.a], now: 1000))
    }

    @Test("closed frames are remembered for late copies for lateMillis, then forgotten oldest first")
    func recentExpiry() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: false)
        for i in 0..<1000 { Self.round(&d, devAddr: UInt32(i), fCnt: 0, gateways: [Self.a], now: Int64(i)) }
        #expect(d.recentCount == 1000)
        // A copy of the first frame 1,999 ms after its close is late; at 2,000 ms it is new again.
        #expect(d.add(Self.copy(Self.uplink(devAddr: 0, fCnt: 0), Self.b), now: 1999) == .late)
        guard case .opened = d.add(Self.copy(Self.uplink(devAddr: 0, fCnt: 0), Self.b), now: 2000) else { Issue.record("not opened"); return }
        // Closing at 3,000 ms forgets every frame closed at or before 1,000 ms.
        Self.round(&d, devAddr: 5000, fCnt: 0, gateways: [Self.a], now: 3000)
        #expect(d.recentCount == 1)
    }

    @Test("with two gateways in the history the window completes when the second reports, not before")
    func twoGateways() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 8)
        Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a, Self.b], now: 0)
        let bytes = Self.uplink(devAddr: 1, fCnt: 1)
        guard case let .opened(seq, complete) = d.add(Self.copy(bytes, Self.a), now: 1000) else { Issue.record("not opened"); return }
        #expect(!complete)
        #expect(d.isWaiting(bytes, seq: seq))
        // A second copy from the same gateway (another antenna) does not complete it.
        let r3 = d.add(Self.copy(bytes, Self.a), now: 1001); #expect(r3 == .merged(completed: nil))
        let r4 = d.add(Self.copy(bytes, Self.b), now: 1050); #expect(r4 == .merged(completed: seq))
        #expect(!d.isWaiting(bytes, seq: seq))
        let r5 = d.markDue(bytes, seq: seq); #expect(!r5)  // the deadline no longer hands it out
        // Copies merged after completion but before processing are kept.
        let r6 = d.add(Self.copy(bytes, Self.c), now: 1060); #expect(r6 == .merged(completed: nil))
        let r7 = d.close(bytes, seq: seq, now: 1070); #expect(r7?.map(\.rxInfo.gatewayEUI) == [Self.a, Self.a, Self.b, Self.c])
        let r8 = d.close(bytes, seq: seq, now: 1071); #expect(r8 == nil)
    }

    @Test("a copy from an unexpected gateway after an early close is late, and that gateway is expected from then on")
    func lateGatewayIsLearned() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 8)
        Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a], now: 0)
        let bytes = Self.uplink(devAddr: 1, fCnt: 1)
        guard case let .opened(seq, true) = d.add(Self.copy(bytes, Self.a), now: 1000) else { Issue.record("not complete"); return }
        _ = d.close(bytes, seq: seq, now: 1001)
        let r9 = d.add(Self.copy(bytes, Self.c), now: 1030); #expect(r9 == .late)
        #expect(Set(d.reach.expected(for: .devAddr(1)) ?? []) == [Self.a, Self.c])
        #expect(!Self.round(&d, devAddr: 1, fCnt: 2, gateways: [Self.a], now: 2000))   // waited for C, which did not come
        #expect(Self.round(&d, devAddr: 1, fCnt: 3, gateways: [Self.a, Self.c], now: 3000))
    }

    @Test("a gateway that heard none of the last N uplinks is no longer waited for")
    func historyAges() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 3)
        Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a, Self.b], now: 0)
        #expect(!Self.round(&d, devAddr: 1, fCnt: 1, gateways: [Self.a], now: 1000))  // B expected, missing
        #expect(!Self.round(&d, devAddr: 1, fCnt: 2, gateways: [Self.a], now: 2000))
        #expect(d.reach.expected(for: .devAddr(1)) == [Self.a, Self.b])
        #expect(!Self.round(&d, devAddr: 1, fCnt: 3, gateways: [Self.a], now: 3000))   // B's last uplink is now 3 back
        #expect(d.reach.expected(for: .devAddr(1)) == [Self.a])
        #expect(Self.round(&d, devAddr: 1, fCnt: 4, gateways: [Self.a], now: 4000))
    }

    @Test("a second open window of the same sender never completes early (its uplinks stay in order)")
    func oneOpenWindowPerSender() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 8)
        Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a, Self.b], now: 0)
        let first = Self.uplink(devAddr: 1, fCnt: 1), second = Self.uplink(devAddr: 1, fCnt: 2)
        guard case let .opened(s1, false) = d.add(Self.copy(first, Self.a), now: 1000),
              case let .opened(s2, false) = d.add(Self.copy(second, Self.a), now: 1010) else { Issue.record("complete too early"); return }
        let r10 = d.add(Self.copy(second, Self.b), now: 1020); #expect(r10 == .merged(completed: nil))
        let r11 = d.add(Self.copy(first, Self.b), now: 1030); #expect(r11 == .merged(completed: nil))
        let r12 = d.markDue(first, seq: s1); #expect(r12)
        let r13 = d.close(first, seq: s1, now: 1200); #expect(r13?.count == 2)
        let r14 = d.markDue(second, seq: s2); #expect(r14)
        let r15 = d.close(second, seq: s2, now: 1210); #expect(r15?.count == 2)
    }

    @Test("a window that is ready but not yet processed does not hold back its sender's next window")
    func readyDoesNotBlock() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: true, gatewayHistory: 8)
        Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a], now: 0)
        let r1 = d.add(Self.copy(Self.uplink(devAddr: 1, fCnt: 1), Self.a), now: 1000)
        let r2 = d.add(Self.copy(Self.uplink(devAddr: 1, fCnt: 2), Self.a), now: 1010)
        guard case .opened(_, true) = r1, case .opened(_, true) = r2 else { Issue.record("\(r1) \(r2)"); return }
    }

    @Test("early close off: windows only close at their deadline")
    func off() {
        var d = Deduplicator(lateMillis: 2000, earlyClose: false, gatewayHistory: 8)
        #expect(!Self.round(&d, devAddr: 1, fCnt: 0, gateways: [Self.a], now: 0))
        #expect(!Self.round(&d, devAddr: 1, fCnt: 1, gateways: [Self.a], now: 1000))
    }

    @Test("sender keys: DevAddr of data uplinks, DevEUI of join- and rejoin-requests, nil for anything else")
    func keys() {
        #expect(DeduplicationKey(phyPayload: Self.uplink(devAddr: 0x2601_1234, fCnt: 0)) == .devAddr(0x2601_1234))
        // Join-request: MHDR 0x00 | JoinEUI LE | DevEUI LE | DevNonce | MIC (LoRaWAN 1.1 §6.2.2).
        let join: [UInt8] = [0x00] + [1, 2, 3, 4, 5, 6, 7, 8] + [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] + [9, 9] + [0, 0, 0, 0]
        #expect(DeduplicationKey(phyPayload: join) == .devEUI(0x8877_6655_4433_2211))
        let rejoin0: [UInt8] = [0xC0, 0x00, 1, 2, 3] + [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] + [0, 0] + [0, 0, 0, 0]
        #expect(DeduplicationKey(phyPayload: rejoin0) == .devEUI(0x8877_6655_4433_2211))
        let rejoin1: [UInt8] = [0xC0, 0x01] + [1, 2, 3, 4, 5, 6, 7, 8] + [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88] + [0, 0] + [0, 0, 0, 0]
        #expect(DeduplicationKey(phyPayload: rejoin1) == .devEUI(0x8877_6655_4433_2211))
        #expect(DeduplicationKey(phyPayload: []) == nil)
        #expect(DeduplicationKey(phyPayload: [0x40, 1, 2]) == nil)
        #expect(DeduplicationKey(phyPayload: Array(join.dropLast())) == nil)
        #expect(DeduplicationKey(phyPayload: [0xC0, 0x07] + [UInt8](repeating: 0, count: 17)) == nil)
        #expect(DeduplicationKey(phyPayload: [0x60] + [UInt8](repeating: 0, count: 14)) == nil)  // a downlink
    }
}

@Suite("Deduplication early close through the server")
struct EarlyCloseServerTests {
    static func waitProcessed(_ h: Harness, _ n: Int) async -> Bool {
        var spins = 0
        while await h.server.processedCount < n, spins < 200_000 { await Task.yield(); spins += 1 }
        return await h.server.processedCount >= n
    }

    /// Waits until the stored session of `eui` has `fCntUp` (`processedCount` counts an uplink when
    /// its processing starts; the session is committed after it, so a read right away can race).
    static func waitStored(_ h: Harness, _ eui: EUI64, fCntUp: UInt32) async throws -> Bool {
        for _ in 0..<20_000 {
            if try await h.registry.session(devEUI: eui)?.fCntUp == fCntUp { return true }
            await Task.yield()
        }
        return false
    }

    /// Lets every runnable task run, then says whether `processedCount` stayed at `n`.
    static func stillAt(_ h: Harness, _ n: Int) async -> Bool {
        for _ in 0..<2_000 { await Task.yield() }
        return await h.server.processedCount == n
    }

    @Test("one gateway: the first uplink waits the full window, the next is processed without the clock moving")
    func singleGateway() async throws {
        let h = try Harness(dedupMillis: 200)
        var device = try await h.joinedDevice(EUI64(70))   // 1 processed (the join, without a window)
        await h.server.receive(SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway))
        #expect(await Self.stillAt(h, 1))
        while h.clock.sleeperCount == 0 { await Task.yield() }
        h.clock.advance(by: .milliseconds(199))
        #expect(await Self.stillAt(h, 1))
        h.clock.advance(by: .milliseconds(1))
        #expect(await Self.waitProcessed(h, 2))
        await h.server.receive(SimulatedDevice.frame(try device.dataUplink(payload: [2]), gateway: Harness.gateway))
        #expect(await Self.waitProcessed(h, 3))
        #expect(try await Self.waitStored(h, EUI64(70), fCntUp: 1))
    }

    @Test("two gateways: the window closes when the second expected gateway reports, with both gateways' metadata; the window bounds the wait")
    func twoGateways() async throws {
        let h = try Harness(dedupMillis: 200)
        var device = try await h.joinedDevice(EUI64(71))
        var events = h.server.events.makeAsyncIterator()
        _ = await events.next()   // join
        // Learn the device's gateways (full window).
        let first = try device.dataUplink(payload: [1])
        await h.server.receive(batch: [SimulatedDevice.frame(first, gateway: Harness.gateway), SimulatedDevice.frame(first, gateway: Harness.gateway2)])
        while h.clock.sleeperCount == 0 { await Task.yield() }
        h.clock.advance(by: .milliseconds(200))
        #expect(await Self.waitProcessed(h, 2))
        _ = await events.next()
        // Next uplink: A's copy alone does not close it; B's does, with the clock standing still.
        let second = try device.dataUplink(payload: [2])
        await h.server.receive(SimulatedDevice.frame(second, gateway: Harness.gateway, rssi: -100, snr: -2))
        #expect(await Self.stillAt(h, 2))
        await h.server.receive(SimulatedDevice.frame(second, gateway: Harness.gateway2, rssi: -70, snr: 9))
        #expect(await Self.waitProcessed(h, 3))
        guard case let .up(up)? = await events.next() else { Issue.record("no up"); return }
        #expect(up.rxInfo.map(\.gatewayId) == [Harness.gateway2.description, Harness.gateway.description])   // best first
        // Next uplink: B never reports; it closes at the deadline (200 ms after the first copy), not before.
        await h.server.receive(SimulatedDevice.frame(try device.dataUplink(payload: [3]), gateway: Harness.gateway))
        #expect(await Self.stillAt(h, 3))
        while h.clock.sleeperCount == 0 { await Task.yield() }
        h.clock.advance(by: .milliseconds(199))
        #expect(await Self.stillAt(h, 3))
        h.clock.advance(by: .milliseconds(1))
        #expect(await Self.waitProcessed(h, 4))
        #expect(try await Self.waitStored(h, EUI64(71), fCntUp: 2))
    }

    @Test("early close off in the configuration: every uplink waits the full window")
    func configuredOff() async throws {
        let h = try Harness(dedupMillis: 200, earlyClose: false)
        var device = try await h.joinedDevice(EUI64(72))
        for (i, payload) in [[UInt8(1)], [2]].enumerated() {
            let before = h.clock.sleeperCount
            await h.server.receive(SimulatedDevice.frame(try device.dataUplink(payload: payload), gateway: Harness.gateway))
            #expect(await Self.stillAt(h, 1 + i))
            while h.clock.sleeperCount == before { await Task.yield() }
            h.clock.advance(by: .milliseconds(200))
            #expect(await Self.waitProcessed(h, 2 + i))
        }
    }
}

@Suite("Deduplication ids")
struct DeduplicationIDTests {
    @Test("version 4 UUIDs in lowercase text that Foundation parses, all distinct")
    func shape() throws {
        var g = DeduplicationIDGenerator(seed: 42)
        var seen = Set<String>()
        for _ in 0..<1000 {
            let id = g.make()
            #expect(id.count == 36)
            #expect(id == id.lowercased())
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            let chars = Array(id)
            #expect(chars[14] == "4")
            #expect("89ab".contains(chars[19]))
            seen.insert(id)
        }
        #expect(seen.count == 1000)
    }
}
