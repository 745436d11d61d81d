public import LoRaWAN

/// What the HTTP API and the management commands need beyond ``RegistryStore``: updates,
/// paged device lists, device groups and API keys.
public protocol AdministrationStore: RegistryStore {
    func updateApplication(_ application: Application) async throws
    func updateDeviceProfile(_ profile: DeviceProfile) async throws
    /// Creates a gateway; `alreadyExists` when it is registered (``RegistryStore/upsertGateway(_:)`` replaces).
    func createGateway(_ gateway: Gateway) async throws
    /// A page of devices ordered by DevEUI, optionally of one application.
    func devices(applicationID: String?, limit: Int, offset: Int) async throws -> Page<Device>

    func createDeviceGroup(_ group: DeviceGroup) async throws
    func deviceGroup(id: String) async throws -> DeviceGroup?
    func deviceGroups(applicationID: String?, limit: Int, offset: Int) async throws -> Page<DeviceGroup>
    /// Updates name and description (members change through add/remove).
    func updateDeviceGroup(_ group: DeviceGroup) async throws
    func deleteDeviceGroup(id: String) async throws
    /// Adds a device of the group's application; `invalidValue` for a device of another one.
    func addDeviceGroupMember(groupID: String, devEUI: EUI64) async throws
    func removeDeviceGroupMember(groupID: String, devEUI: EUI64) async throws

    /// Creates a key and returns it with its secret (the only time the secret is available).
    func createAPIKey(name: String, role: APIKeyRole, applicationID: String?, nowMillis: Int64) async throws -> (key: APIKey, secret: String)
    func apiKeys() async throws -> [APIKey]
    /// A key by id or, failing that, by name.
    func apiKey(idOrName: String) async throws -> APIKey?
    func deleteAPIKey(id: String) async throws
    /// The key whose secret this is, or nil.
    func apiKey(secret: String) async throws -> APIKey?
    /// The key named `idOrName` if `secret` is its secret (MQTT user name + password), else nil.
    func verifyAPIKey(idOrName: String, secret: String) async throws -> APIKey?
}
