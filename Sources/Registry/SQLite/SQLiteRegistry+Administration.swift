import Foundation
public import LoRaWAN
import SQLite

extension SQLiteRegistry: AdministrationStore {
    // MARK: Updates

    public func updateApplication(_ a: Application) async throws {
        try locked {
            try statement("UPDATE applications SET name = ?, description = ? WHERE id = ?").run([.text(a.name), .text(a.description), .text(a.id)])
            guard connection.changes > 0 else { throw RegistryError.notFound(kind: "application", id: a.id) }
        }
    }

    public func updateDeviceProfile(_ p: DeviceProfile) async throws {
        try p.validate()
        try locked {
            try statement("UPDATE device_profiles SET name = ?, region = ?, mac_version = ?, body = ? WHERE id = ?")
                .run([.text(p.name), .text(p.region), .text(p.macVersion), .text(try json(p)), .text(p.id)])
            guard connection.changes > 0 else { throw RegistryError.notFound(kind: "device_profile", id: p.id) }
        }
    }

    public func createGateway(_ g: Gateway) async throws {
        try locked {
            try insert(kind: "gateway", id: g.gatewayEUI.description,
                       "INSERT INTO gateways(gateway_eui, name, latitude, longitude, altitude, last_seen) VALUES (?, ?, ?, ?, ?, ?)",
                       [.text(g.gatewayEUI.description), .text(g.name), Self.real(g.location?.latitude), Self.real(g.location?.longitude),
                        Self.real(g.location?.altitude), g.lastSeenMillis.map { .integer($0) } ?? .null])
        }
    }

    public func devices(applicationID: String?, limit: Int, offset: Int) async throws -> Page<Device> {
        try locked {
            let filter: [Value] = applicationID.map { [.text($0)] } ?? []
            let whereClause = applicationID == nil ? "" : " WHERE application_id = ?"
            let total = Self.int(try statement("SELECT COUNT(*) FROM devices" + whereClause).rows(filter).first ?? [], 0)
            let rows = try statement("SELECT dev_eui, body FROM devices\(whereClause) ORDER BY dev_eui LIMIT ? OFFSET ?")
                .rows(filter + [.integer(Int64(limit)), .integer(Int64(offset))])
            let items = try rows.map { r in try decode(Device.self, Self.text(r, 1), kind: "device", id: Self.text(r, 0)) }
            return Page(items: items, total: Int(total))
        }
    }

    // MARK: Device groups

    public func createDeviceGroup(_ g: DeviceGroup) async throws {
        guard Self.isValidID(g.id) else { throw RegistryError.invalidValue(field: "device group id", reason: "use letters, digits, '-' or '_' (1–64)") }
        try locked {
            guard try exists("SELECT 1 FROM applications WHERE id = ?", [.text(g.applicationID)]) else {
                throw RegistryError.invalidReference(kind: "application", id: g.applicationID)
            }
            try connection.transaction {
                try insert(kind: "device_group", id: g.id, "INSERT INTO device_groups(id, application_id, name, description) VALUES (?, ?, ?, ?)",
                           [.text(g.id), .text(g.applicationID), .text(g.name), .text(g.description)])
                for eui in g.devices { try addMember(groupID: g.id, applicationID: g.applicationID, devEUI: eui) }
            }
        }
    }

    private func addMember(groupID: String, applicationID: String, devEUI: EUI64) throws {
        let rows = try statement("SELECT application_id FROM devices WHERE dev_eui = ?").rows([.text(devEUI.description)])
        guard let row = rows.first else { throw RegistryError.invalidReference(kind: "device", id: devEUI.description) }
        guard Self.text(row, 0) == applicationID else {
            throw RegistryError.invalidValue(field: "devEUI", reason: "device \(devEUI) belongs to another application than group \(groupID)")
        }
        try statement("INSERT OR IGNORE INTO device_group_members(group_id, dev_eui) VALUES (?, ?)").run([.text(groupID), .text(devEUI.description)])
    }

    private func groupRow(_ r: [Value]) throws -> DeviceGroup {
        let id = Self.text(r, 0)
        let members = try statement("SELECT dev_eui FROM device_group_members WHERE group_id = ? ORDER BY dev_eui").rows([.text(id)])
            .compactMap { try? EUI64(hex: Self.text($0, 0)) }
        return DeviceGroup(id: id, applicationID: Self.text(r, 1), name: Self.text(r, 2), description: Self.text(r, 3), devices: members)
    }

    public func deviceGroup(id: String) async throws -> DeviceGroup? {
        try locked {
            try statement("SELECT id, application_id, name, description FROM device_groups WHERE id = ?").rows([.text(id)]).first.map(groupRow)
        }
    }

    public func deviceGroups(applicationID: String?, limit: Int, offset: Int) async throws -> Page<DeviceGroup> {
        try locked {
            let filter: [Value] = applicationID.map { [.text($0)] } ?? []
            let whereClause = applicationID == nil ? "" : " WHERE application_id = ?"
            let total = Self.int(try statement("SELECT COUNT(*) FROM device_groups" + whereClause).rows(filter).first ?? [], 0)
            let rows = try statement("SELECT id, application_id, name, description FROM device_groups\(whereClause) ORDER BY id LIMIT ? OFFSET ?")
                .rows(filter + [.integer(Int64(limit)), .integer(Int64(offset))])
            return Page(items: try rows.map(groupRow), total: Int(total))
        }
    }

    public func updateDeviceGroup(_ g: DeviceGroup) async throws {
        try locked {
            try statement("UPDATE device_groups SET name = ?, description = ? WHERE id = ?").run([.text(g.name), .text(g.description), .text(g.id)])
            guard connection.changes > 0 else { throw RegistryError.notFound(kind: "device_group", id: g.id) }
        }
    }

    public func deleteDeviceGroup(id: String) async throws {
        try locked { try deleteOne(kind: "device_group", id: id, "DELETE FROM device_groups WHERE id = ?", [.text(id)]) }
    }

    public func addDeviceGroupMember(groupID: String, devEUI: EUI64) async throws {
        try locked {
            guard let row = try statement("SELECT application_id FROM device_groups WHERE id = ?").rows([.text(groupID)]).first else {
                throw RegistryError.notFound(kind: "device_group", id: groupID)
            }
            try addMember(groupID: groupID, applicationID: Self.text(row, 0), devEUI: devEUI)
        }
    }

    public func removeDeviceGroupMember(groupID: String, devEUI: EUI64) async throws {
        try locked {
            try deleteOne(kind: "device_group_member", id: "\(groupID)/\(devEUI)", "DELETE FROM device_group_members WHERE group_id = ? AND dev_eui = ?",
                          [.text(groupID), .text(devEUI.description)])
        }
    }

    // MARK: API keys

    public func createAPIKey(name: String, role: APIKeyRole, applicationID: String?, nowMillis: Int64) async throws -> (key: APIKey, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 128, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw RegistryError.invalidValue(field: "name", reason: "1–128 characters without control characters")
        }
        guard trimmed != "admin" else { throw RegistryError.invalidValue(field: "name", reason: "'admin' is the data directory's admin key") }
        switch (role, applicationID) {
        case (.application, nil): throw RegistryError.invalidValue(field: "applicationID", reason: "an application key needs one")
        case (.admin, .some), (.analyst, .some): throw RegistryError.invalidValue(field: "applicationID", reason: "only application keys are scoped to an application")
        default: break
        }
        let key = APIKey(id: APIKey.newID(), name: trimmed, role: role, applicationID: applicationID, createdAtMillis: nowMillis)
        let secret = APIKey.newSecret()
        try locked {
            if let app = applicationID, try !exists("SELECT 1 FROM applications WHERE id = ?", [.text(app)]) {
                throw RegistryError.invalidReference(kind: "application", id: app)
            }
            guard try !exists("SELECT 1 FROM api_keys WHERE name = ? OR id = ?", [.text(trimmed), .text(trimmed)]) else {
                throw RegistryError.alreadyExists(kind: "api_key", id: trimmed)
            }
            try insert(kind: "api_key", id: key.id,
                       "INSERT INTO api_keys(id, name, role, application_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       [.text(key.id), .text(key.name), .text(role.rawValue), applicationID.map { .text($0) } ?? .null,
                        .text(APIKey.hash(secret: secret)), .integer(nowMillis)])
        }
        return (key, secret)
    }

    private static let keyColumns = "id, name, role, application_id, created_at, secret_hash"

    private func keyRow(_ r: [Value]) throws -> APIKey {
        guard let role = APIKeyRole(rawValue: Self.text(r, 2)) else {
            throw RegistryError.corruptRecord(kind: "api_key", id: Self.text(r, 0), reason: "unknown role")
        }
        var app: String?
        if case let .text(a) = r[3] { app = a }
        return APIKey(id: Self.text(r, 0), name: Self.text(r, 1), role: role, applicationID: app, createdAtMillis: Self.int(r, 4))
    }

    public func apiKeys() async throws -> [APIKey] {
        try locked { try statement("SELECT \(Self.keyColumns) FROM api_keys ORDER BY created_at, id").rows().map(keyRow) }
    }

    public func apiKey(idOrName: String) async throws -> APIKey? {
        try locked {
            try statement("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1")
                .rows([.text(idOrName)]).first.map(keyRow)
        }
    }

    public func deleteAPIKey(id: String) async throws {
        try locked { try deleteOne(kind: "api_key", id: id, "DELETE FROM api_keys WHERE id = ?", [.text(id)]) }
    }

    public func apiKey(secret: String) async throws -> APIKey? {
        let hash = APIKey.hash(secret: secret)
        return try locked { try statement("SELECT \(Self.keyColumns) FROM api_keys WHERE secret_hash = ?").rows([.text(hash)]).first.map(keyRow) }
    }

    public func verifyAPIKey(idOrName: String, secret: String) async throws -> APIKey? {
        let hash = APIKey.hash(secret: secret)
        return try locked {
            guard let row = try statement("SELECT \(Self.keyColumns) FROM api_keys WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1")
                .rows([.text(idOrName)]).first else { return nil }
            guard APIKey.constantTimeEqual(Array(Self.text(row, 5).utf8), Array(hash.utf8)) else { return nil }
            return try keyRow(row)
        }
    }
}
