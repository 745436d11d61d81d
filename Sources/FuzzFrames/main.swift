// libFuzzer target over LoRaWAN frame and MAC-command parsing.
//
// Build and run with `make fuzz` (scripts/run-fuzz). SwiftPM supplies its own `main` for an
// executable target, so the libFuzzer driver is called explicitly through LLVMFuzzerRunDriver
// (see ../shared/PITFALLS.md). Every parse result feeds `sink` so the optimiser keeps the calls.
import LoRaWAN

nonisolated(unsafe) var sink = 0

/// One fuzz input: the first byte picks the MAC-command direction, the whole input is tried as a
/// PHYPayload (and through the inspector with keys, which exercises MIC, FOpts/FRMPayload
/// decryption, join-accept decryption and MAC-command parsing), and the tail as bare MAC commands.
func fuzzOne(_ bytes: [UInt8]) {
    let direction: Direction = (bytes.first ?? 0) & 1 == 0 ? .uplink : .downlink
    if let phy = try? PHYPayload(bytes: bytes) {
        sink &+= (try? phy.serialized().count) ?? 1
        if let mac = phy.macPayload { sink &+= (try? mac.macCommands().count) ?? 2 }
    }
    sink &+= (try? bytes.withUnsafeBytes { try DataFrameLayout($0).micOffset }) ?? 3
    var keys = FrameInspector.Keys()
    keys.nwkSKey = FuzzKeys.a
    keys.appSKey = FuzzKeys.b
    keys.appKey = FuzzKeys.a
    keys.nwkKey = FuzzKeys.b
    keys.devEUI = EUI64(1)
    keys.joinEUI = EUI64(2)
    keys.devNonce = 3
    var context = FrameInspector.Context()
    context.version = bytes.count & 1 == 0 ? .lorawan1_0 : .lorawan1_1
    if let report = try? FrameInspector.inspect(bytes: bytes, keys: keys, context: context) {
        sink &+= report.data?.macCommands?.count ?? 4
    }
    if let commands = try? MACCommand.parseAll(bytes.dropFirst(), direction: direction) {
        sink &+= MACCommand.encodeAll(commands).count
    }
}

enum FuzzKeys {
    static let a = constant("2b7e151628aed2a6abf7158809cf4f3c")
    static let b = constant("000102030405060708090a0b0c0d0e0f")

    /// The keys are compile-time constants; a typo in one is a programmer mistake.
    private static func constant(_ hex: String) -> AES128Key {
        do { return try AES128Key(hex: hex) } catch { preconditionFailure("bad constant key: \(error)") }
    }
}

#if LORIKEET_FUZZING
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    fuzzOne(bytes)
    return 0
}
exit(status)
#else
print("FuzzFrames is a libFuzzer target: run it with `make fuzz` (scripts/run-fuzz).")
fuzzOne([0x40, 0x04, 0x03, 0x02, 0x01, 0x80, 0x01, 0x00, 0x01, 0xa6, 0x94, 0x64, 0x26, 0x15, 0xd6, 0xc3, 0xb5, 0x82])
#endif
