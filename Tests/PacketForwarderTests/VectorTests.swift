import Foundation
import LoRaWAN
import Testing
@testable import PacketForwarder

/// Captured-style datagrams in Data/vectors/udp/datagrams.json (shapes from PROTOCOL.TXT v1/v2 and the
/// SX1302 HAL PROTOCOL.md): each either parses to the named packet type (and yields the named number
/// of CRC-valid frames) or fails with the named error code.
struct UDPVector: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var hex: String
    var type: String?
    var frames: Int?
    var crc_bad: Int?
    var error: String?
    var rxpk_error: String?
    var testDescription: String { name }

    static func all() throws -> [UDPVector] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Data/vectors/udp/datagrams.json")
        struct File: Decodable { var cases: [UDPVector] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }
}

@Suite("Data/vectors/udp")
struct VectorTests {
    static func parse(_ bytes: [UInt8]) -> Result<Datagram, PacketForwarderError> {
        do { return .success(try Datagram(bytes: bytes)) } catch { return .failure(error) }
    }

    static func frames(_ rx: RxPacket, _ eui: EUI64) -> Result<[UplinkFrame], PacketForwarderError> {
        do { return .success(try rx.uplinkFrames(gatewayEUI: eui)) } catch { return .failure(error) }
    }

    @Test("every vector parses or fails as recorded", arguments: try UDPVector.all())
    func vector(_ v: UDPVector) throws {
        let bytes = try [UInt8](hex: v.hex)
        switch Self.parse(bytes) {
        case let .failure(error):
            #expect(error.code == v.error, "\(error)")
        case let .success(d):
            #expect(v.error == nil, "parsed but expected \(v.error ?? "")")
            #expect(d.packetType.name == v.type)
            guard case let .pushData(_, _, eui, payload) = d else { return }
            var valid = 0
            var crcBad = 0
            var rxpkError: String?
            for rx in payload.rxpk ?? [] {
                switch Self.frames(rx, eui) {
                case let .success(f):
                    crcBad += f.filter { $0.rxInfo.crcStatus != 1 }.count
                    valid += f.filter { $0.rxInfo.crcStatus == 1 }.count
                case let .failure(e):
                    rxpkError = e.code
                }
            }
            #expect(rxpkError == v.rxpk_error)
            if let n = v.frames { #expect(valid == n) }
            #expect(crcBad == (v.crc_bad ?? 0))
        }
    }
}
