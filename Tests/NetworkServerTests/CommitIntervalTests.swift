import Foundation
import NetworkServer
import Testing

@Suite("Write-behind commit interval")
struct CommitIntervalTests {
    @Test("light load commits on the short interval, heavy load on the long one; defaults 10/50 ms from 64 uplinks")
    func adaptsToLoad() {
        let c = NetworkServerConfiguration()
        #expect(c.commitIntervalMillis(afterCommitOf: 0) == 10)
        #expect(c.commitIntervalMillis(afterCommitOf: 63) == 10)
        #expect(c.commitIntervalMillis(afterCommitOf: 64) == 50)
        #expect(c.commitIntervalMillis(afterCommitOf: 5_000) == 50)
    }

    @Test("nonsense settings cannot make the loop spin or wait less under load than when idle")
    func clamped() {
        var c = NetworkServerConfiguration(sessionCommitIntervalMillis: 0, sessionCommitMaxIntervalMillis: -5, sessionCommitBusyUplinks: 0)
        #expect(c.commitIntervalMillis(afterCommitOf: 0) == 1)
        #expect(c.commitIntervalMillis(afterCommitOf: 1) == 1)
        c = NetworkServerConfiguration(sessionCommitIntervalMillis: 30, sessionCommitMaxIntervalMillis: 20)
        #expect(c.commitIntervalMillis(afterCommitOf: 1_000) == 30)
    }

    @Test("the configuration file sets both intervals and the threshold; absent keys keep the defaults")
    func decodes() throws {
        let set = try JSONDecoder().decode(NetworkServerConfiguration.self, from: Data(#"{"sessionCommitIntervalMillis": 5, "sessionCommitMaxIntervalMillis": 80, "sessionCommitBusyUplinks": 10}"#.utf8))
        #expect(set.commitIntervalMillis(afterCommitOf: 9) == 5)
        #expect(set.commitIntervalMillis(afterCommitOf: 10) == 80)
        let defaults = try JSONDecoder().decode(NetworkServerConfiguration.self, from: Data("{}".utf8))
        #expect(defaults == NetworkServerConfiguration())
    }
}
