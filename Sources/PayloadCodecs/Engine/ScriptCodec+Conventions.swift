public import Foundation

/// The input of `decodeUplink` / `decodeDownlink` (TTN and ChirpStack v4 conventions).
public struct UplinkInput: Sendable, Equatable {
    /// The application payload (FRMPayload, decrypted).
    public var bytes: [UInt8]
    /// The LoRaWAN FPort.
    public var fPort: Int
    /// When the uplink was received; passed to the script as a `Date` (`input.recvTime`). Nil
    /// leaves it out (level-0 modules read no clock; the caller supplies the time).
    public var recvTime: Date?
    /// ChirpStack v4 device variables (`input.variables`); nil leaves the member out (TTN form).
    public var variables: JSONObject?

    /// An uplink input.
    public init(bytes: [UInt8], fPort: Int, recvTime: Date? = nil, variables: JSONObject? = nil) {
        self.bytes = bytes
        self.fPort = fPort
        self.recvTime = recvTime
        self.variables = variables
    }

    var json: JSONValue {
        var o: JSONObject = ["bytes": PayloadBytes.json(bytes), "fPort": .number(Double(fPort))]
        if let recvTime { o["recvTime"] = .number((recvTime.timeIntervalSince1970 * 1000).rounded()) }
        if let variables { o["variables"] = .object(variables) }
        return .object(o)
    }

    /// `[{"bytes":[…],"fPort":…,…}]`, written directly (this runs once per uplink).
    var argumentsJSON: String {
        var out = "[{\"bytes\":["
        out.reserveCapacity(24 + bytes.count * 4)
        for (i, b) in bytes.enumerated() {
            if i > 0 { out += "," }
            out += byteStrings[Int(b)]
        }
        out += "],\"fPort\":"
        out += String(fPort)
        if let recvTime {
            out += ",\"recvTime\":"
            out += JSONValue.format((recvTime.timeIntervalSince1970 * 1000).rounded())
        }
        if let variables {
            out += ",\"variables\":"
            JSONValue.object(variables).write(to: &out)
        }
        out += "}]"
        return out
    }
}

/// The input of `encodeDownlink`.
public struct DownlinkInput: Sendable, Equatable {
    /// The object to encode (`input.data`).
    public var data: JSONValue
    /// ChirpStack v4 device variables; nil leaves the member out.
    public var variables: JSONObject?

    /// A downlink input.
    public init(data: JSONValue, variables: JSONObject? = nil) {
        self.data = data
        self.variables = variables
    }

    var json: JSONValue {
        var o: JSONObject = ["data": data]
        if let variables { o["variables"] = .object(variables) }
        return .object(o)
    }
}

/// What `decodeUplink` / `decodeDownlink` returned: `{data, warnings, errors}`.
public struct DecodedPayload: Sendable, Equatable {
    /// The decoded object (nil when the codec reported only errors).
    public var data: JSONObject?
    /// Warnings the codec reported.
    public var warnings: [String]
    /// Errors the codec reported (the payload could not be decoded).
    public var errors: [String]
    /// The whole result as the script returned it.
    public var result: JSONValue

    /// A decoded payload.
    public init(data: JSONObject?, warnings: [String] = [], errors: [String] = [], result: JSONValue) {
        self.data = data
        self.warnings = warnings
        self.errors = errors
        self.result = result
    }
}

/// What `encodeDownlink` returned: `{bytes, fPort, warnings, errors}`.
public struct EncodedPayload: Sendable, Equatable {
    /// The payload (empty when the codec reported only errors).
    public var bytes: [UInt8]
    /// The FPort the codec chose, if it chose one.
    public var fPort: Int?
    /// Warnings the codec reported.
    public var warnings: [String]
    /// Errors the codec reported.
    public var errors: [String]
    /// The whole result as the script returned it.
    public var result: JSONValue
}

extension ScriptCodec {
    /// TTN / ChirpStack v4 `decodeUplink(input)`.
    ///
    /// The script sees `input = {bytes: [..], fPort, recvTime: Date, variables?}` and must return
    /// `{data: {...}, warnings?: [string], errors?: [string]}`.
    /// - Throws: `CodecError` (`threw`, `timedOut`, `memoryLimitExceeded`, `invalidResult`, …).
    public func decodeUplink(_ input: UplinkInput) throws(CodecError) -> DecodedPayload {
        try decode("decodeUplink", input)
    }

    /// TTN / ChirpStack v4 `decodeDownlink(input)`: the same shapes as `decodeUplink`.
    public func decodeDownlink(_ input: UplinkInput) throws(CodecError) -> DecodedPayload {
        try decode("decodeDownlink", input)
    }

    /// TTN / ChirpStack v4 `encodeDownlink(input)`: `{data, variables?}` →
    /// `{bytes: [0–255], fPort?, warnings?, errors?}`.
    public func encodeDownlink(_ input: DownlinkInput) throws(CodecError) -> EncodedPayload {
        let result = try invoke("encodeDownlink", argumentsJSON: JSONValue.array([input.json]).description)
        return try Self.checkEncoded(result, function: "encodeDownlink")
    }

    /// ChirpStack v3 `Decode(fPort, bytes, variables)` → the decoded object.
    public func decodeV3(fPort: Int, bytes: [UInt8], variables: JSONObject = JSONObject()) throws(CodecError) -> JSONObject {
        let args: JSONValue = .array([.number(Double(fPort)), PayloadBytes.json(bytes), .object(variables)])
        let result = try invoke("Decode", argumentsJSON: args.description)
        guard case .object(let object) = result else {
            throw .invalidResult(function: "Decode", reason: "expected an object, got \(Self.kind(of: result))")
        }
        return object
    }

    /// ChirpStack v3 `Encode(fPort, obj, variables)` → the payload bytes.
    public func encodeV3(fPort: Int, object: JSONValue, variables: JSONObject = JSONObject()) throws(CodecError) -> [UInt8] {
        let args: JSONValue = .array([.number(Double(fPort)), object, .object(variables)])
        let result = try invoke("Encode", argumentsJSON: args.description)
        return try Self.checkBytes(result, function: "Encode", field: "the result")
    }

    /// Calls any function with these arguments and returns its result (JSON, unchecked shape).
    public func call(_ function: String, arguments: [JSONValue]) throws(CodecError) -> JSONValue {
        try invoke(function, argumentsJSON: JSONValue.array(arguments).description)
    }

    /// Runs a function the way `lorikeet codec run` does: `input` is one JSON object whose
    /// meaning follows the function's convention, and the function's (checked) result is returned.
    ///
    /// - `decodeUplink`, `decodeDownlink`: `{"bytes": [..]|"hex"|"base64", "fPort": 1,
    ///   "recvTime"?: RFC 3339 string or epoch ms, "variables"?: {...}}`
    /// - `encodeDownlink`: `{"data": {...}, "variables"?: {...}}`
    /// - `Decode` (ChirpStack v3): `{"fPort", "bytes", "variables"?}`
    /// - `Encode` (ChirpStack v3): `{"fPort", "data" (or "object"), "variables"?}`
    /// - any other name: called with `input` as its single argument.
    public func run(function: String, input: JSONValue, defaultRecvTime: Date? = nil) throws(CodecError) -> JSONValue {
        switch function {
        case "decodeUplink", "decodeDownlink":
            let object = try Self.requireObject(input)
            var uplink = UplinkInput(bytes: try PayloadBytes.parse(object["bytes"] ?? .null), fPort: try Self.fPort(object),
                                     recvTime: defaultRecvTime)
            if let variables = object["variables"] {
                guard case .object(let v) = variables else { throw .invalidInput("variables must be an object") }
                uplink.variables = v
            }
            var argumentsJSON = uplink.argumentsJSON
            if let recv = object["recvTime"] {
                // Given explicitly (RFC 3339 text or epoch ms): passed through for `new Date(...)`.
                guard recv.string != nil || recv.number != nil else { throw .invalidInput("recvTime must be an RFC 3339 string or epoch milliseconds") }
                uplink.recvTime = nil
                var args = uplink.json.object ?? JSONObject()
                args["recvTime"] = recv
                argumentsJSON = JSONValue.array([.object(args)]).description
            }
            let result = try invoke(function, argumentsJSON: argumentsJSON, kind: .convertRecvTime)
            return try Self.checkDecoded(result, function: function).result
        case "encodeDownlink":
            let object = try Self.requireObject(input)
            guard let data = object["data"] else { throw .invalidInput("encodeDownlink input needs \"data\"") }
            return try encodeDownlink(DownlinkInput(data: data, variables: object["variables"]?.object)).result
        case "Decode":
            let object = try Self.requireObject(input)
            return .object(try decodeV3(fPort: try Self.fPort(object), bytes: try PayloadBytes.parse(object["bytes"] ?? .null),
                                        variables: object["variables"]?.object ?? JSONObject()))
        case "Encode":
            let object = try Self.requireObject(input)
            guard let data = object["data"] ?? object["object"] else { throw .invalidInput("Encode input needs \"data\"") }
            return PayloadBytes.json(try encodeV3(fPort: try Self.fPort(object), object: data,
                                                  variables: object["variables"]?.object ?? JSONObject()))
        default:
            return try call(function, arguments: [input])
        }
    }

    // MARK: - Checking results

    private func decode(_ function: String, _ input: UplinkInput) throws(CodecError) -> DecodedPayload {
        let result = try invoke(function, argumentsJSON: input.argumentsJSON, kind: .convertRecvTime)
        return try Self.checkDecoded(result, function: function)
    }

    static func requireObject(_ input: JSONValue) throws(CodecError) -> JSONObject {
        guard case .object(let object) = input else { throw .invalidInput("the input must be a JSON object") }
        return object
    }

    static func fPort(_ object: JSONObject) throws(CodecError) -> Int {
        guard let n = object["fPort"]?.number, n == n.rounded(), n >= 0, n <= 255 else {
            throw .invalidInput("fPort must be an integer 0–255")
        }
        return Int(n)
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    static func strings(_ value: JSONValue?, field: String, function: String) throws(CodecError) -> [String] {
        guard let value, value != .null else { return [] }
        guard case .array(let elements) = value else {
            throw .invalidResult(function: function, reason: "\(field) must be an array of strings")
        }
        var out: [String] = []
        for element in elements {
            guard case .string(let s) = element else {
                throw .invalidResult(function: function, reason: "\(field) must be an array of strings, found \(kind(of: element))")
            }
            out.append(s)
        }
        return out
    }

    static func checkDecoded(_ result: JSONValue, function: String) throws(CodecError) -> DecodedPayload {
        guard case .object(let object) = result else {
            throw .invalidResult(function: function, reason: "expected an object {data, warnings, errors}, got \(kind(of: result))")
        }
        let warnings = try strings(object["warnings"], field: "warnings", function: function)
        let errors = try strings(object["errors"], field: "errors", function: function)
        var data: JSONObject?
        switch object["data"] {
        case .object(let o)?: data = o
        case nil, .null?: data = nil
        case let other?: throw .invalidResult(function: function, reason: "data must be an object, got \(kind(of: other))")
        }
        if data == nil && errors.isEmpty {
            throw .invalidResult(function: function, reason: "the result has neither data nor errors")
        }
        return DecodedPayload(data: data, warnings: warnings, errors: errors, result: result)
    }

    static func checkBytes(_ value: JSONValue, function: String, field: String) throws(CodecError) -> [UInt8] {
        guard case .array(let elements) = value else {
            throw .invalidResult(function: function, reason: "\(field) must be an array of bytes, got \(kind(of: value))")
        }
        var out: [UInt8] = []
        out.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard let n = element.number, n == n.rounded(), n >= 0, n <= 255 else {
                throw .invalidResult(function: function, reason: "byte \(i) is \(element), not an integer 0–255")
            }
            out.append(UInt8(n))
        }
        return out
    }

    static func checkEncoded(_ result: JSONValue, function: String) throws(CodecError) -> EncodedPayload {
        guard case .object(let object) = result else {
            throw .invalidResult(function: function, reason: "expected an object {bytes, fPort, warnings, errors}, got \(kind(of: result))")
        }
        let warnings = try strings(object["warnings"], field: "warnings", function: function)
        let errors = try strings(object["errors"], field: "errors", function: function)
        var bytes: [UInt8] = []
        if let value = object["bytes"], value != .null {
            bytes = try checkBytes(value, function: function, field: "bytes")
        } else if errors.isEmpty {
            throw .invalidResult(function: function, reason: "the result has neither bytes nor errors")
        }
        var fPort: Int?
        if let value = object["fPort"], value != .null {
            guard let n = value.number, n == n.rounded(), n >= 1, n <= 223 else {
                throw .invalidResult(function: function, reason: "fPort is \(value), not an integer 1–223")
            }
            fPort = Int(n)
        }
        return EncodedPayload(bytes: bytes, fPort: fPort, warnings: warnings, errors: errors, result: result)
    }
}
