import Testing
@testable import LoRaWAN

/// Properties that must hold for all input, checked on seeded random data and, where the space is
/// small, exhaustively.
@Suite struct MACCommandPropertyTests {
    static let directions: [Direction] = [.uplink, .downlink]

    /// The implementation's command table equals the one transcribed from the specification, for
    /// every CID in both directions (undefined pairs included).
    @Test(arguments: directions)
    func commandTableMatchesSpec(_ direction: Direction) {
        for cid in 0...255 {
            let entry = macSpecTable.first { $0.cid == UInt8(cid) && $0.direction == direction }
            #expect(MACCommand.payloadLength(cid: UInt8(cid), direction: direction) == entry?.length, "CID \(cid)")
            #expect(MACCommand.name(cid: UInt8(cid), direction: direction) == entry?.name, "CID \(cid)")
        }
        #expect(MACCommand.Kind.allCases.count == macSpecTable.count)
    }

    /// parseAll ∘ encodeAll = identity on generated command lists, and encodeAll ∘ parseAll =
    /// identity on their bytes.
    @Test(arguments: directions)
    func roundTripsGeneratedLists(_ direction: Direction) throws {
        var rng = MACTestRNG(seed: direction == .uplink ? 0x5EED_0001 : 0x5EED_0002)
        for _ in 0..<3_000 {
            let list = try randomMACCommandList(direction, using: &rng)
            let bytes = MACCommand.encodeAll(list)
            #expect(bytes.count == list.reduce(0) { $0 + $1.encodedLength })
            let parsed = try MACCommand.parseAll(bytes, direction: direction)
            #expect(parsed == list)
            #expect(MACCommand.encodeAll(parsed) == bytes)
            for command in parsed where command.direction != nil {
                #expect(command.direction == direction)
            }
        }
    }

    /// Every command built from random field values re-encodes to bytes whose fields read back the
    /// same, whichever way it was built: through `encode(into:)` appending to existing bytes too.
    @Test func encodeIntoAppends() throws {
        var rng = MACTestRNG(seed: 42)
        for kind in MACCommand.Kind.allCases {
            let command = try randomMACCommand(kind, using: &rng)
            var buffer: [UInt8] = [0xAA]
            command.encode(into: &buffer)
            #expect(buffer.first == 0xAA)
            #expect(buffer.count == 1 + 1 + kind.payloadLength)
            #expect(try MACCommand.parseAll(buffer.dropFirst(), direction: kind.direction) == [command])
        }
    }

    /// Every strict prefix of every command (CID present, payload cut short) throws
    /// `.truncatedMACCommand` naming the command, the length it needs and the length it got, also
    /// when other complete commands come first.
    @Test(arguments: MACCommand.Kind.allCases.filter { $0.payloadLength > 0 })
    func everyTruncationIsReported(_ kind: MACCommand.Kind) throws {
        var rng = MACTestRNG(seed: UInt64(kind.cid) << 8 | (kind.direction == .uplink ? 1 : 2))
        let spec = try #require(macSpecTable.first { $0.cid == kind.cid && $0.direction == kind.direction })
        for _ in 0..<20 {
            let full = MACCommand.encodeAll([try randomMACCommand(kind, using: &rng)])
            let before = MACCommand.encodeAll(try randomMACCommandList(kind.direction, using: &rng).filter { $0.kind != nil })
            for cut in 1..<full.count {
                let input = before + full.prefix(cut)
                #expect(throws: LoRaWANError.truncatedMACCommand(cid: spec.cid, name: spec.name, expected: spec.length, actual: cut - 1)) {
                    try MACCommand.parseAll(input, direction: kind.direction)
                }
            }
        }
    }

    /// Every value of every one- and two-octet payload parses and re-encodes to the same octets
    /// (RFU bits are kept, and every bit pattern has a value).
    @Test(arguments: MACCommand.Kind.allCases.filter { (1...2).contains($0.payloadLength) })
    func everySmallPayloadRoundTrips(_ kind: MACCommand.Kind) throws {
        let count = kind.payloadLength == 1 ? 256 : 65_536
        for value in 0..<count {
            var bytes: [UInt8] = [kind.cid, UInt8(truncatingIfNeeded: value)]
            if kind.payloadLength == 2 { bytes.append(UInt8(truncatingIfNeeded: value >> 8)) }
            let parsed = try MACCommand.parseAll(bytes, direction: kind.direction)
            guard parsed.count == 1, parsed[0].kind == kind, MACCommand.encodeAll(parsed) == bytes else {
                Issue.record("\(kind.name) payload \(bytes.dropFirst().hexString) parsed as \(parsed)")
                return
            }
        }
    }

    /// Random buffers never trap: each either parses into commands that re-encode to exactly the
    /// same bytes, or fails with `.truncatedMACCommand` whose fields agree with the command table.
    @Test(arguments: directions)
    func randomBuffersNeverTrap(_ direction: Direction) {
        var rng = MACTestRNG(seed: direction == .uplink ? 0xF022_0001 : 0xF022_0002)
        var parsedCount = 0, truncatedCount = 0
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &rng)
            // Bias towards defined CIDs so that long command chains occur, not just one unknown.
            let bytes = (0..<length).map { _ in rng.macBool() ? UInt8.random(in: 0...0x14, using: &rng) : rng.macByte() }
            do {
                let commands = try MACCommand.parseAll(bytes, direction: direction)
                parsedCount += 1
                #expect(MACCommand.encodeAll(commands) == bytes)
                // Only the last command may be unknown or proprietary.
                #expect(commands.dropLast().allSatisfy { $0.kind != nil })
            } catch let .truncatedMACCommand(cid, name, expected, actual) {
                truncatedCount += 1
                #expect(MACCommand.payloadLength(cid: cid, direction: direction) == expected)
                #expect(MACCommand.name(cid: cid, direction: direction) == name)
                #expect(actual < expected && actual >= 0)
            } catch {
                Issue.record("unexpected error \(error) for \(bytes.hexString)")
            }
        }
        // Both outcomes occur, so the checks above were exercised.
        #expect(parsedCount > 1_000 && truncatedCount > 100, "parsed \(parsedCount), truncated \(truncatedCount)")
    }
}
