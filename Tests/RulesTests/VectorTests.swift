import Foundation
import Testing
@testable import Rules

/// Replays Data/vectors/rules/*.jsonl through the batch protocol (sources named per line).
@Suite struct VectorTests {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Data/vectors/rules")
    }

    @Test func awsReferenceVectors() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("aws-reference.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count >= 10)
        for line in lines {
            let request = try JSONParser.parse(line)
            let answer = try JSONParser.parse(RuleTester.answer(line: line, timestamp: 0))
            let name = request["name"].map { $0.jsonText } ?? "?"
            #expect(answer["error"] == nil, "\(name): \(answer.jsonText)")
            #expect(answer["fired"] == request["expected"]?["fired"], "\(name)")
            let output = try #require(answer["output"])
            let expected = try #require(request["expected"]?["output"])
            #expect(output.jsonText == expected.jsonText, "\(name): got \(output.jsonText), expected \(expected.jsonText)")
        }
    }
}
