import Foundation
import TextPrimitives

/// One measurement of one device: the unit every detector consumes.
///
/// Times are integer milliseconds since the Unix epoch (UTC), as everywhere in Lorikeet's
/// telemetry. `application` and `deviceProfile` are optional context that scoped detectors match on.
public struct Sample: Codable, Equatable, Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var time: Int64
    /// The device identifier (a DevEUI in hex, or any stable name).
    public var device: String
    /// The metric name (`temperature`, `battery`, …).
    public var metric: String
    /// The measured value.
    public var value: Double
    /// The application the device belongs to, when known.
    public var application: String?
    /// The device profile of the device, when known.
    public var deviceProfile: String?

    public init(time: Int64, device: String, metric: String, value: Double,
                application: String? = nil, deviceProfile: String? = nil) {
        self.time = time
        self.device = device
        self.metric = metric
        self.value = value
        self.application = application
        self.deviceProfile = deviceProfile
    }

    /// The largest accepted time: 9999-12-31T23:59:59.999Z. Bounding input times keeps every
    /// difference and sum of times far from `Int64` overflow.
    public static let maxTime: Int64 = 253_402_300_799_999

    /// Parses one JSON line `{"time", "device", "metric", "value", "application"?, "deviceProfile"?}`.
    ///
    /// `time` is integer epoch milliseconds or an RFC 3339 string (`2026-11-28T17:00:00Z`, with
    /// optional fractional seconds and offset). `value` is a number (a boolean counts as 0 or 1).
    ///
    /// ```
    /// {"time": "2026-11-28T17:00:00Z", "device": "0004a30b001c0530", "metric": "temperature", "value": -18.5}
    /// ```
    /// - Throws: `EventsError.invalidSample` naming the missing or malformed field.
    public static func parse(jsonLine: some StringProtocol, lineNumber: Int? = nil) throws(EventsError) -> Sample {
        let data = Data(jsonLine.utf8)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw .invalidSample(line: lineNumber, reason: "not valid JSON")
        }
        guard let dict = object as? [String: Any] else {
            throw .invalidSample(line: lineNumber, reason: "expected a JSON object")
        }
        func string(_ key: String, required: Bool) throws(EventsError) -> String? {
            guard let raw = dict[key], !(raw is NSNull) else {
                if required { throw .invalidSample(line: lineNumber, reason: "missing field '\(key)'") }
                return nil
            }
            guard let s = raw as? String, !s.isEmpty else {
                throw .invalidSample(line: lineNumber, reason: "field '\(key)' must be a non-empty string")
            }
            return s
        }
        guard let device = try string("device", required: true),
              let metric = try string("metric", required: true) else {
            throw .invalidSample(line: lineNumber, reason: "missing device or metric")
        }
        guard let rawTime = dict["time"] else { throw .invalidSample(line: lineNumber, reason: "missing field 'time'") }
        let time: Int64
        if let s = rawTime as? String {
            guard let t = parseRFC3339Millis(s) else {
                throw .invalidSample(line: lineNumber, reason: "field 'time' is not RFC 3339: \(s.prefix(40))")
            }
            time = t
        } else if let n = rawTime as? NSNumber, !isBoolean(n) {
            let d = n.doubleValue
            guard d.isFinite, d == d.rounded(), d >= 0, d <= Double(maxTime) else {
                throw .invalidSample(line: lineNumber, reason: "field 'time' must be integer epoch milliseconds in 0...\(maxTime)")
            }
            time = Int64(d)
        } else {
            throw .invalidSample(line: lineNumber, reason: "field 'time' must be a string or an integer")
        }
        guard time >= 0, time <= maxTime else {
            throw .invalidSample(line: lineNumber, reason: "field 'time' is out of range")
        }
        guard let rawValue = dict["value"] else { throw .invalidSample(line: lineNumber, reason: "missing field 'value'") }
        guard let n = rawValue as? NSNumber else {
            throw .invalidSample(line: lineNumber, reason: "field 'value' must be a number")
        }
        let value = isBoolean(n) ? (n.boolValue ? 1 : 0) : n.doubleValue
        guard value.isFinite else { throw .invalidSample(line: lineNumber, reason: "field 'value' must be finite") }
        return Sample(time: time, device: device, metric: metric, value: value,
                      application: try string("application", required: false),
                      deviceProfile: try string("deviceProfile", required: false))
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        // JSON booleans come back as NSNumber with the "c" (C char) objCType; integers are "i"/"q".
        String(cString: n.objCType) == "c"
    }
}

/// Parses RFC 3339 (`YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`) into epoch milliseconds, or nil.
/// Written by hand so that it is pure (no locale, no formatter state) and strict.
func parseRFC3339Millis(_ s: String) -> Int64? {
    let b = Array(s.utf8)
    var i = 0
    func digits(_ n: Int) -> Int? {
        guard i + n <= b.count else { return nil }
        var v = 0
        for k in 0..<n {
            let c = b[i + k]
            guard c >= 48, c <= 57 else { return nil }
            v = v * 10 + Int(c - 48)
        }
        i += n
        return v
    }
    func expect(_ c: UInt8...) -> Bool {
        guard i < b.count, c.contains(b[i]) else { return false }
        i += 1
        return true
    }
    guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2),
          expect(84, 116, 32), let hour = digits(2), expect(58), let minute = digits(2), expect(58),
          let second = digits(2) else { return nil }
    guard (1...12).contains(month), day >= 1, Int64(day) <= CivilCalendar.daysInMonth(year: Int64(year), month: Int64(month)),
          hour < 24, minute < 60, second < 61 else { return nil }
    var millis = 0
    if i < b.count, b[i] == 46 {
        i += 1
        var n = 0
        var scale = 100
        while i < b.count, b[i] >= 48, b[i] <= 57 {
            millis += Int(b[i] - 48) * scale
            scale /= 10
            n += 1
            i += 1
            if n > 9 { return nil }
        }
        if n == 0 { return nil }
    }
    var offsetMinutes = 0
    guard i < b.count else { return nil }
    if b[i] == 90 || b[i] == 122 {
        i += 1
    } else if b[i] == 43 || b[i] == 45 {
        let sign = b[i] == 45 ? -1 : 1
        i += 1
        guard let oh = digits(2), expect(58), let om = digits(2), oh < 24, om < 60 else { return nil }
        offsetMinutes = sign * (oh * 60 + om)
    } else {
        return nil
    }
    guard i == b.count else { return nil }
    let days = CivilCalendar.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
    let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59) - offsetMinutes * 60)
    let result = seconds * 1000 + Int64(millis)
    guard result >= 0, result <= Sample.maxTime else { return nil }
    return result
}

/// Formats epoch milliseconds as RFC 3339 UTC with millisecond precision (`2026-11-28T17:00:00.000Z`).
public func formatRFC3339Millis(_ t: Int64) -> String {
    let ms = Int(((t % 1000) + 1000) % 1000)
    let totalSeconds = Int((t - Int64(ms)) / 1000)
    var days = totalSeconds / 86_400
    var secs = totalSeconds % 86_400
    if secs < 0 { secs += 86_400; days -= 1 }
    let (y, m, d) = CivilCalendar.civilFromDays(Int64(days))
    func pad(_ v: some BinaryInteger, _ w: Int) -> String {
        let s = String(v)
        return s.count >= w ? s : String(repeating: "0", count: w - s.count) + s
    }
    return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2)).\(pad(ms, 3))Z"
}
