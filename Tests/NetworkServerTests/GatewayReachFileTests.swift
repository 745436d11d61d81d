import Foundation
import LoRaWAN
@testable import NetworkServer
import TestSupport
import Testing

@Suite("Gateway history kept across restarts (gateway-reach.bin)")
struct GatewayReachFileTests {
    static let a = EUI64(0xA1), b = EUI64(0xB2)
    static let now: Int64 = 1_800_000_000_000

    /// Two senders: DevAddr 1 heard by A and B, a joining DevEUI heard by B.
    static func sample() -> GatewayReach {
        var r = GatewayReach(history: 8)
        r.record(key: .devAddr(1), gateways: [a, b], now: now)
        r.record(key: .devAddr(1), gateways: [a], now: now + 1)
        r.record(key: .devEUI(0x0102_0304_0506_0708), gateways: [b], now: now + 2)
        return r
    }

    @Test("what is written reads back the same: senders, uplink numbers, last heard, gateways in order")
    func roundTrip() throws {
        let r = Self.sample()
        let back = try GatewayReachFile.decode(GatewayReachFile.encode(r), history: 8, now: Self.now + 10)
        #expect(back.entries.count == 2)
        for (key, e) in r.entries {
            let b = try #require(back.entries[key])
            #expect(b.uplinks == e.uplinks && b.lastHeardMillis == e.lastHeardMillis)
            #expect(b.gateways.map(\.eui) == e.gateways.map(\.eui) && b.gateways.map(\.lastUplink) == e.gateways.map(\.lastUplink))
        }
        #expect(back.expected(for: .devAddr(1)) == [Self.a, Self.b])
        // An empty table is a valid file too.
        #expect(try GatewayReachFile.decode(GatewayReachFile.encode(GatewayReach(history: 8)), history: 8, now: 0).entries.isEmpty)
    }

    @Test("senders unheard for a day are not read back")
    func oldSendersDropped() throws {
        let back = try GatewayReachFile.decode(GatewayReachFile.encode(Self.sample()), history: 8, now: Self.now + GatewayReach.forgetMillis + 1)
        #expect(Array(back.entries.keys) == [.devEUI(0x0102_0304_0506_0708)])
    }

    @Test("every damaged file is refused with the reason, never half-read")
    func hostile() throws {
        let good = GatewayReachFile.encode(Self.sample())
        // Every proper prefix fails (and none crashes).
        for n in 0..<good.count {
            #expect(throws: GatewayReachFile.ReadError.self) { try GatewayReachFile.decode(Array(good.prefix(n)), history: 8, now: Self.now) }
        }
        func expectError(_ bytes: [UInt8], _ expected: GatewayReachFile.ReadError) {
            #expect(throws: expected) { try GatewayReachFile.decode(bytes, history: 8, now: Self.now) }
        }
        expectError(Array("NOPE".utf8) + Array(good.dropFirst(4)), .badMagic)
        var v = good; v[4] = 9
        expectError(v, .unsupportedVersion(9))
        expectError(good + [0], .trailingBytes(1))
        // A count the file cannot hold is refused before anything is allocated for it.
        var huge = good; huge.replaceSubrange(5..<9, with: [0xFF, 0xFF, 0xFF, 0xFF])
        expectError(huge, .tooManyEntries(UInt32.max))
        // One entry by hand: kind, key, uplinks, last heard, gateway count.
        func one(kind: UInt8, gateways: UInt8) -> [UInt8] {
            GatewayReachFile.magic + [1, 1, 0, 0, 0] + [kind] + [UInt8](repeating: 0, count: 8) + [1, 0, 0, 0]
                + [UInt8](repeating: 0, count: 8) + [gateways]
        }
        expectError(one(kind: 7, gateways: 0), .badKeyKind(7, entry: 0))
        expectError(one(kind: 0, gateways: 17) + [UInt8](repeating: 0, count: 17 * 12), .tooManyGateways(17, entry: 0))
        expectError(one(kind: 0, gateways: 2) + [UInt8](repeating: 0, count: 12), .truncated(entry: 0))
        #expect(try GatewayReachFile.decode(one(kind: 1, gateways: 1) + [UInt8](repeating: 0, count: 12), history: 8, now: 0).entries.count == 1)
    }

    @Test("after a restart the first uplink of a known device closes its window early; a corrupt file is ignored")
    func restart() async throws {
        try await Harness.withRegistryFile { registryPath, dir in
            let reachPath = dir.appendingPathComponent("gateway-reach.bin").path
            var device: SimulatedDevice
            do {
                let h = try Harness(path: registryPath)
                #expect(await h.server.keepGatewayReach(in: reachPath) == 0)   // first start: no file
                device = try await h.joinedDevice(EUI64(90))
                // Heard once through the window (at its deadline): the device's gateway is learned.
                await h.server.receive(batch: [SimulatedDevice.frame(try device.dataUplink(payload: [1]), gateway: Harness.gateway)])
                while h.clock.sleeperCount == 0 { await Task.yield() }
                h.clock.advance(by: .milliseconds(200))
                #expect(await EarlyCloseServerTests.waitProcessed(h, 2))   // the join and this uplink
                #expect(await h.server.windowsClosedEarly == 0)
                await h.server.saveGatewayReach()
            }
            do {
                let h = try Harness(path: registryPath)
                #expect(await h.server.keepGatewayReach(in: reachPath) == 1)   // the DevAddr (the join bypassed the window)
                await h.server.receive(batch: [SimulatedDevice.frame(try device.dataUplink(payload: [2]), gateway: Harness.gateway)])
                // Complete on its only gateway's copy: no clock advance needed.
                #expect(await EarlyCloseServerTests.waitProcessed(h, 1))
                #expect(await h.server.windowsClosedEarly == 1)
            }
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: reachPath))
            let h = try Harness(path: registryPath)
            #expect(await h.server.keepGatewayReach(in: reachPath) == 0)
            await h.server.saveGatewayReach()   // replaced by a valid (empty) table
            #expect(try GatewayReachFile.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: reachPath))), history: 8, now: 0).entries.isEmpty)
        }
    }
}
