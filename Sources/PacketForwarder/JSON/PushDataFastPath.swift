/// A byte-level parser for the shape of PUSH_DATA JSON that gateways send thousands of times a
/// second: `{"rxpk":[{…},…]}` with the fields of `RxPacket` (including `rsig`).
///
/// It is a fast path, not a second JSON implementation: it accepts a strict subset of what the
/// `JSONDecoder` path accepts and returns nil for everything else, and the caller then runs the
/// strict decoder, which accepts the input or refuses it with a reason. So hostile or unusual
/// input never gets a different verdict, only a slower one. Whenever it returns a value, that
/// value equals what the strict decoder returns for the same bytes (checked by
/// `PushDataFastPathTests` on generated, mutated and truncated inputs).
///
/// The subset (anything outside it returns nil):
/// - the top-level object holds only `rxpk` (a `stat` report goes the strict way, every 30 s);
/// - object keys are the known `rxpk`/`rsig` field names, each at most once;
/// - strings are printable ASCII without escapes;
/// - integers are `-?(0|[1-9][0-9]*)` with at most 18 digits, in range for their field, never `-0`;
/// - decimals are `-?(0|[1-9][0-9]*)(.[0-9]+)?` without an exponent and with at most 15 digits
///   in all, converted as `digits / 10^k`, which for such values is the correctly rounded result
///   (both operands are exact doubles and IEEE division rounds once), as the strict decoder gives;
/// - no `null`, no `true`/`false` (no `rxpk` field is boolean);
/// - whitespace is the four JSON whitespace bytes.
enum PushDataFastPath {
    /// Parses `body` (the JSON part of a PUSH_DATA, trailing NULs and whitespace already trimmed),
    /// or returns nil when it is outside the subset.
    static func parse(_ body: ArraySlice<UInt8>) -> PushDataPayload? {
        body.withUnsafeBufferPointer { buffer in
            var p = Parser(bytes: buffer)
            return p.pushData()
        }
    }

    /// Field names packed into an integer (little-endian bytes, up to 8): cheap to compare.
    static func pack(_ s: StaticString) -> UInt64 {
        var v: UInt64 = 0
        let p = s.utf8Start
        for i in 0..<min(s.utf8CodeUnitCount, 8) { v |= UInt64(p[i]) << (8 * UInt64(i)) }
        return v
    }

    static let kRxpk = pack("rxpk")
    static let kTime = pack("time"), kTmms = pack("tmms"), kTmst = pack("tmst"), kFtime = pack("ftime")
    static let kFreq = pack("freq"), kChan = pack("chan"), kRfch = pack("rfch"), kBrd = pack("brd"), kMid = pack("mid")
    static let kStat = pack("stat"), kModu = pack("modu"), kDatr = pack("datr"), kCodr = pack("codr")
    static let kRssi = pack("rssi"), kRssis = pack("rssis"), kLsnr = pack("lsnr"), kFoff = pack("foff")
    static let kSize = pack("size"), kData = pack("data"), kRsig = pack("rsig")
    static let kAnt = pack("ant"), kRssic = pack("rssic"), kEtime = pack("etime"), kFtstat = pack("ftstat")
    static let kFtver = pack("ftver"), kFtdelta = pack("ftdelta")

    static let powersOfTen: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { acc, _ in acc * 10 } }

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        @inline(__always) mutating func skipWhitespace() {
            while i < bytes.count {
                let c = bytes[i]
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                i += 1
            }
        }

        @inline(__always) var current: UInt8? { i < bytes.count ? bytes[i] : nil }

        /// What follows an object member: another member, the end of the object, or bad input.
        enum MemberEnd { case more, end, invalid }

        /// Records member `bit` in `seen` (a repeated member is invalid), then reads the `,` or
        /// `}` after it: the shared tail of every object-member loop.
        @inline(__always) mutating func endMember(_ bit: UInt32, seen: inout UInt32) -> MemberEnd {
            guard seen & bit == 0 else { return .invalid }
            seen |= bit
            skipWhitespace()
            guard let c = current else { return .invalid }
            i += 1
            if c == UInt8(ascii: "}") { return .end }
            return c == UInt8(ascii: ",") ? .more : .invalid
        }

        @inline(__always) mutating func expect(_ c: UInt8) -> Bool {
            skipWhitespace()
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }

        mutating func pushData() -> PushDataPayload? {
            // The strict path requires '{' as the very first byte; so does this one.
            guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var rxpk: [RxPacket]?
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                i += 1
            } else {
                while true {
                    guard let key = self.key() else { return nil }
                    guard key == kRxpk, rxpk == nil else { return nil }
                    guard let packets = rxpkArray() else { return nil }
                    rxpk = packets
                    skipWhitespace()
                    guard let c = current else { return nil }
                    i += 1
                    if c == UInt8(ascii: "}") { break }
                    guard c == UInt8(ascii: ",") else { return nil }
                }
            }
            skipWhitespace()
            guard i == bytes.count else { return nil }
            return PushDataPayload(rxpk: rxpk, stat: nil)
        }

        /// Reads `"name"` and the `:` after it; returns the packed name (nil when longer than 8
        /// bytes, not plain ASCII, or malformed).
        mutating func key() -> UInt64? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            var v: UInt64 = 0
            var n = 0
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                if c == UInt8(ascii: "\"") {
                    guard n > 0, expect(UInt8(ascii: ":")) else { return nil }
                    skipWhitespace()
                    return v
                }
                guard c > 0x20, c < 0x7F, c != UInt8(ascii: "\\"), n < 8 else { return nil }
                v |= UInt64(c) << (8 * UInt64(n))
                n += 1
            }
            return nil
        }

        mutating func string() -> String? {
            guard current == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                    i += 1
                    return s
                }
                guard c >= 0x20, c < 0x80, c != UInt8(ascii: "\\") else { return nil }
                i += 1
            }
            return nil
        }

        /// A plain JSON integer within `range`.
        mutating func integer(_ range: ClosedRange<Int64>) -> Int64? {
            var negative = false
            if current == UInt8(ascii: "-") { negative = true; i += 1 }
            let start = i
            var v: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                v = v &* 10 &+ Int64(bytes[i] &- 0x30)
                i += 1
            }
            let digits = i - start
            guard digits > 0, digits <= 18 else { return nil }
            if bytes[start] == 0x30 && (digits > 1 || negative) { return nil }  // leading zero, or -0
            // A fraction or exponent makes it not a plain integer.
            if let c = current, c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
            let value = negative ? -v : v
            return range.contains(value) ? value : nil
        }

        mutating func int() -> Int? { integer(Int64(Int.min + 1)...Int64(Int.max)).map { Int($0) } }

        /// A JSON number without exponent, at most 15 digits, as the correctly rounded double.
        mutating func decimal() -> Double? {
            var negative = false
            if current == UInt8(ascii: "-") { negative = true; i += 1 }
            let start = i
            var mantissa: Int64 = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                mantissa = mantissa &* 10 &+ Int64(bytes[i] &- 0x30)
                i += 1
            }
            let intDigits = i - start
            guard intDigits > 0 else { return nil }
            if bytes[start] == 0x30 && intDigits > 1 { return nil }
            var fractionDigits = 0
            if current == UInt8(ascii: ".") {
                i += 1
                let fStart = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                    mantissa = mantissa &* 10 &+ Int64(bytes[i] &- 0x30)
                    i += 1
                }
                fractionDigits = i - fStart
                guard fractionDigits > 0 else { return nil }
            }
            if let c = current, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { return nil }
            guard intDigits + fractionDigits <= 15 else { return nil }
            let magnitude = Double(mantissa) / powersOfTen[fractionDigits]
            return negative ? -magnitude : magnitude
        }

        mutating func rxpkArray() -> [RxPacket]? {
            guard current == UInt8(ascii: "[") else { return nil }
            i += 1
            var packets: [RxPacket] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { i += 1; return packets }
            while true {
                guard let p = rxPacket() else { return nil }
                packets.append(p)
                skipWhitespace()
                guard let c = current else { return nil }
                i += 1
                if c == UInt8(ascii: "]") { return packets }
                guard c == UInt8(ascii: ",") else { return nil }
                skipWhitespace()
            }
        }

        mutating func rxPacket() -> RxPacket? {
            guard current == UInt8(ascii: "{") else { return nil }
            i += 1
            var rx = RxPacket()
            var seen: UInt32 = 0
            skipWhitespace()
            if current == UInt8(ascii: "}") { i += 1; return rx }
            while true {
                guard let key = self.key() else { return nil }
                let bit: UInt32
                switch key {
                case kTime: bit = 1 << 0; guard let v = string() else { return nil }; rx.time = v
                case kTmms: bit = 1 << 1; guard let v = integer(Int64.min + 1...Int64.max) else { return nil }; rx.tmms = v
                case kTmst: bit = 1 << 2; guard let v = integer(0...Int64(UInt32.max)) else { return nil }; rx.tmst = UInt32(v)
                case kFtime: bit = 1 << 3; guard let v = integer(Int64.min + 1...Int64.max) else { return nil }; rx.ftime = v
                case kFreq: bit = 1 << 4; guard let v = decimal() else { return nil }; rx.freq = v
                case kChan: bit = 1 << 5; guard let v = int() else { return nil }; rx.chan = v
                case kRfch: bit = 1 << 6; guard let v = int() else { return nil }; rx.rfch = v
                case kBrd: bit = 1 << 7; guard let v = int() else { return nil }; rx.brd = v
                case kMid: bit = 1 << 8; guard let v = int() else { return nil }; rx.mid = v
                case kStat: bit = 1 << 9; guard let v = int() else { return nil }; rx.stat = v
                case kModu: bit = 1 << 10; guard let v = string() else { return nil }; rx.modu = v
                case kDatr:
                    bit = 1 << 11
                    if current == UInt8(ascii: "\"") {
                        guard let v = string() else { return nil }
                        rx.datr = .string(v)
                    } else {
                        guard let v = integer(0...Int64(UInt32.max)) else { return nil }
                        rx.datr = .number(UInt32(v))
                    }
                case kCodr: bit = 1 << 12; guard let v = string() else { return nil }; rx.codr = v
                case kRssi: bit = 1 << 13; guard let v = int() else { return nil }; rx.rssi = v
                case kRssis: bit = 1 << 14; guard let v = int() else { return nil }; rx.rssis = v
                case kLsnr: bit = 1 << 15; guard let v = decimal() else { return nil }; rx.lsnr = v
                case kFoff: bit = 1 << 16; guard let v = int() else { return nil }; rx.foff = v
                case kSize: bit = 1 << 17; guard let v = int() else { return nil }; rx.size = v
                case kData: bit = 1 << 18; guard let v = string() else { return nil }; rx.data = v
                case kRsig: bit = 1 << 19; guard let v = rsigArray() else { return nil }; rx.rsig = v
                default: return nil
                }
                switch endMember(bit, seen: &seen) {
                case .more: continue
                case .end: return rx
                case .invalid: return nil
                }
            }
        }

        mutating func rsigArray() -> [RxPacket.RSig]? {
            guard current == UInt8(ascii: "[") else { return nil }
            i += 1
            var out: [RxPacket.RSig] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { i += 1; return out }
            while true {
                guard let s = rsig() else { return nil }
                out.append(s)
                skipWhitespace()
                guard let c = current else { return nil }
                i += 1
                if c == UInt8(ascii: "]") { return out }
                guard c == UInt8(ascii: ",") else { return nil }
                skipWhitespace()
            }
        }

        mutating func rsig() -> RxPacket.RSig? {
            guard current == UInt8(ascii: "{") else { return nil }
            i += 1
            var s = RxPacket.RSig(ant: 0)
            var seen: UInt32 = 0
            skipWhitespace()
            // `ant` is required: an empty object goes the strict way (which refuses it).
            guard current != UInt8(ascii: "}") else { return nil }
            while true {
                guard let key = self.key() else { return nil }
                let bit: UInt32
                switch key {
                case kAnt: bit = 1 << 0; guard let v = int() else { return nil }; s.ant = v
                case kChan: bit = 1 << 1; guard let v = int() else { return nil }; s.chan = v
                case kRssic: bit = 1 << 2; guard let v = int() else { return nil }; s.rssic = v
                case kRssis: bit = 1 << 3; guard let v = int() else { return nil }; s.rssis = v
                case kLsnr: bit = 1 << 4; guard let v = decimal() else { return nil }; s.lsnr = v
                case kEtime: bit = 1 << 5; guard let v = string() else { return nil }; s.etime = v
                case kFoff: bit = 1 << 6; guard let v = int() else { return nil }; s.foff = v
                case kFtstat: bit = 1 << 7; guard let v = int() else { return nil }; s.ftstat = v
                case kFtver: bit = 1 << 8; guard let v = int() else { return nil }; s.ftver = v
                case kFtdelta: bit = 1 << 9; guard let v = int() else { return nil }; s.ftdelta = v
                default: return nil
                }
                switch endMember(bit, seen: &seen) {
                case .more: continue
                case .end: return seen & 1 == 0 ? nil : s
                case .invalid: return nil
                }
            }
        }
    }
}
