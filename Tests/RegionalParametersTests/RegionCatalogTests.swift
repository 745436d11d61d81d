import Foundation
import Testing
@testable import RegionalParameters

@Suite struct RegionCatalogTests {
    @Test func everyRegionFileLoadsAndValidates() throws {
        let files = try RegionFiles.all()
        let catalog = try RegionCatalog(files: files)
        #expect(catalog.ids.sorted() == [
            "AS923-1", "AS923-2", "AS923-3", "AS923-4", "AU915", "CN470", "CN779", "EU433", "EU868",
            "IN865", "KR920", "RU864", "US915",
        ])
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
