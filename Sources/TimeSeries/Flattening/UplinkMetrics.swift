public import Foundation

/// Turns a decoded uplink into telemetry points: every numeric field of the codec's output object
/// (nested objects and arrays flattened to dotted names) plus the radio metadata.
///
/// Naming: `{"env": {"temp": 21.4, "hum": 40}, "levels": [3, 4], "ok": true, "name": "x"}` gives
/// `env.temp = 21.4`, `env.hum = 40`, `levels.0 = 3`, `levels.1 = 4`, `ok = 1`. Booleans become 1/0
/// (door open, alarm set: useful for counts); strings and nulls are not numeric and are skipped.
/// Radio metadata get the fixed names `rssi`, `snr` (best gateway), `frequency` (Hz), `dr` and
/// `gateway_count`; they come after the object's fields, so when a codec also emits a field called
/// `rssi`, the store keeps the radio value (a duplicate series and time keeps the latest write).
///
/// The function is pure: the network server calls it per uplink and hands the result to the store.
public enum UplinkMetrics {
    /// Radio metadata of one (deduplicated) uplink.
    public struct Radio: Sendable, Equatable {
        public var rssi: Double?
        public var snr: Double?
        public var frequency: Double?
        public var dataRate: Int?
        public var gatewayCount: Int?
        public init(rssi: Double? = nil, snr: Double? = nil, frequency: Double? = nil, dataRate: Int? = nil, gatewayCount: Int? = nil) {
            self.rssi = rssi
            self.snr = snr
            self.frequency = frequency
            self.dataRate = dataRate
            self.gatewayCount = gatewayCount
        }
    }

    /// Which metrics an application stores. `nil` keeps everything (the default); otherwise a
    /// metric is kept when it equals an entry or starts with an entry followed by `.`.
    public struct Selection: Sendable, Equatable, Codable {
        public var include: [String]?
        public init(include: [String]? = nil) { self.include = include }
        public static let all = Selection()
        public func keeps(_ metric: String) -> Bool {
            guard let include else { return true }
            return include.contains { metric == $0 || (metric.hasPrefix($0) && metric.dropFirst($0.count).first == ".") }
        }
    }

    /// The deepest nesting followed; deeper parts are ignored (hostile objects cannot recurse us
    /// into a stack overflow — JSONDecoder itself limits depth as well).
    public static let maxDepth = 16

    /// Flattens the JSON object `json` (UTF-8 bytes) and appends radio metadata.
    /// - Throws: `TimeSeriesError.invalidJSON` when `json` is not a JSON object.
    public static func metrics(objectJSON json: Data, radio: Radio = Radio(), selection: Selection = .all)
        throws(TimeSeriesError) -> [(metric: String, value: Double)] {
        let value: UplinkMetrics.JSON
        do {
            value = try JSONDecoder().decode(UplinkMetrics.JSON.self, from: json)
        } catch {
            throw .invalidJSON(String(describing: error).prefix(200).description)
        }
        guard case .object = value else { throw .invalidJSON("the decoded uplink is not a JSON object") }
        return metrics(object: value, radio: radio, selection: selection)
    }

    /// Flattens an already parsed object.
    public static func metrics(object: UplinkMetrics.JSON, radio: Radio = Radio(), selection: Selection = .all) -> [(metric: String, value: Double)] {
        var out: [(metric: String, value: Double)] = []
        flatten(object, prefix: "", depth: 0, into: &out)
        if let v = radio.rssi { out.append(("rssi", v)) }
        if let v = radio.snr { out.append(("snr", v)) }
        if let v = radio.frequency { out.append(("frequency", v)) }
        if let v = radio.dataRate { out.append(("dr", Double(v))) }
        if let v = radio.gatewayCount { out.append(("gateway_count", Double(v))) }
        return out.filter { selection.keeps($0.metric) && $0.value.isFinite }
    }

    static func flatten(_ value: UplinkMetrics.JSON, prefix: String, depth: Int, into out: inout [(metric: String, value: Double)]) {
        guard depth <= maxDepth else { return }
        func name(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }
        switch value {
        case let .number(n): if !prefix.isEmpty { out.append((prefix, n)) }
        case let .bool(b): if !prefix.isEmpty { out.append((prefix, b ? 1 : 0)) }
        case .string, .null: break
        case let .array(items):
            for (i, item) in items.enumerated() { flatten(item, prefix: name(String(i)), depth: depth + 1, into: &out) }
        case let .object(pairs):
            for key in pairs.keys.sorted() {
                if let item = pairs[key] { flatten(item, prefix: name(key), depth: depth + 1, into: &out) }
            }
        }
    }
}

extension UplinkMetrics {
    /// A JSON value, decodable with `JSONDecoder` (booleans stay booleans, unlike `NSNumber`).
    public enum JSON: Sendable, Equatable, Decodable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([JSON])
        case object([String: JSON])

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null; return }
            if let b = try? c.decode(Bool.self) { self = .bool(b); return }
            if let n = try? c.decode(Double.self) { self = .number(n); return }
            if let s = try? c.decode(String.self) { self = .string(s); return }
            if let a = try? c.decode([UplinkMetrics.JSON].self) { self = .array(a); return }
            self = .object(try c.decode([String: UplinkMetrics.JSON].self))
        }
    }
}
