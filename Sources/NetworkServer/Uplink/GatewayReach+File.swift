import Foundation
import LoRaWAN

/// `gateway-reach.bin`: the deduplicator's per-sender gateway history, written at shutdown and
/// every few minutes, read at start, so windows keep closing early across a restart (without it
/// every device's first uplink after a restart waits the whole deduplication window).
///
/// Layout, little-endian: `LKGR`, version (1 byte, = 1), entry count (4); per entry: key kind
/// (1 byte: 0 DevAddr, 1 DevEUI), key (8), uplinks (4), last heard (8, ms since 1970), gateway
/// count (1 byte, at most `GatewayReach.maxGateways`), then per gateway its EUI (8) and the
/// uplink number it last heard (4). The file is a cache: one that does not parse is reported
/// and ignored, never half-used.
enum GatewayReachFile {
    static let magic: [UInt8] = Array("LKGR".utf8)
    static let version: UInt8 = 1

    enum ReadError: Error, Equatable, CustomStringConvertible {
        case badMagic
        case unsupportedVersion(UInt8)
        case truncated(entry: Int)
        case badKeyKind(UInt8, entry: Int)
        case tooManyGateways(Int, entry: Int)
        case trailingBytes(Int)
        case tooManyEntries(UInt32)

        var description: String {
            switch self {
            case .badMagic: "not a gateway-reach file (no LKGR header)"
            case let .unsupportedVersion(v): "unsupported version \(v) (this build reads 1)"
            case let .truncated(entry): "truncated in entry \(entry)"
            case let .badKeyKind(k, entry): "entry \(entry): unknown key kind \(k)"
            case let .tooManyGateways(n, entry): "entry \(entry): \(n) gateways (at most \(GatewayReach.maxGateways))"
            case let .trailingBytes(n): "\(n) bytes after the last entry"
            case let .tooManyEntries(n): "\(n) entries announced, more than the file can hold"
            }
        }
    }

    static func encode(_ reach: GatewayReach) -> [UInt8] {
        var out = magic + [version]
        out.reserveCapacity(9 + reach.entries.count * 40)
        append(UInt32(clamping: reach.entries.count), to: &out)
        for (key, e) in reach.entries {
            switch key {
            case let .devAddr(a): out.append(0); append(UInt64(a), to: &out)
            case let .devEUI(eui): out.append(1); append(eui, to: &out)
            }
            append(e.uplinks, to: &out)
            append(UInt64(bitPattern: e.lastHeardMillis), to: &out)
            let gateways = e.gateways.prefix(GatewayReach.maxGateways)
            out.append(UInt8(gateways.count))
            for g in gateways {
                append(g.eui.rawValue, to: &out)
                append(g.lastUplink, to: &out)
            }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], history: Int, now: Int64) throws(ReadError) -> GatewayReach {
        var r = Reader(bytes: bytes)
        guard bytes.count >= 9, Array(bytes[0..<4]) == magic else { throw .badMagic }
        r.offset = 4
        let v = r.u8()!
        guard v == version else { throw .unsupportedVersion(v) }
        let count = r.u32()!
        // The smallest entry is 22 bytes: a count the file cannot hold is refused before any
        // allocation sized by it.
        guard UInt64(count) * 22 <= UInt64(bytes.count - 9) else { throw .tooManyEntries(count) }
        var entries: [DeduplicationKey: GatewayReach.Entry] = [:]
        entries.reserveCapacity(Int(count))
        for i in 0..<Int(count) {
            guard let kind = r.u8(), let raw = r.u64(), let uplinks = r.u32(), let last = r.u64(), let n = r.u8() else {
                throw .truncated(entry: i)
            }
            let key: DeduplicationKey
            switch kind {
            case 0: key = .devAddr(UInt32(truncatingIfNeeded: raw))
            case 1: key = .devEUI(raw)
            default: throw .badKeyKind(kind, entry: i)
            }
            guard Int(n) <= GatewayReach.maxGateways else { throw .tooManyGateways(Int(n), entry: i) }
            var e = GatewayReach.Entry(uplinks: uplinks, lastHeardMillis: Int64(bitPattern: last))
            for _ in 0..<n {
                guard let eui = r.u64(), let lastUplink = r.u32() else { throw .truncated(entry: i) }
                e.gateways.append((EUI64(eui), lastUplink))
            }
            entries[key] = e
        }
        guard r.offset == bytes.count else { throw .trailingBytes(bytes.count - r.offset) }
        return GatewayReach(history: history, entries: entries, now: now)
    }

    private static func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            let n = MemoryLayout<T>.size
            guard bytes.count - offset >= n else { return nil }
            var v: T = 0
            for i in 0..<n { v |= T(bytes[offset + i]) << (8 * i) }
            offset += n
            return v
        }
        mutating func u8() -> UInt8? { read(UInt8.self) }
        mutating func u32() -> UInt32? { read(UInt32.self) }
        mutating func u64() -> UInt64? { read(UInt64.self) }
    }
}

extension NetworkServer {
    /// Keeps the deduplicator's gateway history in `path` (`<data-dir>/gateway-reach.bin`):
    /// reads it now, and from then on `run()` writes it every `gatewayReachSaveSeconds` and at
    /// shutdown. A missing file is a first start; an unreadable one is logged and replaced.
    /// Returns how many senders were read.
    @discardableResult
    public func keepGatewayReach(in path: String) -> Int {
        gatewayReachPath = path
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        do {
            let reach = try GatewayReachFile.decode([UInt8](data), history: configuration.deduplicationGatewayHistory, now: nowMillis())
            deduplicator.restoreReach(reach)
            logger.info("gateway history read", metadata: ["ns.senders": "\(reach.entries.count)", "ns.path": "\(path)"])
            return reach.entries.count
        } catch {
            logger.warning("gateway history not read, starting without it", metadata: ["ns.path": "\(path)", "ns.error": "\(error)"])
            return 0
        }
    }

    /// Writes the gateway history (when `keepGatewayReach(in:)` named a file). The table is
    /// copied on the actor; encoding and the atomic write (temporary file, rename) happen off it.
    public func saveGatewayReach() async {
        guard let path = gatewayReachPath else { return }
        let reach = deduplicator.reach
        let logger = self.logger
        await Task.detached(priority: .utility) {
            let bytes = GatewayReachFile.encode(reach)
            do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                logger.warning("gateway history not written", metadata: ["ns.path": "\(path)", "ns.error": "\(error)"])
            }
        }.value
    }

    /// Writes the gateway history every `gatewayReachSaveSeconds` until cancelled.
    func runGatewayReachSaver() async {
        guard gatewayReachPath != nil else { return }
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(Self.gatewayReachSaveSeconds)) } catch { break }
            await saveGatewayReach()
        }
    }
}
