/// What `FrameInspector` found in a frame: every header field, decrypted parts where keys were
/// given, and whether the MIC verifies. Encodes to the JSON printed by `lorikeet frame decode`;
/// absent fields are omitted. Byte strings are lower-case hex; EUIs, DevAddr and NetID are
/// written most significant byte first, as on labels.
public struct FrameReport: Encodable, Sendable, Equatable {
    public var phyPayload: String
    public var mType: String
    public var major: Int
    public var macVersion: String
    /// The MIC as carried (for a join-accept: after decryption).
    public var mic: String?
    /// Whether the MIC verifies; absent when it could not be checked (see `micNote`).
    public var micValid: Bool?
    /// Why the MIC was not checked, or which key checked it.
    public var micNote: String?
    public var joinRequest: JoinRequestReport?
    public var joinAccept: JoinAcceptReport?
    public var rejoinRequest: RejoinRequestReport?
    public var data: DataReport?
    /// Proprietary frames: the bytes after the MHDR.
    public var proprietaryPayload: String?

    public struct JoinRequestReport: Encodable, Sendable, Equatable {
        public var joinEUI: String
        public var devEUI: String
        public var devNonce: Int
    }

    public struct JoinAcceptReport: Encodable, Sendable, Equatable {
        /// False when no key was given to decrypt it; then only `encryptedPayload` is set.
        public var decrypted: Bool
        public var encryptedPayload: String?
        public var joinNonce: Int?
        public var homeNetID: String?
        public var devAddr: String?
        public var dlSettings: DLSettingsReport?
        public var rxDelay: Int?
        public var cfList: CFListReport?
    }

    public struct DLSettingsReport: Encodable, Sendable, Equatable {
        public var optNeg: Bool
        public var rx1DROffset: Int
        public var rx2DataRate: Int
    }

    public struct CFListReport: Encodable, Sendable, Equatable {
        public var type: Int
        public var bytes: String
        public var frequencies: [UInt32]?
        public var channelMasks: [String]?
    }

    public struct RejoinRequestReport: Encodable, Sendable, Equatable {
        public var rejoinType: Int
        public var netID: String?
        public var joinEUI: String?
        public var devEUI: String
        public var rjCount: Int
    }

    public struct FCtrlReport: Encodable, Sendable, Equatable {
        public var adr: Bool
        public var adrAckReq: Bool?
        public var rfu: Bool?
        public var ack: Bool
        public var classB: Bool?
        public var fPending: Bool?
        public var fOptsLen: Int
    }

    public struct DataReport: Encodable, Sendable, Equatable {
        public var direction: String
        public var devAddr: String
        public var fCtrl: FCtrlReport
        /// The 16-bit field.
        public var fCnt: Int
        /// The 32-bit counter used for MIC and decryption (`--fcnt-msb` << 16 | fCnt).
        public var fCnt32: UInt32
        /// FOpts as carried.
        public var fOpts: String
        /// LoRaWAN 1.1: FOpts after decryption with NwkSEncKey.
        public var fOptsDecrypted: String?
        /// MAC commands from FOpts or an FPort-0 FRMPayload, when readable.
        public var macCommands: [MACCommand]?
        /// Why MAC commands could not be listed.
        public var macCommandsNote: String?
        public var fPort: Int?
        /// FRMPayload as carried (encrypted).
        public var frmPayload: String
        /// FRMPayload decrypted (AppSKey for FPort > 0, NwkSKey/NwkSEncKey for FPort 0).
        public var frmPayloadDecrypted: String?
    }
}

/// The keys `lorikeet frame keys` prints.
public struct DerivedKeysReport: Encodable, Sendable, Equatable {
    public var macVersion: String
    public var nwkSKey: String?
    public var fNwkSIntKey: String?
    public var sNwkSIntKey: String?
    public var nwkSEncKey: String?
    public var appSKey: String
    public var jsIntKey: String?
    public var jsEncKey: String?
}
