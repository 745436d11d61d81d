import Foundation
import Testing
@testable import Rules

/// Drives the real `lorikeet rules test` binary (built by `swift build` before the tests run).
@Suite struct RulesCommandProcessTests {
    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/lorikeet")
    }

    /// Sends batch lines one at a time and reads each answer before sending the next: proves the
    /// answers come in order and are flushed per line (a buffered writer would hang here).
    @Test func batchAnswersEachLineInOrderAndFlushed() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lorikeet first")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["rules", "test", "--batch"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let reader = LineReader(handle: output.fileHandleForReading)

        let lines: [(String, String)] = [
            (#"{"id":1,"sql":"SELECT a / 4 AS q FROM 'd/+'","topic":"d/x","payload_raw":"{\"a\":10.0}"}"#,
             #"{"id":1,"fired":true,"output":{"q":2.5}}"#),
            (#"{"id":2,"sql":"SELECT a / 4 AS q FROM 'd/+'","topic":"d/x","payload":{"a":10}}"#,
             #"{"id":2,"fired":true,"output":{"q":2}}"#),
            (#"{"id":"three","sql":"SELECT * FROM 'd/+'","topic":"e/x","payload":{}}"#,
             #"{"id":"three","fired":false,"output":null}"#),
            (#"not json at all"#, ""),
            (#"{"id":5,"sql":"SELECT * FROM 'd' WHERE","topic":"d","payload":{}}"#, ""),
            (#"{"id":6,"sql":"SELECT clientid() AS c, topic(2) AS t FROM 'd/#'","topic":"d/x","payload":{},"context":{"clientid":"dev-1"}}"#,
             #"{"id":6,"fired":true,"output":{"c":"dev-1","t":"x"}}"#),
            (#"{"id":7,"sql":"SELECT * FROM 'd'","topic":"d","payload_raw":"\u0000\u0001"}"#,
             #"{"id":7,"fired":true,"output":"AAE=","output_encoding":"base64"}"#),
        ]
        for (request, expected) in lines {
            input.fileHandleForWriting.write(Data((request + "\n").utf8))
            let answer = try #require(reader.readLine(), "no answer for \(request)")
            if expected.isEmpty {
                let parsed = try JSONParser.parse(answer)
                #expect(parsed["fired"] == .bool(false))
                #expect(parsed["error"] != nil, "\(answer)")
                if request.contains("\"id\":5") {
                    #expect(parsed["id"] == .int(5))
                    #expect(answer.contains("1:24"))
                }
            } else {
                #expect(answer == expected)
            }
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func singleModePrintsOutputOrNullAndSyntaxErrorsExitNonZero() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build lorikeet first")
        func run(_ args: [String]) throws -> (Int32, String, String) {
            let p = Process()
            p.executableURL = Self.binary
            p.arguments = ["rules", "test"] + args
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
        }
        let fired = try run(["--sql", "SELECT color AS rgb FROM 'a/b' WHERE temperature > 50", "--topic", "a/b",
                             "--payload", #"{"color":"red","temperature":100}"#])
        #expect(fired.0 == 0)
        #expect(fired.1 == "{\"rgb\":\"red\"}\n")
        let notFired = try run(["--sql", "SELECT * FROM 'a/b' WHERE temperature > 50", "--topic", "a/b",
                                "--payload", #"{"temperature":10}"#])
        #expect(notFired.1 == "null\n")
        let bad = try run(["--sql", "SELECT * FROM 'a/b' WHERE (", "--topic", "a/b", "--payload", "{}"])
        #expect(bad.0 != 0)
        #expect(bad.2.contains("1:28"))
        #expect(bad.1.isEmpty)
    }
}

/// Reads newline-terminated lines from a pipe without waiting for EOF.
final class LineReader {
    let handle: FileHandle
    var buffer: [UInt8] = []

    init(handle: FileHandle) { self.handle = handle }

    func readLine() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(contentsOf: chunk)
        }
    }
}
