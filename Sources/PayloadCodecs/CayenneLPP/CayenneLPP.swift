/// Cayenne Low Power Payload, decoded and encoded natively (no JavaScript).
///
/// Layout: a sequence of `channel (1 byte) | type (1 byte) | value (size given by type)` records,
/// multi-byte values big-endian (MSB first).
///
/// ```
///   03 67 01 10 | 05 67 00 FF      →  {"temperature_3": 27.2, "temperature_5": 25.5}
///   ch ty value | ch ty value
/// ```
///
/// Type table. The IPSO types (LPP type = IPSO object ID − 3200) are from myDevices' "Cayenne Low
/// Power Payload" documentation (docs.mydevices.com/docs/lorawan/cayenne-lpp, "Data Types"); the
/// extended types (generic sensor, voltage, current, frequency, percentage, altitude,
/// concentration, power, distance, energy, direction, unix time, colour, switch) follow the
/// extended-type table of the ElectronicCats CayenneLPP library (README / CayenneLPP.h defines),
/// which is what devices using "CayenneLPP with extended data types" send.
///
/// | type | name                  | size | value                                    |
/// |------|-----------------------|------|------------------------------------------|
/// | 0    | digital_input         | 1    | unsigned                                 |
/// | 1    | digital_output        | 1    | unsigned                                 |
/// | 2    | analog_input          | 2    | 0.01 signed                              |
/// | 3    | analog_output         | 2    | 0.01 signed                              |
/// | 100  | generic_sensor        | 4    | unsigned                                 |
/// | 101  | luminosity            | 2    | 1 lux unsigned                           |
/// | 102  | presence              | 1    | unsigned                                 |
/// | 103  | temperature           | 2    | 0.1 °C signed                            |
/// | 104  | relative_humidity     | 1    | 0.5 % unsigned                           |
/// | 113  | accelerometer         | 6    | x, y, z: 0.001 G signed                  |
/// | 115  | barometric_pressure   | 2    | 0.1 hPa unsigned                         |
/// | 116  | voltage               | 2    | 0.01 V unsigned                          |
/// | 117  | current               | 2    | 0.001 A unsigned                         |
/// | 118  | frequency             | 4    | 1 Hz unsigned                            |
/// | 120  | percentage            | 1    | 1 % unsigned                             |
/// | 121  | altitude              | 2    | 1 m signed                               |
/// | 125  | concentration         | 2    | 1 ppm unsigned                           |
/// | 128  | power                 | 2    | 1 W unsigned                             |
/// | 130  | distance              | 4    | 0.001 m unsigned                         |
/// | 131  | energy                | 4    | 0.001 kWh unsigned                       |
/// | 132  | direction             | 2    | 1 ° unsigned                             |
/// | 133  | unixtime              | 4    | seconds unsigned                         |
/// | 134  | gyrometer             | 6    | x, y, z: 0.01 °/s signed                 |
/// | 135  | colour                | 3    | r, g, b: 0–255                           |
/// | 136  | gps                   | 9    | latitude, longitude 0.0001 ° signed (3 bytes each), altitude 0.01 m signed (3 bytes) |
/// | 142  | switch                | 1    | 0 / 1                                    |
///
/// Output naming follows The Things Stack's CayenneLPP formatter: the lower-case type name, `_`,
/// the channel (`temperature_3`, `barometric_pressure_0`); multi-value types are objects
/// (`accelerometer_6: {x, y, z}`, `gps_1: {latitude, longitude, altitude}`, `colour_2: {r, g, b}`).
/// Values are exact decimals (`27.2`), where TTN prints a float32 widened to double
/// (`27.200000762939453`). A repeated channel+type keeps the last value, as TTN does.
public enum CayenneLPP {
    /// One LPP data type.
    public struct DataType: Sendable, Equatable {
        /// The LPP type byte.
        public let id: UInt8
        /// The field name stem (`temperature`).
        public let name: String
        /// Value size in bytes.
        public let size: Int
        /// Component names for multi-value types, nil for scalars.
        public let components: [String]?
        /// Bytes per component (size / components.count, or size for scalars).
        let componentSizes: [Int]
        /// Divisor per component (value = raw / divisor).
        let divisors: [Double]
        let signed: Bool
    }

    private static func scalar(_ id: UInt8, _ name: String, _ size: Int, _ divisor: Double, signed: Bool) -> DataType {
        DataType(id: id, name: name, size: size, components: nil, componentSizes: [size], divisors: [divisor], signed: signed)
    }

    private static func vector(_ id: UInt8, _ name: String, _ parts: [String], _ partSize: Int, _ divisors: [Double], signed: Bool) -> DataType {
        DataType(id: id, name: name, size: partSize * parts.count, components: parts,
                 componentSizes: Array(repeating: partSize, count: parts.count), divisors: divisors, signed: signed)
    }

    /// Every supported type, in type-byte order.
    public static let types: [DataType] = [
        scalar(0, "digital_input", 1, 1, signed: false),
        scalar(1, "digital_output", 1, 1, signed: false),
        scalar(2, "analog_input", 2, 100, signed: true),
        scalar(3, "analog_output", 2, 100, signed: true),
        scalar(100, "generic_sensor", 4, 1, signed: false),
        scalar(101, "luminosity", 2, 1, signed: false),
        scalar(102, "presence", 1, 1, signed: false),
        scalar(103, "temperature", 2, 10, signed: true),
        scalar(104, "relative_humidity", 1, 2, signed: false),
        vector(113, "accelerometer", ["x", "y", "z"], 2, [1000, 1000, 1000], signed: true),
        scalar(115, "barometric_pressure", 2, 10, signed: false),
        scalar(116, "voltage", 2, 100, signed: false),
        scalar(117, "current", 2, 1000, signed: false),
        scalar(118, "frequency", 4, 1, signed: false),
        scalar(120, "percentage", 1, 1, signed: false),
        scalar(121, "altitude", 2, 1, signed: true),
        scalar(125, "concentration", 2, 1, signed: false),
        scalar(128, "power", 2, 1, signed: false),
        scalar(130, "distance", 4, 1000, signed: false),
        scalar(131, "energy", 4, 1000, signed: false),
        scalar(132, "direction", 2, 1, signed: false),
        scalar(133, "unixtime", 4, 1, signed: false),
        vector(134, "gyrometer", ["x", "y", "z"], 2, [100, 100, 100], signed: true),
        vector(135, "colour", ["r", "g", "b"], 1, [1, 1, 1], signed: false),
        vector(136, "gps", ["latitude", "longitude", "altitude"], 3, [10000, 10000, 100], signed: true),
        scalar(142, "switch", 1, 1, signed: false),
    ]

    private static let byID: [DataType?] = (0...255).map { id in types.first { $0.id == UInt8(id) } }
    private static let byName: [String: DataType] = Dictionary(uniqueKeysWithValues: types.map { ($0.name, $0) })

    /// Decodes an LPP payload into `{"<type>_<channel>": value, ...}`.
    /// - Throws: `CodecError.cayenneLPP` for an unknown type or a truncated record (with offset).
    public static func decode(_ bytes: [UInt8]) throws(CodecError) -> JSONObject {
        var out = JSONObject()
        var i = 0
        while i < bytes.count {
            guard i + 2 <= bytes.count else { throw .cayenneLPP("truncated record header at byte \(i)") }
            let channel = bytes[i]
            let typeID = bytes[i + 1]
            guard let type = byID[Int(typeID)] else { throw .cayenneLPP("unknown data type \(typeID) at byte \(i + 1)") }
            let start = i + 2
            guard start + type.size <= bytes.count else {
                throw .cayenneLPP("\(type.name) on channel \(channel) needs \(type.size) bytes, \(bytes.count - start) left")
            }
            var values: [JSONValue] = []
            var offset = start
            for (k, size) in type.componentSizes.enumerated() {
                var raw: UInt64 = 0
                for b in bytes[offset..<offset + size] { raw = raw << 8 | UInt64(b) }
                var value = Double(raw)
                if type.signed, raw & (1 << UInt64(size * 8 - 1)) != 0 {
                    value = Double(Int64(bitPattern: raw) - Int64(1) << Int64(size * 8))
                }
                values.append(.number(value / type.divisors[k]))
                offset += size
            }
            let key = type.name + "_" + byteStrings[Int(channel)]
            if let parts = type.components {
                var object = JSONObject()
                for (name, value) in zip(parts, values) { object[name] = value }
                out[key] = .object(object)
            } else {
                out[key] = values[0]
            }
            i = start + type.size
        }
        return out
    }

    /// Encodes `{"<type>_<channel>": value}` (the decoder's output form) into an LPP payload, in
    /// member order.
    /// - Throws: `CodecError.cayenneLPP` for an unknown name, a bad channel, a missing component
    ///   or a value that does not fit the type.
    public static func encode(_ object: JSONObject) throws(CodecError) -> [UInt8] {
        var out: [UInt8] = []
        for (key, value) in object.members {
            guard let underscore = key.lastIndex(of: "_"),
                  let channel = UInt8(key[key.index(after: underscore)...]) else {
                throw .cayenneLPP("\"\(key)\" is not <type>_<channel 0–255>")
            }
            let name = String(key[..<underscore])
            guard let type = byName[name] else { throw .cayenneLPP("unknown data type name \"\(name)\"") }
            var numbers: [Double] = []
            if let parts = type.components {
                guard case .object(let members) = value else { throw .cayenneLPP("\(key) must be an object {\(parts.joined(separator: ", "))}") }
                for part in parts {
                    guard let n = members[part]?.number else { throw .cayenneLPP("\(key).\(part) must be a number") }
                    numbers.append(n)
                }
            } else {
                switch value {
                case .number(let n): numbers.append(n)
                case .bool(let b): numbers.append(b ? 1 : 0)
                default: throw .cayenneLPP("\(key) must be a number")
                }
            }
            out.append(channel)
            out.append(type.id)
            for (k, n) in numbers.enumerated() {
                let size = type.componentSizes[k]
                let scaled = (n * type.divisors[k]).rounded()
                let half = Double(Int64(1) << Int64(size * 8 - 1))  // sizes are at most 4 bytes
                let range: ClosedRange<Double> = type.signed ? -half...(half - 1) : 0...(2 * half - 1)
                guard scaled.isFinite, range.contains(scaled) else {
                    throw .cayenneLPP("\(key) value \(JSONValue.format(n)) does not fit \(type.name)")
                }
                let raw = UInt64(bitPattern: Int64(scaled))
                for byte in (0..<size).reversed() { out.append(UInt8(truncatingIfNeeded: raw >> UInt64(byte * 8))) }
            }
        }
        return out
    }
}
