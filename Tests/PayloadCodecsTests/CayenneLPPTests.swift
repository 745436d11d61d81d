import Testing
@testable import PayloadCodecs

@Suite("Cayenne LPP")
struct CayenneLPPTests {
    // Vectors: myDevices, "Cayenne Low Power Payload" (docs.mydevices.com/docs/lorawan/cayenne-lpp),
    // section "Examples"; and The Things Stack docs, "Payload Formatters › CayenneLPP".
    static let specVectors: [(name: String, hex: String, expected: JSONObject)] = [
        ("myDevices: device with 2 temperature sensors", "03670110056700FF",
         ["temperature_3": 27.2, "temperature_5": 25.5]),
        ("myDevices: temperature and acceleration, frame N", "0167FFD7",
         ["temperature_1": -4.1]),
        ("myDevices: temperature and acceleration, frame N+1", "067104D2FB2E0000",
         ["accelerometer_6": .object(["x": 1.234, "y": -1.234, "z": 0])]),
        ("myDevices: device with GPS", "018806765FF2960A0003E8",
         ["gps_1": .object(["latitude": 42.3519, "longitude": -87.9094, "altitude": 10])]),
        ("The Things Stack docs: barometer and temperature", "007327BF006700DE",
         ["barometric_pressure_0": 1017.5, "temperature_0": 22.2]),
    ]

    @Test("spec and documentation vectors decode", arguments: specVectors.indices)
    func specVector(_ index: Int) throws {
        let vector = Self.specVectors[index]
        let bytes = try #require(PayloadBytes.hexBytes(vector.hex))
        #expect(try CayenneLPP.decode(bytes) == vector.expected, "\(vector.name)")
        // And they encode back to the same bytes.
        #expect(try CayenneLPP.encode(vector.expected) == bytes, "\(vector.name)")
    }

    @Test("every type decodes and round-trips", arguments: [
        ("0000 01", "digital_input_0", JSONValue.number(1)),
        ("0101 00", "digital_output_1", 0),
        ("0202 FF9C", "analog_input_2", -1),
        ("0303 04D2", "analog_output_3", 12.34),
        ("0464 FFFFFFFF", "generic_sensor_4", 4_294_967_295),
        ("0565 1F40", "luminosity_5", 8000),
        ("0666 01", "presence_6", 1),
        ("0767 F553", "temperature_7", -273.3),
        ("0868 A1", "relative_humidity_8", 80.5),
        ("0973 FFFF", "barometric_pressure_9", 6553.5),
        ("0A74 0140", "voltage_10", 3.2),
        ("0B75 03E8", "current_11", 1),
        ("0C76 000D9490", "frequency_12", 890_000),
        ("0D78 64", "percentage_13", 100),
        ("0E79 FFF6", "altitude_14", -10),
        ("0F7D 0190", "concentration_15", 400),
        ("1080 05DC", "power_16", 1500),
        ("1182 000186A0", "distance_17", 100),
        ("1283 00000457", "energy_18", 1.111),
        ("1384 010E", "direction_19", 270),
        ("1485 6956A500", "unixtime_20", 1_767_286_016),
        ("1586 0064FF9C0000", "gyrometer_21", .object(["x": 1, "y": -1, "z": 0])),
        ("1687 FF8000", "colour_22", .object(["r": 255, "g": 128, "b": 0])),
        ("178E 01", "switch_23", 1),
    ])
    func everyType(hex: String, key: String, value: JSONValue) throws {
        let bytes = try #require(PayloadBytes.hexBytes(hex))
        let decoded = try CayenneLPP.decode(bytes)
        #expect(decoded == [key: value])
        #expect(try CayenneLPP.encode(decoded) == bytes)
    }

    @Test("all 26 types are in the table, with unique ids and names")
    func table() {
        #expect(CayenneLPP.types.count == 26)
        #expect(Set(CayenneLPP.types.map(\.id)).count == 26)
        #expect(Set(CayenneLPP.types.map(\.name)).count == 26)
    }

    @Test("hostile payloads give typed errors", arguments: [
        ("01", "truncated record header"),
        ("0167", "needs 2 bytes"),
        ("01670110 0288", "needs 9 bytes"),
        ("01FF00", "unknown data type 255"),
        ("0105", "unknown data type 5"),
    ])
    func hostile(hex: String, message: String) throws {
        let bytes = try #require(PayloadBytes.hexBytes(hex))
        do {
            _ = try CayenneLPP.decode(bytes)
            Issue.record("decoded \(hex)")
        } catch {
            guard case .cayenneLPP(let m) = error else { Issue.record("\(error)"); return }
            #expect(m.contains(message), "\(m)")
        }
    }

    @Test("the empty payload decodes to an empty object")
    func empty() throws {
        #expect(try CayenneLPP.decode([]) == JSONObject())
    }

    static let unencodable: [(JSONObject, String)] = [
        (["temperature_1": 5000], "does not fit"),
        (["relative_humidity_1": -1], "does not fit"),
        (["temperature_300": 1], "not <type>_<channel"),
        (["temperature": 1], "not <type>_<channel"),
        (["warp_1": 1], "unknown data type name"),
        (["gps_1": .object(["latitude": 1])], "gps_1.longitude"),
        (["temperature_1": "hot"], "must be a number"),
    ]

    @Test("encoding rejects what does not fit", arguments: unencodable)
    func encodeErrors(object: JSONObject, message: String) {
        do {
            _ = try CayenneLPP.encode(object)
            Issue.record("encoded \(object)")
        } catch {
            guard case .cayenneLPP(let m) = error else { Issue.record("\(error)"); return }
            #expect(m.contains(message), "\(m)")
        }
    }

    @Test("the native codec answers through the PayloadCodec interface")
    func payloadCodec() throws {
        let codec = PayloadCodec.cayenneLPP
        let out = try codec.decodeUplink(UplinkInput(bytes: [3, 0x67, 1, 0x10], fPort: 1))
        #expect(out.data == ["temperature_3": 27.2])
        #expect(try codec.encodeDownlink(DownlinkInput(data: .object(["digital_output_4": 1]))).bytes == [4, 1, 1])
    }
}

@Suite("Numeric fields for telemetry")
struct NumericFieldsTests {
    @Test("flattens nested objects and arrays, booleans as 1/0, skips strings")
    func flatten() throws {
        // Cayenne LPP documentation GPS example plus a temperature.
        let data = try CayenneLPP.decode(try #require(PayloadBytes.hexBytes("018806765FF2960A0003E8 03670110")))
        var object = data
        object["ok"] = true
        object["label"] = "roof"
        object["levels"] = [1, 2]
        let fields = object.numericFields()
        #expect(fields.map(\.name) == ["gps_1.latitude", "gps_1.longitude", "gps_1.altitude", "temperature_3", "ok", "levels.0", "levels.1"])
        #expect(fields.map(\.value) == [42.3519, -87.9094, 10, 27.2, 1, 1, 2])
        #expect(object.numericFields(maxFields: 2).count == 2)
    }
}
