import LoRaWAN
import SQLite

extension SQLiteRegistry: DeviceSummaryStore {
    /// Flags are read from the stored record by SQLite's JSON functions: a sealed key is the text
    /// `kw1:…`, an absent one is omitted from the record, so `IS NOT NULL` tells whether a key is
    /// set without opening it. `json_valid` first, so a corrupt record is reported by DevEUI
    /// instead of failing the whole page with SQLite's "malformed JSON".
    static let summarySQL = """
        SELECT dev_eui, join_eui, name, application_id, device_profile_id, json_valid(body),
          CASE WHEN json_valid(body) THEN json_extract(body, '$.disabled') END,
          CASE WHEN json_valid(body) THEN json_extract(body, '$.appKey') IS NOT NULL END,
          CASE WHEN json_valid(body) THEN json_extract(body, '$.nwkKey') IS NOT NULL END,
          CASE WHEN json_valid(body) THEN json_extract(body, '$.abp.devAddr') END
        FROM devices
        """

    public func deviceSummaries(applicationID: String?, limit: Int, offset: Int) async throws -> Page<DeviceSummary> {
        try locked {
            let filter: [Value] = applicationID.map { [.text($0)] } ?? []
            let whereClause = applicationID == nil ? "" : " WHERE application_id = ?"
            let total = Self.int(try statement("SELECT COUNT(*) FROM devices" + whereClause).rows(filter).first ?? [], 0)
            let s = try statement(Self.summarySQL + whereClause + " ORDER BY dev_eui LIMIT ? OFFSET ?")
            defer { s.reset() }
            s.bind(filter + [.integer(Int64(limit)), .integer(Int64(offset))])
            var items: [DeviceSummary] = []
            items.reserveCapacity(min(max(limit, 0), 1000))
            while try s.step() {
                let id = s.string(0) ?? ""
                guard s.int64(5) == 1 else { throw RegistryError.corruptRecord(kind: "device", id: id, reason: "body is not JSON") }
                do {
                    let abp: DevAddr? = s.isNull(9) ? nil : try DevAddr(hex: s.string(9) ?? "")
                    items.append(DeviceSummary(devEUI: try Self.storedEUI(id), joinEUI: try Self.storedEUI(s.string(1) ?? ""), name: s.string(2) ?? "",
                                               applicationID: s.string(3) ?? "", deviceProfileID: s.string(4) ?? "",
                                               disabled: s.int64(6) != 0, hasAppKey: s.int64(7) != 0, hasNwkKey: s.int64(8) != 0,
                                               abpDevAddr: abp))
                } catch {
                    throw RegistryError.corruptRecord(kind: "device", id: id, reason: "\(error)")
                }
            }
            return Page(items: items, total: Int(total))
        }
    }

    /// An EUI as the registry stores it (16 hex digits, written by `EUI64.description`), parsed
    /// without the general parser's allocations; anything else goes through `EUI64(hex:)`, which
    /// accepts what it accepts and explains what it refuses.
    static func storedEUI(_ text: String) throws -> EUI64 {
        var value: UInt64 = 0
        var count = 0
        for c in text.utf8 {
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c &- UInt8(ascii: "A") &+ 10
            default: return try EUI64(hex: text)
            }
            count += 1
            guard count <= 16 else { return try EUI64(hex: text) }
            value = value << 4 | UInt64(digit)
        }
        guard count == 16 else { return try EUI64(hex: text) }
        return EUI64(value)
    }
}
