extension JSONObject {
    /// The numeric fields of a decoded object, flattened for a telemetry store: nested objects
    /// join keys with `.` (`gps_1.latitude`), array elements use their index (`levels.0`), and
    /// booleans count as 1 / 0. Strings and nulls are skipped. Order follows the object.
    ///
    /// ```swift
    /// let data: JSONObject = ["temperature_3": 27.2, "gps_1": .object(["latitude": 42.3519])]
    /// data.numericFields()  // [("temperature_3", 27.2), ("gps_1.latitude", 42.3519)]
    /// ```
    /// - Parameter maxFields: stop after this many (a codec could return thousands).
    public func numericFields(maxFields: Int = 256) -> [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        func visit(_ value: JSONValue, _ name: String) {
            guard out.count < maxFields else { return }
            switch value {
            case .number(let n) where n.isFinite: out.append((name, n))
            case .bool(let b): out.append((name, b ? 1 : 0))
            case .object(let o): for (k, v) in o.members { visit(v, name.isEmpty ? k : name + "." + k) }
            case .array(let a): for (i, v) in a.enumerated() { visit(v, name + "." + String(i)) }
            default: break
            }
        }
        visit(.object(self), "")
        return out
    }
}
