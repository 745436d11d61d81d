import TextPrimitives

/// The `up` event's JSON written by hand: it is produced once per uplink and Foundation's
/// `JSONEncoder` cost more than the whole network-server pipeline of the uplink.
///
/// The output is byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]`
/// writes (keys in UTF-8 byte order, absent optionals omitted, integral doubles without ".0",
/// the same string escapes); `UplinkEventJSONTests` compares the two on generated events, including
/// names with quotes, control characters and non-ASCII text. A non-finite double (which the
/// encoder refuses) returns nil and the caller falls back to the encoder.
extension UplinkEvent {
    func jsonBytes() -> [UInt8]? {
        var w = JSONText()
        w.out.reserveCapacity(640)
        return write(to: &w, object: nil) ? w.out : nil
    }

    /// Appends the event's JSON to `w.out`; with `object` (compact JSON text), `"object":<object>`
    /// comes first (where the event pipeline has always put a codec's decoded object). Returns
    /// false (with `w.out` partly written) when a value cannot be written as `JSONEncoder` would.
    func write(to w: inout JSONText, object: [UInt8]?) -> Bool {
        if let object {
            w.raw("{\"object\":"); w.out.append(contentsOf: object)
            w.raw(",\"adr\":")
        } else {
            w.raw("{\"adr\":")
        }
        w.bool(adr)
        w.raw(",\"confirmed\":"); w.bool(confirmed)
        if let data { w.raw(",\"data\":"); w.string(data) }
        w.raw(",\"deduplicationId\":"); w.string(deduplicationId)
        w.raw(",\"devAddr\":"); w.string(devAddr)
        w.raw(",\"deviceInfo\":"); deviceInfo.write(to: &w)
        w.raw(",\"dr\":"); w.int(dr)
        w.raw(",\"fCnt\":"); w.int(fCnt)
        if let fPort { w.raw(",\"fPort\":"); w.int(fPort) }
        w.raw(",\"rxInfo\":[")
        for (i, rx) in rxInfo.enumerated() {
            if i > 0 { w.raw(",") }
            guard rx.write(to: &w) else { return false }
        }
        w.raw("],\"time\":"); w.string(time)
        w.raw(",\"txInfo\":{\"frequency\":"); w.int(txInfo.frequency)
        w.raw(",\"modulation\":{")
        if let fsk = txInfo.modulation.fsk {
            w.raw("\"fsk\":{\"datarate\":"); w.int(fsk.datarate)
            w.raw(",\"frequencyDeviation\":"); w.int(fsk.frequencyDeviation); w.raw("}")
            if txInfo.modulation.lora != nil { w.raw(",") }
        }
        if let lora = txInfo.modulation.lora {
            w.raw("\"lora\":{\"bandwidth\":"); w.int(lora.bandwidth)
            w.raw(",\"codeRate\":"); w.string(lora.codeRate)
            w.raw(",\"spreadingFactor\":"); w.int(lora.spreadingFactor); w.raw("}")
        }
        w.raw("}}}")
        return !w.failed
    }
}

extension NetworkServerEvent {
    /// Appends the event's JSON — the bytes ``jsonData()`` returns — to `out`, reusing its
    /// capacity (the event pipeline encodes a whole batch through one scratch buffer).
    ///
    /// With `object` (the compact JSON text of a codec's decoded object) an `up` event gets
    /// `"object":<object>` as its first member, the shape published on MQTT; other event types
    /// have no decoded object and ignore it.
    public func appendJSON(to out: inout [UInt8], object: [UInt8]? = nil) {
        let start = out.count
        if case let .up(e) = self {
            var w = JSONText()
            swap(&w.out, &out)
            let written = e.write(to: &w, object: object)
            swap(&w.out, &out)
            if written { return }
            out.removeSubrange(start...)
        }
        let data = encodedWithFoundation()
        if case .up = self, let object, data.first == UInt8(ascii: "{") {
            out.append(contentsOf: #"{"object":"#.utf8)
            out.append(contentsOf: object)
            if data.count > 2 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: data.dropFirst())
        } else {
            out.append(contentsOf: data)
        }
    }
}

extension DeviceInfo {
    func write(to w: inout JSONText) {
        w.raw("{\"applicationId\":"); w.string(applicationId)
        w.raw(",\"applicationName\":"); w.string(applicationName)
        w.raw(",\"devEui\":"); w.string(devEui)
        w.raw(",\"deviceClassEnabled\":"); w.string(deviceClassEnabled)
        w.raw(",\"deviceName\":"); w.string(deviceName)
        w.raw(",\"deviceProfileId\":"); w.string(deviceProfileId)
        w.raw(",\"deviceProfileName\":"); w.string(deviceProfileName)
        w.raw(",\"tags\":{")
        for (i, key) in tags.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { w.raw(",") }
            w.string(key); w.raw(":"); w.string(tags[key] ?? "")
        }
        w.raw("},\"tenantId\":"); w.string(tenantId)
        w.raw(",\"tenantName\":"); w.string(tenantName)
        w.raw("}")
    }
}

extension EventRxInfo {
    func write(to w: inout JSONText) -> Bool {
        w.raw("{\"antenna\":"); w.int(antenna)
        w.raw(",\"board\":"); w.int(board)
        w.raw(",\"channel\":"); w.int(channel)
        w.raw(",\"context\":"); w.string(context)
        w.raw(",\"crcStatus\":"); w.string(crcStatus)
        w.raw(",\"gatewayId\":"); w.string(gatewayId)
        if let location {
            w.raw(",\"location\":{\"altitude\":"); w.double(location.altitude)
            w.raw(",\"latitude\":"); w.double(location.latitude)
            w.raw(",\"longitude\":"); w.double(location.longitude); w.raw("}")
        }
        w.raw(",\"rfChain\":"); w.int(rfChain)
        w.raw(",\"rssi\":"); w.int(rssi)
        w.raw(",\"snr\":"); w.double(snr)
        if let time { w.raw(",\"time\":"); w.string(time) }
        w.raw(",\"uplinkId\":"); w.int(uplinkId)
        w.raw("}")
        return !w.failed
    }
}

/// A minimal JSON writer with `JSONEncoder`'s number and string formatting.
struct JSONText {
    var out: [UInt8] = []
    /// Set when a value cannot be written as `JSONEncoder` would (a non-finite double).
    var failed = false

    mutating func raw(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }

    mutating func int(_ v: some BinaryInteger) {
        guard let n = Int64(exactly: v) else { out.append(contentsOf: String(v).utf8); return }
        if n < 0 { out.append(UInt8(ascii: "-")) }
        var m = n.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(truncatingIfNeeded: 0x30 &+ m % 10)
                m /= 10
                count += 1
            } while m > 0
            out.append(contentsOf: d[(20 - count)...])
        }
    }

    mutating func double(_ d: Double) {
        guard d.isFinite else { failed = true; return }
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        out.append(contentsOf: s.utf8)
    }

    /// A JSON string, escaped as `JSONEncoder` escapes it. Runs of bytes that need no escape
    /// (nearly every string here) are copied whole.
    mutating func string(_ s: String) {
        JSONEscaping.appendQuoted(s, to: &out)
    }
}
