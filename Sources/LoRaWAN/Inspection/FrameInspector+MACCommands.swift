extension FrameInspector {
    /// Lists the MAC commands in plaintext FOpts or FPort-0 bytes. A parse failure is reported
    /// as a note (the frame itself is still shown), with the raw bytes.
    static func macCommandReports(_ bytes: [UInt8], direction: Direction) -> ([MACCommand]?, String?) {
        do {
            return (try MACCommand.parseAll(bytes, direction: direction), nil)
        } catch {
            return (nil, "MAC commands \(bytes.hexString) do not parse: \(error.description)")
        }
    }
}

extension MACPayload {
    /// The MAC commands this frame carries: from FOpts when present, else from the FRMPayload
    /// on FPort 0. The bytes must be plaintext: LoRaWAN 1.0.x FOpts are, 1.1 FOpts need
    /// `PHYPayload.cryptingFOpts` first, and an FPort-0 FRMPayload needs `cryptingFRMPayload`.
    /// - Returns: an empty array when the frame carries none.
    public func macCommands() throws(LoRaWANError) -> [MACCommand] {
        if !fhdr.fOpts.isEmpty { return try MACCommand.parseAll(fhdr.fOpts, direction: fhdr.fCtrl.direction) }
        if fPort == 0 { return try MACCommand.parseAll(frmPayload, direction: fhdr.fCtrl.direction) }
        return []
    }
}
