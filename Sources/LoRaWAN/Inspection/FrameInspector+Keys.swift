extension FrameInspector {
    /// Derives the session keys of a join (the logic of `lorikeet frame keys`).
    ///
    /// LoRaWAN 1.0.x uses AppKey, AppNonce (`joinNonce`), NetID and DevNonce. LoRaWAN 1.1 uses
    /// NwkKey (defaults to `appKey` when absent, as for a device provisioned with one root key)
    /// and AppKey with JoinNonce, JoinEUI and DevNonce; NetID is not an input there. With a DevEUI,
    /// 1.1 also yields JSIntKey and JSEncKey.
    /// - Throws: `missingKey` when 1.1 lacks the JoinEUI; `invalidField` for a JoinNonce over 24 bits.
    public static func deriveKeys(version: MACVersion, appKey: AES128Key, nwkKey: AES128Key?, joinNonce: UInt32,
                                  netID: NetID, devNonce: UInt16, joinEUI: EUI64?, devEUI: EUI64?) throws(LoRaWANError) -> DerivedKeysReport {
        switch version {
        case .lorawan1_0:
            let k = try SessionKeys.derive10(appKey: appKey, joinNonce: joinNonce, netID: netID, devNonce: devNonce)
            return DerivedKeysReport(macVersion: version.rawValue, nwkSKey: k.nwkSKey.hexString, appSKey: k.appSKey.hexString)
        case .lorawan1_1:
            guard let joinEUI else { throw .missingKey("--join-eui (LoRaWAN 1.1 derives keys from the JoinEUI)") }
            let root = nwkKey ?? appKey
            let k = try SessionKeys.derive11(nwkKey: root, appKey: appKey, joinNonce: joinNonce, joinEUI: joinEUI, devNonce: devNonce)
            var report = DerivedKeysReport(macVersion: version.rawValue, fNwkSIntKey: k.fNwkSIntKey.hexString,
                                           sNwkSIntKey: k.sNwkSIntKey.hexString, nwkSEncKey: k.nwkSEncKey.hexString,
                                           appSKey: k.appSKey.hexString)
            if let devEUI {
                let js = try JoinServerKeys.derive(nwkKey: root, devEUI: devEUI)
                report.jsIntKey = js.jsIntKey.hexString
                report.jsEncKey = js.jsEncKey.hexString
            }
            return report
        }
    }
}
