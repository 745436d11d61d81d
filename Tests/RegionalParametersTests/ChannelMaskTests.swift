import Testing
@testable import RegionalParameters

@Suite struct ChannelMaskTests {
    @Test func dynamicPlansUseChMaskCntl0() throws {
        // LoRaWAN L2 1.0.4 §5.3 / RP002-1.0.4 §2.4.5: ChMaskCntl 0, ChMask bit i = channel i.
        let eu868 = try RegionFiles.plan("EU868")
        #expect(try eu868.channelMaskBlocks(enabledChannels: [0, 1, 2]) == [ChannelMaskBlock(chMask: 0x0007, chMaskCntl: 0)])
        #expect(try eu868.channelMaskBlocks(enabledChannels: Set(0...7)) == [ChannelMaskBlock(chMask: 0x00FF, chMaskCntl: 0)])
        #expect(try eu868.channelMaskBlocks(enabledChannels: [15]) == [ChannelMaskBlock(chMask: 0x8000, chMaskCntl: 0)])
        #expect(thrownError { _ = try eu868.channelMaskBlocks(enabledChannels: [16]) } == .unknownChannel(16))
        #expect(thrownError { _ = try eu868.channelMaskBlocks(enabledChannels: []) } != nil)
        // ChMaskCntl 6 = all defined channels on; 5 is RFU in EU868.
        #expect(try eu868.applyChannelMaskBlocks([.init(chMask: 0, chMaskCntl: 6)], to: [0], definedChannels: Set(0...7)) == Set(0...7))
        #expect(try eu868.applyChannelMaskBlocks([.init(chMask: 0, chMaskCntl: 6)], to: []) == [0, 1, 2])
        #expect(thrownError { _ = try eu868.applyChannelMaskBlocks([.init(chMask: 1, chMaskCntl: 5)], to: []) } != nil)
    }

    /// (enabled channels, blocks without ChMaskCntl 5, blocks with ChMaskCntl 5 allowed) for US915
    /// (RP002-1.0.4 §2.5.5, Table "US902-928 ChMaskCntl value table").
    static let us915Rows: [(String, Set<Int>, [ChannelMaskBlock], [ChannelMaskBlock])] = [
        ("FSB2: channels 8–15 + 65", Set(8...15).union([65]),
         [.init(chMask: 0x0002, chMaskCntl: 7), .init(chMask: 0xFF00, chMaskCntl: 0)],
         [.init(chMask: 0x0002, chMaskCntl: 5)]),
        ("FSB1: channels 0–7 + 64", Set(0...7).union([64]),
         [.init(chMask: 0x0001, chMaskCntl: 7), .init(chMask: 0x00FF, chMaskCntl: 0)],
         [.init(chMask: 0x0001, chMaskCntl: 5)]),
        ("FSB1+2: channels 0–15 + 64, 65", Set(0...15).union([64, 65]),
         [.init(chMask: 0x0003, chMaskCntl: 7), .init(chMask: 0xFFFF, chMaskCntl: 0)],
         [.init(chMask: 0x0003, chMaskCntl: 5)]),
        ("FSB8: channels 56–63 + 71", Set(56...63).union([71]),
         [.init(chMask: 0x0080, chMaskCntl: 7), .init(chMask: 0xFF00, chMaskCntl: 3)],
         [.init(chMask: 0x0080, chMaskCntl: 5)]),
        ("all 72 channels", Set(0..<72),
         [.init(chMask: 0x00FF, chMaskCntl: 6)], [.init(chMask: 0x00FF, chMaskCntl: 6)]),
        ("all 125 kHz channels, no 500 kHz", Set(0..<64),
         [.init(chMask: 0x0000, chMaskCntl: 6)], [.init(chMask: 0x0000, chMaskCntl: 6)]),
        ("only channel 64", [64],
         [.init(chMask: 0x0001, chMaskCntl: 7)], [.init(chMask: 0x0001, chMaskCntl: 7)]),
        ("all but channel 5", Set(0..<72).subtracting([5]),
         [.init(chMask: 0x00FF, chMaskCntl: 6), .init(chMask: 0xFFDF, chMaskCntl: 0)],
         [.init(chMask: 0x00FF, chMaskCntl: 6), .init(chMask: 0xFFDF, chMaskCntl: 0)]),
        ("FSB2 without its 500 kHz channel", Set(8...15),
         [.init(chMask: 0x0000, chMaskCntl: 7), .init(chMask: 0xFF00, chMaskCntl: 0)],
         [.init(chMask: 0x0000, chMaskCntl: 7), .init(chMask: 0xFF00, chMaskCntl: 0)]),
    ]

    @Test(arguments: us915Rows)
    func us915MinimalBlocks(_ name: String, _ enabled: Set<Int>, _ legacy: [ChannelMaskBlock], _ withSubBands: [ChannelMaskBlock]) throws {
        for id in ["US915", "AU915"] {
            let plan = try RegionFiles.plan(id)
            let blocks = try plan.channelMaskBlocks(enabledChannels: enabled)
            #expect(blocks == legacy, "\(id) \(name)")
            #expect(try plan.channelMaskBlocks(enabledChannels: enabled, allowSubBandMask: true) == withSubBands, "\(id) \(name)")
            // Whatever the device had before, it ends up with exactly the wanted set.
            for before in [Set<Int>(), Set(0..<72), Set([3, 17, 70])] {
                #expect(try plan.applyChannelMaskBlocks(blocks, to: before) == enabled)
                #expect(try plan.applyChannelMaskBlocks(withSubBands, to: before) == enabled)
            }
        }
    }

    @Test func us915BlocksAreCorrectAndNeverLongerThanTheAlternatives() throws {
        let us915 = try RegionFiles.plan("US915")
        var generator = SplitMix64(seed: 915)
        for round in 0..<500 {
            // Mix sparse, dense and sub-band shaped sets.
            var enabled = Set<Int>()
            let density = generator.next() % 4
            for channel in 0..<72 {
                let roll = generator.next() % 8
                if density == 0 ? roll == 0 : density == 1 ? roll < 7 : density == 2 ? (channel / 8) % 3 == 0 : roll < 4 { enabled.insert(channel) }
            }
            if enabled.isEmpty { enabled.insert(Int(generator.next() % 72)) }
            for allow in [false, true] {
                let blocks = try us915.channelMaskBlocks(enabledChannels: enabled, allowSubBandMask: allow)
                #expect(try us915.applyChannelMaskBlocks(blocks, to: Set(0..<72)) == enabled, "round \(round)")
                #expect(try us915.applyChannelMaskBlocks(blocks, to: []) == enabled, "round \(round)")
                #expect(blocks.count <= 5)
                if !allow { #expect(!blocks.contains { $0.chMaskCntl == 5 }) }
            }
        }
    }

    @Test func cn470Blocks() throws {
        // CN470 20 MHz plans (RP002-1.0.4 §2.9.5): ChMaskCntl 0–3 = channels 16k…16k+15, 6 = all on.
        let cn470 = try RegionFiles.plan("CN470")
        #expect(try cn470.channelMaskBlocks(enabledChannels: Set(0..<64)) == [.init(chMask: 0, chMaskCntl: 6)])
        #expect(try cn470.channelMaskBlocks(enabledChannels: Set(0..<64).subtracting([40])) == [.init(chMask: 0, chMaskCntl: 6), .init(chMask: 0xFEFF, chMaskCntl: 2)])
        let blocks = try cn470.channelMaskBlocks(enabledChannels: Set(0...7))
        #expect(blocks == [.init(chMask: 0x00FF, chMaskCntl: 0), .init(chMask: 0, chMaskCntl: 1), .init(chMask: 0, chMaskCntl: 2), .init(chMask: 0, chMaskCntl: 3)])
        #expect(try cn470.applyChannelMaskBlocks(blocks, to: Set(0..<64)) == Set(0...7))
        #expect(thrownError { _ = try cn470.applyChannelMaskBlocks([.init(chMask: 1, chMaskCntl: 4)], to: []) } != nil)
        #expect(thrownError { _ = try cn470.channelMaskBlocks(enabledChannels: [64]) } == .unknownChannel(64))
    }

    @Test func applyRejectsMasksForMissingChannels() throws {
        let us915 = try RegionFiles.plan("US915")
        // ChMaskCntl 4 covers channels 64–71 only; bit 8 would be channel 72.
        #expect(thrownError { _ = try us915.applyChannelMaskBlocks([.init(chMask: 0x0100, chMaskCntl: 4)], to: []) } != nil)
        #expect(thrownError { _ = try us915.applyChannelMaskBlocks([.init(chMask: 0x0100, chMaskCntl: 5)], to: []) } != nil)
        #expect(ChannelMaskBlock(chMask: 0x2, chMaskCntl: 7).description == "(ChMask 0x0002, ChMaskCntl 7)")
    }
}
