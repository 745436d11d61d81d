import Foundation
import LoRaWAN
import Testing
@testable import RegionalParameters

@Suite struct RegionCatalogTests {
    @Test func everyRegionFileLoadsAndValidates() throws {
        let files = try RegionFiles.all()
        let catalog = try RegionCatalog(files: files)
        #expect(catalog.ids.sorted() == [
            "AS923-1", "AS923-2", "AS923-3", "AS923-4", "AU915", "AU915_FSB2", "CN470", "CN470-20B", "CN779", "EU433", "EU868",
            "EU868_8CH", "IN865", "KR920", "RU864", "US915", "US915_FSB2",
        ])
        #expect(catalog.regions["AS923-3"] == "AS923" && catalog.regions["US915_FSB2"] == "US915")
        // Every .json file in Regions/ other than the index is one plan.
        #expect(files.filter { $0.name.hasSuffix(".json") }.count == catalog.plans.count + 1)
        for plan in catalog.plans {
            #expect(plan.specification.hasPrefix("RP002-1.0.4"))
            #expect(plan.receiveDelay1 == 1000 && plan.joinAcceptDelay1 == 5000 && plan.joinAcceptDelay2 == 6000)
            // Every uplink data rate has an RX1 mapping for every allowed RX1DROffset, and every
            // default channel's data rates have a payload size.
            for dataRate in plan.dataRates where dataRate.uplink {
                #expect(plan.rx1DataRates[dataRate.index] != nil, "\(plan.id) DR\(dataRate.index)")
            }
            #expect(try plan.maxPayloadSize(dataRate: plan.rx2.dataRate) != nil, "\(plan.id) RX2 DR")
        }
    }

    @Test func catalogReportsMissingIndexAndUnlistedFiles() throws {
        var files = try RegionFiles.all().filter { $0.name != "plans.json" }
        #expect(thrownError { _ = try RegionCatalog(files: files) }
            == .invalidCatalog(file: "plans.json", reason: "missing: the Regions directory needs an index"))

        files = try RegionFiles.all() + [(name: "EXTRA.json", bytes: try RegionFiles.bytes("EU868.json"))]
        #expect(thrownError { _ = try RegionCatalog(files: files) }
            == .invalidCatalog(file: "EXTRA.json", reason: "not listed in plans.json"))
    }

    @Test func catalogReportsAFileWhoseIdDisagreesWithTheIndex() throws {
        var object = try RegionFiles.object("KR920.json")
        object["id"] = "KR921"
        let edited = try RegionFiles.encode(object)
        let files = try RegionFiles.all().map { $0.name == "KR920.json" ? (name: $0.name, bytes: edited) : $0 }
        let error = thrownError { _ = try RegionCatalog(files: files) }
        #expect(error == .invalidField(file: "KR920.json", path: "id", reason: "is \"KR921\" but plans.json lists this file as \"KR920\""))
    }

    @Test func derivedPlansInheritFromTheirBase() throws {
        let catalog = try RegionCatalog(files: try RegionFiles.all())
        let us915 = try #require(catalog.plan(id: "US915"))
        let fsb2 = try #require(catalog.plan(id: "US915_FSB2"))
        // Everything but the network choices comes from US915.json.
        #expect(fsb2.dataRates == us915.dataRates && fsb2.uplinkChannels == us915.uplinkChannels && fsb2.rx2 == us915.rx2)
        #expect(us915.enabledUplinkChannels == Set(0..<72))
        #expect(fsb2.enabledUplinkChannels == Set(8...15).union([65]))
        #expect(try fsb2.channelMaskBlocksForEnabledChannels() == [.init(chMask: 0x0002, chMaskCntl: 7), .init(chMask: 0xFF00, chMaskCntl: 0)])
        #expect(try fsb2.joinAcceptCFList()?.hexString == "00ff0000000000000200000000000001")
        // EU868_8CH adds 867.1–867.9 MHz as channels 3–7 and sends them in the CFList.
        let eu868 = try #require(catalog.plan(id: "EU868"))
        let eight = try #require(catalog.plan(id: "EU868_8CH"))
        #expect(try eu868.joinAcceptCFList() == nil)
        #expect(try eight.joinAcceptCFList()?.hexString == "184f84e85684b85e84886684586e8400")
        #expect(eight.uplinkChannelIndex(frequency: 867_500_000) == 5)
        #expect(eight.enabledUplinkChannels == Set(0...7))
        #expect(try eight.channelMaskBlocksForEnabledChannels() == [.init(chMask: 0x00FF, chMaskCntl: 0)])
        #expect(try eight.rx1(uplinkFrequency: 867_900_000, uplinkDataRate: 5, rx1DROffset: 0).frequency == 867_900_000)
    }

    @Test func planFromRegionAndJoinFrequency() throws {
        let catalog = try RegionCatalog(files: try RegionFiles.all())
        #expect(catalog.plan(region: "CN470", joinFrequency: 505_700_000)?.id == "CN470")
        #expect(catalog.plan(region: "CN470", joinFrequency: 499_900_000)?.id == "CN470-20B")
        #expect(catalog.plan(region: "CN470", joinFrequency: 470_300_000) == nil)
        #expect(catalog.plan(region: "AS923", joinFrequency: 916_800_000)?.id == "AS923-3")
        #expect(catalog.plans(inRegion: "US915").map(\.id) == ["US915", "US915_FSB2"])
    }

    @Test func baseMustBeListedEarlier() throws {
        var index = try RegionFiles.object("plans.json")
        var plans = index["plans"] as? [[String: Any]] ?? []
        plans[0]["base"] = "US915"  // EU868 inheriting from a plan listed later
        index["plans"] = plans
        let edited = try RegionFiles.encode(index)
        let files = try RegionFiles.all().map { $0.name == "plans.json" ? (name: $0.name, bytes: edited) : $0 }
        #expect(thrownError { _ = try RegionCatalog(files: files) }
            == .invalidField(file: "plans.json", path: "plans[0].base", reason: "base plan \"US915\" must be listed earlier in plans.json"))
    }

    @Test func networkChoicesAreValidated() throws {
        var object = try RegionFiles.object("US915.json")
        object["enabledUplinkChannels"] = [8, 72]
        var bytes = try RegionFiles.encode(object)
        #expect(thrownError { _ = try ChannelPlan.load(from: bytes, fileName: "US915.json") }
            == .invalidField(file: "US915.json", path: "enabledUplinkChannels[1]", reason: "expected a channel index 0…71, found 72"))
        object = try RegionFiles.object("US915.json")
        object["extraChannels"] = [["frequency": 903_100_000, "minDataRate": 0, "maxDataRate": 3]]
        bytes = try RegionFiles.encode(object)
        #expect(thrownError { _ = try ChannelPlan.load(from: bytes, fileName: "US915.json") }?.description
            == "US915.json: extraChannels: only dynamic plans add channels; fixed plans use enabledUplinkChannels")
        object = try RegionFiles.object("EU868.json")
        object["extraChannels"] = [["frequency": 867_100_000, "step": 200_000, "count": 14, "minDataRate": 0, "maxDataRate": 5]]
        bytes = try RegionFiles.encode(object)
        #expect(thrownError { _ = try ChannelPlan.load(from: bytes, fileName: "EU868.json") }?.description
            == "EU868.json: extraChannels: default and extra channels together exceed 16 (3 + 14)")
    }

    /// Editing a region file changes the answers at run time: no recompiling (DESIGN.md "Data folders").
    @Test func editingARegionFileChangesBehaviour() throws {
        let original = try RegionCatalog(files: try RegionFiles.all())
        let eu868 = try #require(original.plan(id: "EU868"))
        #expect(eu868.rx2 == .init(frequency: 869_525_000, dataRate: 0))
        #expect(try eu868.maxPayloadSize(dataRate: 0)?.n == 51)

        var object = try RegionFiles.object("EU868.json")
        object["rx2"] = ["frequency": 869_525_000, "dataRate": 3]
        var tables = object["maxPayloadSizes"] as? [[String: Any]] ?? []
        tables[0]["sizes"] = [["dataRate": 0, "m": 40, "n": 32]] + ((tables[0]["sizes"] as? [[String: Any]]) ?? []).dropFirst()
        object["maxPayloadSizes"] = tables
        let edited = try RegionFiles.encode(object)
        let files = try RegionFiles.all().map { $0.name == "EU868.json" ? (name: $0.name, bytes: edited) : $0 }
        let changed = try #require(try RegionCatalog(files: files).plan(id: "EU868"))
        #expect(changed.rx2 == .init(frequency: 869_525_000, dataRate: 3))
        #expect(try changed.maxPayloadSize(dataRate: 0) == .init(m: 40, n: 32))
    }
}
