import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LoRaWAN
import Logging
import NIOCore
import PacketForwarder
import Registry
@testable import ServerApp
import Testing
import TestSupport

/// Runs the whole server (bridge, network server, HTTP) in-process on ephemeral loopback ports.
func withServer(_ body: (ServerApp, SocketAddress, URL) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lorikeet-e2e-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    var config = ServerConfiguration(dataDir: dir.path, regionsDir: RegionFiles.directory.path)
    config.gatewayBridge.port = 0
    config.http.port = 0
    config.broker.port = 0
    config.broker.webSocketPort = nil
    config.networkServer.deduplicationWindowMillis = 20
    var logger = Logger(label: "e2e")
    logger.logLevel = .warning
    let app = try await ServerApp(configuration: config, logger: logger)
    let task = Task { try await app.run() }
    let udp = try await app.bridge.boundAddress
    let http = URL(string: "http://127.0.0.1:\(await app.httpPort)")!
    do { try await body(app, udp, http) } catch { task.cancel(); throw error }
    task.cancel()
    _ = await task.result
}

func pushData(_ bytes: [UInt8], gateway: EUI64, token: UInt16, tmst: UInt32, snr: Double = 7) -> [UInt8] {
    let frame = SimulatedDevice.frame(bytes, gateway: gateway, tmst: tmst, snr: snr)
    return Datagram.pushData(version: .v2, token: token, gatewayEUI: gateway,
                             payload: PushDataPayload(rxpk: [RxPacket(uplink: frame)])).encoded()
}

func http(_ method: String, _ url: URL, key: String?, body: String? = nil) async throws -> (Int, String) {
    var req = URLRequest(url: url)
    req.httpMethod = method
    if let key { req.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
    if let body { req.httpBody = Data(body.utf8); req.setValue("application/json", forHTTPHeaderField: "Content-Type") }
    let (data, response) = try await URLSession.shared.data(for: req)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}

@Suite("End to end: simulated gateway over real UDP against the composed server")
struct EndToEndTests {
    static let appKey = try! AES128Key(hex: "00112233445566778899AABBCCDDEEFF")
    static let gateway = EUI64(0x00A0_0000_0000_0001)

    @Test("admin key, HTTP provisioning, OTAA join via PULL_RESP in RX1, confirmed uplink ACKed, queued downlink delivered")
    func joinAndData() async throws {
        try await withServer { app, udp, base in
            // The admin key file exists with mode 0600.
            let attrs = try FileManager.default.attributesOfItem(atPath: app.configuration.dataDir + "/admin.key")
            #expect((attrs[.posixPermissions] as? NSNumber)?.intValue == 0o600)

            // Provisioning through the HTTP API, guarded by the key.
            #expect(try await http("GET", base.appendingPathComponent("api/applications"), key: nil).0 == 401)
            #expect(try await http("GET", base.appendingPathComponent("api/applications"), key: "wrong").0 == 401)
            #expect(try await http("POST", base.appendingPathComponent("api/applications"), key: app.adminKey, body: #"{"id":"farm","name":"Farm"}"#).0 == 201)
            #expect(try await http("POST", base.appendingPathComponent("api/device-profiles"), key: app.adminKey, body: #"{"id":"eu","region":"EU868"}"#).0 == 201)
            let devBody = #"{"devEUI":"0102030405060708","joinEUI":"70b3d57ed0000000","applicationID":"farm","deviceProfileID":"eu","appKey":"00112233445566778899aabbccddeeff"}"#
            #expect(try await http("POST", base.appendingPathComponent("api/devices"), key: app.adminKey, body: devBody).0 == 201)
            let dup = try await http("POST", base.appendingPathComponent("api/devices"), key: app.adminKey, body: devBody)
            #expect(dup.0 == 409)
            #expect(dup.1.contains("device_already_exists"))
            #expect(try await http("GET", base.appendingPathComponent("api/devices/0102030405060708"), key: app.adminKey).0 == 200)
            #expect(try await http("GET", base.appendingPathComponent("api/devices/zz"), key: app.adminKey).0 == 400)

            let client = try await UDPTestClient()
            try await client.send(Datagram.pullData(version: .v2, token: 1, gatewayEUI: Self.gateway).encoded(), to: udp)
            #expect(await client.next() == [2, 0, 1, 4])

            var device = SimulatedDevice(devEUI: EUI64(0x0102_0304_0506_0708), joinEUI: EUI64(0x70B3_D57E_D000_0000), appKey: Self.appKey)
            let started = ContinuousClock.now
            try await client.send(pushData(try device.joinRequest(), gateway: Self.gateway, token: 2, tmst: 7_000_000), to: udp)
            #expect(await client.next() == [2, 0, 2, 1])
            let resp = try #require(await client.next())
            let elapsed = ContinuousClock.now - started
            guard case let .pullResp(_, token, payload) = try Datagram(bytes: resp) else { Issue.record("not PULL_RESP"); return }
            // The join-accept must reach the gateway well before its RX1 window (5 s after tmst).
            #expect(elapsed < .seconds(1))
            #expect(payload.txpk.tmst == 12_000_000)
            #expect(payload.txpk.freq == 868.1)
            #expect(payload.txpk.ipol == true)
            let accept = try DownlinkFrame(txPacket: payload.txpk, gatewayEUI: Self.gateway, downlinkID: 0)
            try device.acceptJoin(accept.phyPayload)
            try await client.send(Datagram.txAck(version: .v2, token: token, gatewayEUI: Self.gateway, payload: nil).encoded(), to: udp)

            // Queue a downlink over HTTP; send a confirmed uplink; the answer carries ACK + data.
            #expect(try await http("POST", base.appendingPathComponent("api/devices/0102030405060708/queue"), key: app.adminKey,
                                   body: #"{"fPort":10,"dataHex":"c0ffee"}"#).0 == 201)
            try await client.send(pushData(try device.dataUplink(fPort: 2, payload: [0x21], confirmed: true), gateway: Self.gateway, token: 3, tmst: 9_000_000), to: udp)
            #expect(await client.next() == [2, 0, 3, 1])
            let resp2 = try #require(await client.next())
            guard case let .pullResp(_, _, payload2) = try Datagram(bytes: resp2) else { Issue.record("not PULL_RESP"); return }
            #expect(payload2.txpk.tmst == 10_000_000)
            let opened = try device.openDownlink(try DownlinkFrame(txPacket: payload2.txpk, gatewayEUI: Self.gateway, downlinkID: 0).phyPayload)
            #expect(opened.ack)
            #expect(opened.fPort == 10)
            #expect(opened.payload == [0xC0, 0xFF, 0xEE])

            // The ACK went out at once (its FCntDown inside the reservation stored at the join);
            // the uplink's counter is committed with the next write-behind tick.
            var stored: UInt32?
            for _ in 0..<500 where stored == nil {
                stored = try await app.registry.session(devEUI: device.devEUI)?.fCntUp
                if stored == nil { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(stored == 0)
            #expect(try await app.registry.gateways().contains { $0.gatewayEUI == Self.gateway })
            await client.close()
        }
    }
}
