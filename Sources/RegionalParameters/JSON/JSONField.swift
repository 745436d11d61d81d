/// A JSON value together with the file it came from and its path inside that file
/// (`dataRates[3].spreadingFactor`), so every validation error can name both.
struct JSONField {
    let value: JSONValue
    let file: String
    let path: String

    func error(_ reason: String) -> RegionalParametersError {
        .invalidField(file: file, path: path.isEmpty ? "(top level)" : path, reason: reason)
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The members of an object, or an error naming what was expected.
    func object() throws(RegionalParametersError) -> [(key: String, value: JSONValue)] {
        guard case let .object(members) = value else { throw error("expected an object, found \(value.typeName)") }
        return members
    }

    /// The elements of an array as fields with indexed paths.
    func array(minimumCount: Int = 0, maximumCount: Int = Int.max) throws(RegionalParametersError) -> [JSONField] {
        guard case let .array(elements) = value else { throw error("expected an array, found \(value.typeName)") }
        guard elements.count >= minimumCount else { throw error("expected at least \(minimumCount) element(s), found \(elements.count)") }
        guard elements.count <= maximumCount else { throw error("expected at most \(maximumCount) element(s), found \(elements.count)") }
        return elements.enumerated().map { JSONField(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// The member `key`, or nil when absent or null.
    func optional(_ key: String) throws(RegionalParametersError) -> JSONField? {
        let members = try object()
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        if case .null = member.value { return nil }
        return JSONField(value: member.value, file: file, path: childPath(key))
    }

    /// The member `key`; a missing member is an error that names it.
    func required(_ key: String) throws(RegionalParametersError) -> JSONField {
        guard let field = try optional(key) else {
            throw RegionalParametersError.invalidField(file: file, path: childPath(key), reason: "missing required field")
        }
        return field
    }

    /// Rejects members not in `allowed`, so a misspelt field is not silently ignored.
    func rejectUnknownKeys(_ allowed: Set<String>) throws(RegionalParametersError) {
        for member in try object() where !allowed.contains(member.key) {
            throw RegionalParametersError.invalidField(
                file: file, path: childPath(member.key),
                reason: "unknown field (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    func int(in range: ClosedRange<Int>? = nil, what: String = "an integer") throws(RegionalParametersError) -> Int {
        let rangeText = range.map { " \($0.lowerBound)…\($0.upperBound)" } ?? ""
        guard case let .integer(number) = value else {
            throw error("expected \(what)\(rangeText), found \(value.typeName)")
        }
        if let range, !range.contains(number) {
            throw error("expected \(what)\(rangeText), found \(number)")
        }
        return number
    }

    func double(in range: ClosedRange<Double>? = nil) throws(RegionalParametersError) -> Double {
        let number: Double
        switch value {
        case let .integer(integer): number = Double(integer)
        case let .number(double): number = double
        default:
            let rangeText = range.map { " \($0.lowerBound)…\($0.upperBound)" } ?? ""
            throw error("expected a number\(rangeText), found \(value.typeName)")
        }
        if let range, !range.contains(number) {
            throw error("expected a number \(range.lowerBound)…\(range.upperBound), found \(number)")
        }
        return number
    }

    func bool() throws(RegionalParametersError) -> Bool {
        guard case let .bool(flag) = value else { throw error("expected a boolean, found \(value.typeName)") }
        return flag
    }

    func string(oneOf allowed: [String]? = nil) throws(RegionalParametersError) -> String {
        guard case let .string(text) = value else {
            if let allowed { throw error("expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), found \(value.typeName)") }
            throw error("expected a string, found \(value.typeName)")
        }
        if let allowed, !allowed.contains(text) {
            throw error("expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(text)\"")
        }
        return text
    }
}
