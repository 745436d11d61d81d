@testable import LoRaWAN

/// Test shorthands: hex → bytes/keys/EUIs. Only for literals written in the tests.
func h(_ text: String) -> [UInt8] {
    do { return try [UInt8](hex: text) } catch { fatalError("bad hex literal in test: \(text)") }
}

func key(_ text: String) -> AES128Key {
    do { return try AES128Key(hex: text) } catch { fatalError("bad key literal in test: \(text)") }
}

func eui(_ text: String) -> EUI64 {
    do { return try EUI64(hex: text) } catch { fatalError("bad EUI literal in test: \(text)") }
}

func repeated(_ byte: UInt8) -> AES128Key {
    do { return try AES128Key(bytes: [UInt8](repeating: byte, count: 16)) } catch { fatalError() }
}
