public import LoRaWAN

/// A device as lists show it: identity, references and whether its keys are set — never the
/// keys themselves.
///
/// ``SQLiteRegistry`` answers summaries from indexed columns and flags read out of the stored
/// record with SQL (`json_extract(body, '$.appKey') IS NOT NULL`), so listing devices neither
/// decodes whole records nor unwraps a single key (the key-encryption key is not touched).
public struct DeviceSummary: Sendable, Hashable {
    public var devEUI: EUI64
    public var joinEUI: EUI64
    public var name: String
    public var applicationID: String
    public var deviceProfileID: String
    public var disabled: Bool
    /// Whether a root key (AppKey) is set.
    public var hasAppKey: Bool
    /// Whether a 1.1 network root key (NwkKey) is set.
    public var hasNwkKey: Bool
    /// The DevAddr of the device's ABP session; nil for OTAA devices.
    public var abpDevAddr: DevAddr?

    public init(devEUI: EUI64, joinEUI: EUI64, name: String, applicationID: String, deviceProfileID: String, disabled: Bool,
                hasAppKey: Bool, hasNwkKey: Bool, abpDevAddr: DevAddr?) {
        self.devEUI = devEUI; self.joinEUI = joinEUI; self.name = name; self.applicationID = applicationID
        self.deviceProfileID = deviceProfileID; self.disabled = disabled; self.hasAppKey = hasAppKey; self.hasNwkKey = hasNwkKey
        self.abpDevAddr = abpDevAddr
    }

    /// The summary of a whole record.
    public init(_ d: Device) {
        self.init(devEUI: d.devEUI, joinEUI: d.joinEUI, name: d.name, applicationID: d.applicationID, deviceProfileID: d.deviceProfileID,
                  disabled: d.disabled, hasAppKey: d.appKey != nil, hasNwkKey: d.nwkKey != nil, abpDevAddr: d.abp?.devAddr)
    }
}
