import Foundation
import Testing
@testable import RegionalParameters

@Suite struct RegionalParametersConfigurationTests {
    @Test func emptyObjectGivesDefaultsAndFieldsOverride() throws {
        let empty = try JSONDecoder().decode(RegionalParametersConfiguration.self, from: Data("{}".utf8))
        #expect(empty == RegionalParametersConfiguration())
        #expect(empty.plan == "EU868" && empty.regionsDirectory == "Regions" && !empty.allowSubBandMask)
        let custom = try JSONDecoder().decode(RegionalParametersConfiguration.self, from: Data(#"{"plan": "US915", "allowSubBandMask": true}"#.utf8))
        #expect(custom.plan == "US915" && custom.allowSubBandMask && custom.regionsDirectory == "Regions")
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(RegionalParametersConfiguration.self, from: Data(#"{"plan": 5}"#.utf8))
        }
    }
}
