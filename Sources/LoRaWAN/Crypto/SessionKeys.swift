/// Session keys derived at join time (LoRaWAN 1.0.4 §6.2.5, 1.1 §6.3.1.4 and §6.3.1.5).
///
/// In LoRaWAN 1.0.x there are two keys, NwkSKey and AppSKey; a 1.0 device in a 1.1 network uses
/// NwkSKey as FNwkSIntKey, SNwkSIntKey and NwkSEncKey alike. Key material is redacted from
/// `description` (see `AES128Key`).
public struct SessionKeys: Hashable, Sendable, Codable {
    public var fNwkSIntKey: AES128Key
    public var sNwkSIntKey: AES128Key
    public var nwkSEncKey: AES128Key
    public var appSKey: AES128Key

    public init(fNwkSIntKey: AES128Key, sNwkSIntKey: AES128Key, nwkSEncKey: AES128Key, appSKey: AES128Key) {
        self.fNwkSIntKey = fNwkSIntKey
        self.sNwkSIntKey = sNwkSIntKey
        self.nwkSEncKey = nwkSEncKey
        self.appSKey = appSKey
    }

    /// A LoRaWAN 1.0.x session: one NwkSKey in all three network roles.
    public init(nwkSKey: AES128Key, appSKey: AES128Key) {
        self.init(fNwkSIntKey: nwkSKey, sNwkSIntKey: nwkSKey, nwkSEncKey: nwkSKey, appSKey: appSKey)
    }

    /// LoRaWAN 1.0.x NwkSKey (same key as `fNwkSIntKey`).
    public var nwkSKey: AES128Key { fNwkSIntKey }

    /// LoRaWAN 1.0.4 §6.2.5:
    /// `NwkSKey = aes128_encrypt(AppKey, 0x01 | AppNonce | NetID | DevNonce | pad16)`,
    /// `AppSKey = aes128_encrypt(AppKey, 0x02 | AppNonce | NetID | DevNonce | pad16)`,
    /// multi-byte fields little-endian. `joinNonce` is the 1.0 AppNonce (24 bits).
    public static func derive10(appKey: AES128Key, joinNonce: UInt32, netID: NetID, devNonce: UInt16) throws(LoRaWANError) -> SessionKeys {
        guard joinNonce <= 0xFF_FFFF else { throw .invalidField(name: "JoinNonce", reason: "\(joinNonce) does not fit in 24 bits") }
        let aes = try AESContext(key: appKey)
        var tail: [UInt8] = []
        tail.appendLE(UInt64(joinNonce), 3)
        tail.appendLE(UInt64(netID.rawValue), 3)
        tail.appendLE(UInt64(devNonce), 2)
        return SessionKeys(nwkSKey: try derive(aes, 0x01, tail), appSKey: try derive(aes, 0x02, tail))
    }

    /// LoRaWAN 1.1 §6.3.1.4 (OptNeg set):
    /// `FNwkSIntKey = aes128_encrypt(NwkKey, 0x01 | JoinNonce | JoinEUI | DevNonce | pad16)`,
    /// `SNwkSIntKey` with 0x03, `NwkSEncKey` with 0x04 (all under NwkKey), and
    /// `AppSKey = aes128_encrypt(AppKey, 0x02 | JoinNonce | JoinEUI | DevNonce | pad16)`.
    public static func derive11(nwkKey: AES128Key, appKey: AES128Key, joinNonce: UInt32, joinEUI: EUI64,
                                devNonce: UInt16) throws(LoRaWANError) -> SessionKeys {
        guard joinNonce <= 0xFF_FFFF else { throw .invalidField(name: "JoinNonce", reason: "\(joinNonce) does not fit in 24 bits") }
        let nwk = try AESContext(key: nwkKey)
        let app = try AESContext(key: appKey)
        var tail: [UInt8] = []
        tail.appendLE(UInt64(joinNonce), 3)
        tail.appendLE(joinEUI.rawValue, 8)
        tail.appendLE(UInt64(devNonce), 2)
        return SessionKeys(fNwkSIntKey: try derive(nwk, 0x01, tail), sNwkSIntKey: try derive(nwk, 0x03, tail),
                           nwkSEncKey: try derive(nwk, 0x04, tail), appSKey: try derive(app, 0x02, tail))
    }

    static func derive(_ aes: AESContext, _ prefix: UInt8, _ tail: [UInt8]) throws(LoRaWANError) -> AES128Key {
        var block = [prefix] + tail
        block += [UInt8](repeating: 0, count: 16 - block.count)
        return try AES128Key(bytes: aes.encrypt(block: block))
    }
}

/// The join-server lifetime keys of a LoRaWAN 1.1 device (1.1 §6.3.1.5), derived from NwkKey
/// and DevEUI: `JSIntKey = aes128_encrypt(NwkKey, 0x06 | DevEUI | pad16)` (join-accept MIC for
/// rejoins, rejoin type 1 MIC), `JSEncKey = aes128_encrypt(NwkKey, 0x05 | DevEUI | pad16)`
/// (encrypts join-accepts answering a rejoin-request).
public struct JoinServerKeys: Hashable, Sendable, Codable {
    public var jsIntKey: AES128Key
    public var jsEncKey: AES128Key

    public init(jsIntKey: AES128Key, jsEncKey: AES128Key) {
        self.jsIntKey = jsIntKey
        self.jsEncKey = jsEncKey
    }

    /// Derives both keys.
    public static func derive(nwkKey: AES128Key, devEUI: EUI64) throws(LoRaWANError) -> JoinServerKeys {
        let aes = try AESContext(key: nwkKey)
        var tail: [UInt8] = []
        tail.appendLE(devEUI.rawValue, 8)
        return JoinServerKeys(jsIntKey: try SessionKeys.derive(aes, 0x06, tail),
                              jsEncKey: try SessionKeys.derive(aes, 0x05, tail))
    }
}
