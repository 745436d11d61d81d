import Foundation
import Hummingbird
import LoRaWAN
import Registry
import Testing
@testable import HTTPAPI

@Suite("Device list written without JSONEncoder")
struct DeviceListBodyTests {
    func parse(_ json: JSONBytes) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(json.bytes))
    }

    func parseEncoded(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value))
    }

    /// Names with everything RFC 8259 §7 says must be escaped, and multi-byte UTF-8.
    static let names = ["plain", "quote \" backslash \\ slash /", "controls \u{0} \u{1} \u{8} \u{9} \u{A} \u{C} \u{D} \u{1F}",
                        "unicode é 雨 🦜", "", "</script><b>x</b>"]

    @Test("strings are escaped as RFC 8259 §7 requires and read back unchanged", arguments: names)
    func strings(name: String) throws {
        var json = JSONBytes()
        json.beginArray()
        json.element()
        json.string(name)
        json.endArray()
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
        #expect(try parse(json) as? [String] == [name])
    }

    @Test("hex identifiers are written as their descriptions", arguments: [UInt64(0), 1, 0x0004_A30B_001C_0530, .max])
    func hexIdentifiers(value: UInt64) {
        var json = JSONBytes()
        json.hexString(value, digits: 16)
        json.hexString(value & 0xFFFF_FFFF, digits: 8)
        #expect(String(decoding: json.bytes, as: UTF8.self)
                == "\"\(EUI64(value).description)\"\"\(DevAddr(UInt32(value & 0xFFFF_FFFF)).description)\"")
    }

    @Test("the list answer is the same JSON as the Encodable one")
    func sameAsEncodable() throws {
        let key = try AES128Key(hex: "2b7e151628aed2a6abf7158809cf4f3c")
        let devices = Self.names.enumerated().map { i, name in
            Device(devEUI: EUI64(UInt64(i) + 1), joinEUI: EUI64(0xABCD), name: name, applicationID: "app-\(i)", deviceProfileID: "p",
                   appKey: i == 2 ? nil : key, nwkKey: i == 1 ? key : nil,
                   abp: i == 2 ? ABPSettings(devAddr: DevAddr(0x2601_1F22), keys: SessionKeys(nwkSKey: key, appSKey: key)) : nil,
                   disabled: i == 3)
        }
        let outputs = devices.map(DeviceOutput.init)
        let fast = DeviceListBody(items: outputs, total: 42, limit: 6, offset: 7).json()
        let slow = ListBody(items: outputs, total: 42, limit: 6, offset: 7)
        #expect(try parse(fast) as? NSDictionary == (try parseEncoded(slow)) as? NSDictionary)
        // Never a key, only whether it is set.
        let text = String(decoding: fast.bytes, as: UTF8.self)
        #expect(!text.lowercased().contains("2b7e151628aed2a6abf7158809cf4f3c"))
        #expect(text.contains(#""hasAppKey":false"#) && text.contains(#""abp":{"devAddr":"26011F22","hasSessionKeys":true}"#)
                || text.contains(#""abp":{"devAddr":"26011f22","hasSessionKeys":true}"#))
        // An empty page.
        let empty = DeviceListBody(items: [], total: 0, limit: 100, offset: 0).json()
        #expect(String(decoding: empty.bytes, as: UTF8.self) == #"{"items":[],"total":0,"limit":100,"offset":0}"#)
    }
}
