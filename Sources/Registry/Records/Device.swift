public import LoRaWAN

/// A provisioned end device: its identity, keys (OTAA) or fixed session (ABP).
public struct Device: Codable, Sendable, Hashable {
    public var devEUI: EUI64
    public var joinEUI: EUI64
    public var name: String
    public var applicationID: String
    public var deviceProfileID: String
    /// Root key (1.0.x: the only one; 1.1: the application root key).
    public var appKey: AES128Key?
    /// 1.1 network root key; for 1.0.x leave nil (AppKey is used).
    public var nwkKey: AES128Key?
    /// An ABP session, for devices that do not join.
    public var abp: ABPSettings?
    /// Disabled devices' frames are dropped.
    public var disabled: Bool

    public init(devEUI: EUI64, joinEUI: EUI64 = EUI64(0), name: String = "", applicationID: String, deviceProfileID: String,
                appKey: AES128Key? = nil, nwkKey: AES128Key? = nil, abp: ABPSettings? = nil, disabled: Bool = false) {
        self.devEUI = devEUI; self.joinEUI = joinEUI; self.name = name; self.applicationID = applicationID
        self.deviceProfileID = deviceProfileID; self.appKey = appKey; self.nwkKey = nwkKey; self.abp = abp; self.disabled = disabled
    }
}

/// The fixed session of an ABP device.
public struct ABPSettings: Codable, Sendable, Hashable {
    public var devAddr: DevAddr
    /// 1.0.x: NwkSKey (all three network keys equal); 1.1: FNwkSIntKey, SNwkSIntKey, NwkSEncKey.
    public var keys: SessionKeys

    public init(devAddr: DevAddr, keys: SessionKeys) {
        self.devAddr = devAddr
        self.keys = keys
    }
}
