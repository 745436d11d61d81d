import ArgumentParser
import Foundation
import LoRaWAN

/// `lorikeet frame …`: look inside LoRaWAN frames.
struct FrameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Decode LoRaWAN frames and derive session keys.",
        subcommands: [FrameDecodeCommand.self, FrameKeysCommand.self]
    )
}

/// Prints one line on stderr and exits with status 1 (the CLI's contract for bad input).
func failWithOneLine(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Parses an optional hex key option, naming the option on failure.
func parseKey(_ text: String?, option: String) throws(LoRaWANError) -> AES128Key? {
    guard let text else { return nil }
    do { return try AES128Key(hex: text) } catch {
        throw .invalidField(name: option, reason: error.description)
    }
}

func parseEUI(_ text: String?, option: String) throws(LoRaWANError) -> EUI64? {
    guard let text else { return nil }
    do { return try EUI64(hex: text) } catch {
        throw .invalidField(name: option, reason: error.description)
    }
}

/// Parses a decimal or 0x-prefixed hexadecimal unsigned integer no larger than `max`.
func parseNumber(_ text: String, option: String, max: UInt64) throws(LoRaWANError) -> UInt64 {
    let lower = text.lowercased()
    let value = lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower, radix: 10)
    guard let value, value <= max else {
        throw .invalidField(name: option, reason: "'\(text)' is not a number from 0 to \(max)")
    }
    return value
}

struct FrameDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a PHYPayload (hex) to JSON: header fields, MAC commands, decrypted payload, MIC check."
    )

    @Argument(help: "The PHYPayload as hex.") var hex: String
    @Option(name: .customLong("nwk-s-key"), help: "NwkSKey (1.0.x), or all 1.1 network session keys.") var nwkSKey: String?
    @Option(name: .customLong("app-s-key"), help: "AppSKey: decrypts FRMPayload on FPort > 0.") var appSKey: String?
    @Option(name: .customLong("app-key"), help: "AppKey: join-request MIC and join-accept decryption (1.0.x).") var appKey: String?
    @Option(name: .customLong("nwk-key"), help: "NwkKey: join-request MIC and join-accept decryption (1.1).") var nwkKey: String?
    @Option(name: .customLong("f-nwk-s-int-key"), help: "LoRaWAN 1.1 FNwkSIntKey (default: --nwk-s-key).") var fNwkSIntKey: String?
    @Option(name: .customLong("s-nwk-s-int-key"), help: "LoRaWAN 1.1 SNwkSIntKey (default: --nwk-s-key).") var sNwkSIntKey: String?
    @Option(name: .customLong("nwk-s-enc-key"), help: "LoRaWAN 1.1 NwkSEncKey (default: --nwk-s-key).") var nwkSEncKey: String?
    @Option(name: .customLong("mac-version"), help: "1.0.x (1.0, 1.0.0–1.0.4) or 1.1.") var macVersion: String = "1.0.3"
    @Option(name: .customLong("fcnt-msb"), help: "The 16 most significant bits of the frame counter.") var fCntMSB: String = "0"
    @Option(name: .customLong("conf-fcnt"), help: "LoRaWAN 1.1 MIC: counter of the acknowledged frame.") var confFCnt: String = "0"
    @Option(name: .customLong("tx-dr"), help: "LoRaWAN 1.1 uplink MIC: TxDr index.") var txDR: String = "0"
    @Option(name: .customLong("tx-ch"), help: "LoRaWAN 1.1 uplink MIC: TxCh index.") var txCh: String = "0"
    @Option(name: .customLong("dev-eui"), help: "LoRaWAN 1.1 join-accept MIC: DevEUI (for JSIntKey).") var devEUI: String?
    @Option(name: .customLong("join-eui"), help: "LoRaWAN 1.1 join-accept MIC: JoinEUI.") var joinEUI: String?
    @Option(name: .customLong("dev-nonce"), help: "LoRaWAN 1.1 join-accept MIC: DevNonce.") var devNonce: String?
    @Option(name: .customLong("fopts-key-stream"), help: "LoRaWAN 1.1 FOpts A block: errata (default) or original.") var fOptsKeyStream: String = "errata"

    func run() async throws {
        do {
            var keys = FrameInspector.Keys()
            keys.nwkSKey = try parseKey(nwkSKey, option: "--nwk-s-key")
            keys.appSKey = try parseKey(appSKey, option: "--app-s-key")
            keys.appKey = try parseKey(appKey, option: "--app-key")
            keys.nwkKey = try parseKey(nwkKey, option: "--nwk-key")
            keys.fNwkSIntKey = try parseKey(fNwkSIntKey, option: "--f-nwk-s-int-key")
            keys.sNwkSIntKey = try parseKey(sNwkSIntKey, option: "--s-nwk-s-int-key")
            keys.nwkSEncKey = try parseKey(nwkSEncKey, option: "--nwk-s-enc-key")
            keys.devEUI = try parseEUI(devEUI, option: "--dev-eui")
            keys.joinEUI = try parseEUI(joinEUI, option: "--join-eui")
            if let devNonce { keys.devNonce = UInt16(try parseNumber(devNonce, option: "--dev-nonce", max: 0xFFFF)) }
            var context = FrameInspector.Context()
            context.version = try MACVersion(parsing: macVersion)
            context.fCntMSB = UInt16(try parseNumber(fCntMSB, option: "--fcnt-msb", max: 0xFFFF))
            context.confFCnt = UInt32(try parseNumber(confFCnt, option: "--conf-fcnt", max: 0xFFFF_FFFF))
            context.txDR = UInt8(try parseNumber(txDR, option: "--tx-dr", max: 0xFF))
            context.txCh = UInt8(try parseNumber(txCh, option: "--tx-ch", max: 0xFF))
            guard let stream = FOptsKeyStream(rawValue: fOptsKeyStream) else {
                throw LoRaWANError.invalidField(name: "--fopts-key-stream", reason: "'\(fOptsKeyStream)' is not errata or original")
            }
            context.fOptsKeyStream = stream
            try printJSON(try FrameInspector.inspect(hex: hex, keys: keys, context: context))
        } catch let error as LoRaWANError {
            throw failWithOneLine(error.description)
        }
    }
}

struct FrameKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Derive session keys (and LoRaWAN 1.1 join-server keys) from a join, as JSON."
    )

    @Option(name: .customLong("mac-version"), help: "1.0.x (1.0, 1.0.0–1.0.4) or 1.1.") var macVersion: String
    @Option(name: .customLong("app-key"), help: "AppKey (hex).") var appKey: String
    @Option(name: .customLong("nwk-key"), help: "NwkKey (hex; LoRaWAN 1.1, defaults to AppKey).") var nwkKey: String?
    @Option(name: .customLong("join-nonce"), help: "JoinNonce / AppNonce (24 bits; decimal or 0x hex).") var joinNonce: String
    @Option(name: .customLong("net-id"), help: "NetID (6 hex digits, or 0x…).") var netID: String
    @Option(name: .customLong("dev-nonce"), help: "DevNonce (16 bits; decimal or 0x hex).") var devNonce: String
    @Option(name: .customLong("join-eui"), help: "JoinEUI (required for 1.1).") var joinEUI: String?
    @Option(name: .customLong("dev-eui"), help: "DevEUI (1.1: also derive JSIntKey and JSEncKey).") var devEUI: String?

    func run() async throws {
        do {
            let version = try MACVersion(parsing: macVersion)
            guard let app = try parseKey(appKey, option: "--app-key") else { return }
            let nwk = try parseKey(nwkKey, option: "--nwk-key")
            let nonce = UInt32(try parseNumber(joinNonce, option: "--join-nonce", max: 0xFF_FFFF))
            let devNonceValue = UInt16(try parseNumber(devNonce, option: "--dev-nonce", max: 0xFFFF))
            let netIDText = netID.lowercased().hasPrefix("0x") ? String(netID.dropFirst(2)) : netID
            let net: NetID
            do { net = try NetID(hex: netIDText) } catch { throw LoRaWANError.invalidField(name: "--net-id", reason: error.description) }
            let report = try FrameInspector.deriveKeys(
                version: version, appKey: app, nwkKey: nwk, joinNonce: nonce, netID: net, devNonce: devNonceValue,
                joinEUI: try parseEUI(joinEUI, option: "--join-eui"), devEUI: try parseEUI(devEUI, option: "--dev-eui"))
            try printJSON(report)
        } catch let error as LoRaWANError {
            throw failWithOneLine(error.description)
        }
    }
}
