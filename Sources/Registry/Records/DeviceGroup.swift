public import LoRaWAN

/// A named set of devices of one application (for bulk downlinks, dashboards, rules).
public struct DeviceGroup: Codable, Sendable, Hashable {
    /// Stable identifier (letters, digits, `-`, `_`).
    public var id: String
    public var applicationID: String
    public var name: String
    public var description: String
    /// Member devices, ordered by DevEUI.
    public var devices: [EUI64]

    public init(id: String, applicationID: String, name: String, description: String = "", devices: [EUI64] = []) {
        self.id = id; self.applicationID = applicationID; self.name = name; self.description = description; self.devices = devices
    }
}

/// One page of a list and the number of items in the whole list.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
    public init(items: [Item], total: Int) { self.items = items; self.total = total }
}
