@testable import GatewayBridge
import LoRaWAN
import Logging
import NIOCore
import PacketForwarder
import Testing
import TestSupport

/// Runs a bridge on an ephemeral loopback port for the duration of `body`.
func withBridge(_ configuration: GatewayBridgeConfiguration = .init(port: 0),
                known: @escaping @Sendable (EUI64) -> Bool = { _ in true },
                _ body: (GatewayBridge, SocketAddress, UDPTestClient) async throws -> Void) async throws {
    var config = configuration
    config.port = 0
    let bridge = GatewayBridge(configuration: config, logger: Logger(label: "test"), isKnownGateway: known)
    let task = Task { try await bridge.run() }
    let address = try await bridge.boundAddress
    let client = try await UDPTestClient()
    do {
        try await body(bridge, address, client)
    } catch {
        task.cancel()
        await client.close()
        throw error
    }
    task.cancel()
    _ = await task.result
    await client.close()
}

let gatewayEUI = EUI64(0x0102_0304_0506_0708)

func header(_ type: UInt8, token: UInt16, eui: EUI64 = gatewayEUI, version: UInt8 = 2) -> [UInt8] {
    [version, UInt8(token >> 8), UInt8(token & 0xFF), type] + eui.bigEndianBytes
}

let rxpkJSON = #"{"rxpk":[{"tmst":1000000,"freq":868.3,"chan":1,"rfch":0,"stat":1,"modu":"LORA","datr":"SF9BW125","codr":"4/5","rssi":-80,"lsnr":7.5,"size":23,"data":"AAEAAAAAAAAAAgAAAAAAAAADAAQFBgc="}]}"#

@Suite("GatewayBridge over real UDP on 127.0.0.1")
struct GatewayBridgeTests {
    @Test("PUSH_DATA is acknowledged with its token and its frame delivered")
    func pushData() async throws {
        try await withBridge { bridge, address, client in
            try await client.send(header(0x00, token: 0xBEEF) + Array(rxpkJSON.utf8), to: address)
            #expect(await client.next() == [0x02, 0xBE, 0xEF, 0x01])
            let frame = try #require(await nextElement(bridge.uplinks))
            #expect(frame.phyPayload.count == 23)
            #expect(frame.rxInfo.gatewayEUI == gatewayEUI)
            #expect(frame.rxInfo.concentratorTimestamp == 1_000_000)
            #expect(frame.txInfo.frequency == 868_300_000)
            #expect(bridge.status(of: gatewayEUI)?.uplinkFrames == 1)
        }
    }

    @Test("PULL_DATA teaches the return address; PULL_RESP goes there and TX_ACK comes back as an event")
    func downlinkRoundTrip() async throws {
        try await withBridge { bridge, address, client in
            let frame = DownlinkFrame(downlinkID: 77, gatewayEUI: gatewayEUI, phyPayload: [0x20, 0xAA, 0xBB], frequency: 869_525_000,
                                      power: 27, modulation: .lora(spreadingFactor: 12, bandwidth: 125_000, codeRate: "4/5"),
                                      timing: .concentratorTimestamp(2_000_000))
            await #expect(throws: GatewayBridgeError.gatewayNotConnected(gatewayEUI)) { try await bridge.send(frame) }

            try await client.send(header(0x02, token: 0x0102), to: address)
            #expect(await client.next() == [0x02, 0x01, 0x02, 0x04])
            #expect(bridge.status(of: gatewayEUI)?.downlinkAddress != nil)

            try await bridge.send(frame)
            let resp = try #require(await client.next())
            guard case let .pullResp(version, token, payload) = try Datagram(bytes: resp) else { Issue.record("not PULL_RESP"); return }
            #expect(version == .v2)
            #expect(try DownlinkFrame(txPacket: payload.txpk, gatewayEUI: gatewayEUI, downlinkID: 77) == frame)

            let ack = header(0x05, token: token) + Array(#"{"txpk_ack":{"error":"COLLISION_PACKET"}}"#.utf8)
            try await client.send(ack, to: address)
            let event = try #require(await nextElement(bridge.events))
            #expect(event == .txAck(downlinkID: 77, gatewayEUI: gatewayEUI, result: .rejected(.collisionPacket)))
            #expect(bridge.status(of: gatewayEUI)?.txAcksFailed == 1)
        }
    }

    @Test("downlinks never acknowledged are forgotten after 60 s, oldest first; a TX_ACK for one is then an unknown token")
    func pendingExpiry() throws {
        let core = BridgeCore(configuration: .init(port: 0), logger: Logger(label: "test"), isKnownGateway: { _ in true })
        let from = try SocketAddress(ipAddress: "127.0.0.1", port: 40_000)
        _ = core.handle(header(0x02, token: 1), from: from, now: 0)   // PULL_DATA: the route
        func downlink(_ id: UInt32, at now: Int64) throws -> UInt16 {
            let frame = DownlinkFrame(downlinkID: id, gatewayEUI: gatewayEUI, phyPayload: [0x20, 0xAA], frequency: 869_525_000, power: 14,
                                      modulation: .lora(spreadingFactor: 12, bandwidth: 125_000, codeRate: "4/5"), timing: .immediately)
            let (bytes, _) = try core.prepareDownlink(frame, now: now)
            return UInt16(bytes[1]) << 8 | UInt16(bytes[2])
        }
        let first = try downlink(1, at: 0)
        for i in 0..<5_000 { _ = try downlink(UInt32(2 + i), at: 1_000) }
        let late = try downlink(9_000, at: 30_000)
        #expect(core.pendingCount == 5_002)
        _ = try downlink(9_001, at: 60_500)           // the one of 0 s is 60.5 s old: gone
        #expect(core.pendingCount == 5_002)
        _ = try downlink(9_002, at: 61_000)           // the 5,000 of 1 s are 60 s old: gone
        #expect(core.pendingCount == 3)
        let ackFirst = core.handle(header(0x05, token: first) + Array(#"{"txpk_ack":{"error":""}}"#.utf8), from: from, now: 61_001)
        #expect(ackFirst.events.isEmpty)
        let ackLate = core.handle(header(0x05, token: late) + Array(#"{"txpk_ack":{"error":""}}"#.utf8), from: from, now: 61_002)
        #expect(ackLate.events == [.txAck(downlinkID: 9_000, gatewayEUI: gatewayEUI, result: .ok)])
        #expect(core.pendingCount == 2)
    }

    @Test("stat updates the gateway status and location")
    func stat() async throws {
        try await withBridge { bridge, address, client in
            let json = #"{"stat":{"time":"2024-01-01 00:00:00 GMT","lati":-33.8688,"long":151.2093,"alti":58,"rxnb":10,"rxok":9,"rxfw":9,"ackr":100.0,"dwnb":1,"txnb":1,"temp":31.5}}"#
            try await client.send(header(0x00, token: 1) + Array(json.utf8), to: address)
            #expect(await client.next() == [0x02, 0x00, 0x01, 0x01])
            guard case let .status(status) = try #require(await nextElement(bridge.events)) else { Issue.record("no status"); return }
            #expect(status.location == GatewayLocation(latitude: -33.8688, longitude: 151.2093, altitude: 58))
            #expect(status.rxReceived == 10)
            #expect(status.rxOK == 9)
            #expect(status.txEmitted == 1)
            #expect(status.temperature == 31.5)
            // Later frames from this gateway carry its location.
            try await client.send(header(0x00, token: 2) + Array(rxpkJSON.utf8), to: address)
            _ = await client.next()
            let frame = try #require(await nextElement(bridge.uplinks))
            #expect(frame.rxInfo.location?.latitude == -33.8688)
        }
    }

    @Test("malformed traffic is counted, never ACKed, and the listener keeps serving")
    func malformed() async throws {
        try await withBridge { bridge, address, client in
            try await client.send(header(0x02, token: 9), to: address)
            #expect(await client.next() == [0x02, 0x00, 0x09, 0x04])
            let hostile: [[UInt8]] = [
                [], [0x02], [0x07, 0, 0, 0], [0x02, 0, 0, 0x09],
                header(0x00, token: 3) + Array(#"{"rxpk":[{"tmst":1,"#.utf8),                    // truncated JSON
                header(0x00, token: 4) + Array(#"{"rxpk":[{"tmst":1,"freq":868.1,"modu":"LORA","datr":"SF7BW125","rssi":1,"data":"!!"}]}"#.utf8), // bad base64
                [UInt8](repeating: 0xFF, count: 1500),
            ]
            for h in hostile { try await client.send(h, to: address) }
            // Bad base64 inside a well-formed PUSH_DATA: the datagram is ACKed, the rxpk refused.
            #expect(await client.next() == [0x02, 0x00, 0x04, 0x01])
            try await client.send(header(0x02, token: 10), to: address)
            #expect(await client.next() == [0x02, 0x00, 0x0A, 0x04])
            #expect(bridge.status(of: gatewayEUI)?.malformedDatagrams == 2)
            #expect(bridge.status(of: gatewayEUI)?.uplinkFrames == 0)
        }
    }

    @Test("unknown gateways are refused when auto-registration is off")
    func refuseUnknown() async throws {
        let stranger = EUI64(0xDEAD_BEEF_0000_0001)
        try await withBridge(.init(autoRegisterGateways: false), known: { $0 == gatewayEUI }) { bridge, address, client in
            try await client.send(header(0x02, token: 1, eui: stranger), to: address)
            try await client.send(header(0x00, token: 2, eui: stranger) + Array(rxpkJSON.utf8), to: address)
            try await client.send(header(0x02, token: 3), to: address)
            // Only the known gateway's PULL_DATA is answered; the datagrams before it were dropped.
            #expect(await client.next() == [0x02, 0x00, 0x03, 0x04])
            #expect(bridge.status(of: stranger) == nil)
            #expect(bridge.status(of: gatewayEUI) != nil)
        }
    }

    @Test("unknown gateways are auto-registered when allowed")
    func autoRegister() async throws {
        let newcomer = EUI64(0x00AB_CDEF_0000_0002)
        try await withBridge(.init(autoRegisterGateways: true), known: { _ in false }) { bridge, address, client in
            try await client.send(header(0x02, token: 1, eui: newcomer, version: 1), to: address)
            #expect(await client.next() == [0x01, 0x00, 0x01, 0x04])
            #expect(await nextElement(bridge.events) == .gatewayRegistered(newcomer))
            #expect(bridge.status(of: newcomer)?.protocolVersion == 1)
        }
    }

    @Test("rsig multi-antenna PUSH_DATA yields one frame per antenna")
    func rsig() async throws {
        try await withBridge { bridge, address, client in
            let json = #"{"rxpk":[{"tmst":5,"freq":867.1,"stat":1,"modu":"LORA","datr":"SF7BW125","codr":"4/5","size":1,"data":"QA==","rsig":[{"ant":0,"chan":0,"rssic":-90,"lsnr":3},{"ant":1,"chan":0,"rssic":-95,"lsnr":1}]}]}"#
            try await client.send(header(0x00, token: 1) + Array(json.utf8), to: address)
            _ = await client.next()
            var it = bridge.uplinks.makeAsyncIterator()
            let a = await it.next()
            let b = await it.next()
            #expect(a?.rxInfo.antenna == 0)
            #expect(b?.rxInfo.antenna == 1)
        }
    }
}

@Suite("Malformed-traffic log limiter")
struct LimiterTests {
    @Test("logs once per key per interval and counts the suppressed")
    func limiter() {
        var l = MalformedLogLimiter(intervalMillis: 60_000)
        #expect(l.record("gw1", now: 0) == 0)
        #expect(l.record("gw1", now: 1_000) == nil)
        #expect(l.record("gw1", now: 59_999) == nil)
        #expect(l.record("gw2", now: 59_999) == 0)
        #expect(l.record("gw1", now: 60_000) == 2)
        #expect(l.record("gw1", now: 60_001) == nil)
    }
}
