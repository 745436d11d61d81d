import Foundation
import HTTPAPI
public import LoRaWAN
public import Registry

/// Management operations behind the `lorikeet application|device-profile|device|gateway …`
/// commands: they open the registry file directly (WAL lets them run beside a live server).
public struct Management: Sendable {
    public let registry: SQLiteRegistry

    public init(dataDir: String) throws {
        let dir = try DataDirectory(path: dataDir)
        registry = try dir.openRegistry()
    }

    public init(registry: SQLiteRegistry) { self.registry = registry }

    /// Imports devices from a CSV or JSON file (by extension; anything else is tried as JSON).
    ///
    /// CSV: a header row naming the columns, any order: `dev_eui, application_id,
    /// device_profile_id` (required), `join_eui, app_key, nwk_key, name, dev_addr, nwk_s_key,
    /// app_s_key` (optional; the last three make an ABP device). JSON: an array of objects with
    /// the same fields in camelCase (`devEUI`, `applicationID`, `deviceProfileID`, `appKey`, …).
    /// All rows are validated before any is written; an error names the row and the field.
    /// - Returns: the number of devices imported.
    @discardableResult
    public func importDevices(path: String) async throws -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { throw ServerAppError.importFailed("cannot read \(path)") }
        let rows: [[String: String]]
        if path.lowercased().hasSuffix(".csv") {
            rows = try CSV.parse(String(decoding: data, as: UTF8.self))
        } else {
            guard let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw ServerAppError.importFailed("\(path): expected a JSON array of device objects")
            }
            rows = array.map { obj in
                var r: [String: String] = [:]
                for (k, v) in obj { r[CSV.snake(k)] = "\(v)" }
                return r
            }
        }
        var devices: [Device] = []
        for (i, row) in rows.enumerated() {
            do { devices.append(try Self.device(from: row)) } catch {
                throw ServerAppError.importFailed("\(path) row \(i + 1): \(error)")
            }
        }
        for (i, d) in devices.enumerated() {
            do { try await registry.createDevice(d) } catch {
                throw ServerAppError.importFailed("\(path) row \(i + 1) (\(d.devEUI)): \(error); \(i) imported before it")
            }
        }
        return devices.count
    }

    static func device(from row: [String: String]) throws -> Device {
        func field(_ name: String) -> String? { row[name].flatMap { $0.isEmpty ? nil : $0 } }
        func required(_ name: String) throws -> String {
            guard let v = field(name) else { throw ServerAppError.importFailed("missing \(name)") }
            return v
        }
        func key(_ name: String) throws -> AES128Key? {
            guard let v = field(name) else { return nil }
            do { return try AES128Key(hex: v) } catch { throw ServerAppError.importFailed("\(name): \(error.description)") }
        }
        func eui(_ name: String) throws -> EUI64? {
            guard let v = field(name) else { return nil }
            do { return try EUI64(hex: v) } catch { throw ServerAppError.importFailed("\(name): \(error.description)") }
        }
        guard let devEUI = try eui("dev_eui") else { throw ServerAppError.importFailed("missing dev_eui") }
        var abp: ABPSettings?
        if let addr = field("dev_addr") {
            let devAddr: DevAddr
            do { devAddr = try DevAddr(hex: addr) } catch { throw ServerAppError.importFailed("dev_addr: \(error.description)") }
            guard let nwk = try key("nwk_s_key") ?? key("nwk_skey"), let app = try key("app_s_key") ?? key("app_skey") else {
                throw ServerAppError.importFailed("an ABP device needs nwk_s_key and app_s_key")
            }
            abp = ABPSettings(devAddr: devAddr, keys: SessionKeys(nwkSKey: nwk, appSKey: app))
        }
        return Device(devEUI: devEUI, joinEUI: try eui("join_eui") ?? EUI64(0), name: field("name") ?? "",
                      applicationID: try required("application_id"), deviceProfileID: try required("device_profile_id"),
                      appKey: try key("app_key"), nwkKey: try key("nwk_key"), abp: abp)
    }
}

/// A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF).
enum CSV {
    static func parse(_ text: String) throws -> [[String: String]] {
        var records: [[String]] = []
        var field = ""
        var record: [String] = []
        var quoted = false
        var chars = Array(text.unicodeScalars)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.unicodeScalars.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": record.append(field); field = ""
            case "\n":
                record.append(field); field = ""
                records.append(record); record = []
            case "\r": continue
            default: field.unicodeScalars.append(c)
            }
        }
        if quoted { throw ServerAppError.importFailed("unterminated quoted field") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        records.removeAll { $0.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
        guard let header = records.first else { throw ServerAppError.importFailed("empty CSV") }
        let names = header.map { snake($0.trimmingCharacters(in: .whitespaces)) }
        return try records.dropFirst().enumerated().map { (i, r) in
            guard r.count == names.count else {
                throw ServerAppError.importFailed("line \(i + 2) has \(r.count) fields, the header \(names.count)")
            }
            var out: [String: String] = [:]
            for (n, v) in zip(names, r) { out[n] = v.trimmingCharacters(in: .whitespaces) }
            return out
        }
    }

    /// `devEUI` → `dev_eui`, `applicationID` → `application_id`, `dev-eui` → `dev_eui`.
    static func snake(_ s: String) -> String {
        var out = ""
        var prevLower = false
        for ch in s {
            if ch == "-" || ch == " " { out.append("_"); prevLower = false; continue }
            if ch.isUppercase {
                if prevLower { out.append("_") }
                out.append(Character(ch.lowercased()))
                prevLower = false
            } else {
                out.append(ch)
                prevLower = ch.isLowercase || ch.isNumber
            }
        }
        return out
    }
}

extension Management {
    /// The merged OpenAPI 3.1 document (what `GET /api/openapi.json` serves), for `lorikeet openapi`.
    public static func openAPIDocument() throws -> [UInt8] {
        Array(try OpenAPIDocument.merged().data)
    }
}
