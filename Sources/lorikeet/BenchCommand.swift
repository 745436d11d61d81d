import ArgumentParser
import Foundation
import PayloadCodecs

/// `lorikeet bench …`: measurements that need a release build (`swift build -c release`).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (run a release build).",
        subcommands: [CodecsBenchCommand.self]
    )
}

/// `lorikeet bench codecs`: JavaScript decodes per second against native Cayenne LPP, in one run,
/// then the same JavaScript codec through `lorikeet codec run --batch`.
struct CodecsBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codecs",
        abstract: "Decodes/s per core: a JavaScript codec (Milesight EM300-TH) vs native Cayenne LPP, and through --batch."
    )

    @Option(help: "The Codecs/ folder.")
    var codecsDir = "Codecs"

    @Option(help: "Calls per measurement for the in-process JavaScript codec.")
    var iterations = 200_000

    @Option(help: "Lines sent through --batch.")
    var batchLines = 50_000

    func run() throws {
        let path = (codecsDir as NSString).appendingPathComponent("milesight-ipso.js")
        guard let source = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path); run from the repository root or pass --codecs-dir")
        }
        // EM300-TH periodic report (battery, temperature, humidity) and the same readings in LPP.
        let emBytes: [UInt8] = [0x01, 0x75, 0x64, 0x03, 0x67, 0x10, 0x01, 0x04, 0x68, 0x71]
        let lppBytes: [UInt8] = [0x01, 0x78, 0x64, 0x03, 0x67, 0x01, 0x10, 0x04, 0x68, 0x71]

        let codec = try CodecEngine().load(source: source, name: "milesight-ipso.js")
        let input = UplinkInput(bytes: emBytes, fPort: 85)
        for _ in 0..<2_000 { _ = try codec.decodeUplink(input) }
        let clock = ContinuousClock()
        var sink = 0
        let jsTime = try clock.measure {
            for _ in 0..<iterations { sink &+= try codec.decodeUplink(input).data?.count ?? 0 }
        }
        let lppIterations = iterations * 10
        let lppTime = try clock.measure {
            for _ in 0..<lppIterations { sink &+= try CayenneLPP.decode(lppBytes).count }
        }
        let jsRate = Double(iterations) / jsTime.seconds
        let lppRate = Double(lppIterations) / lppTime.seconds

        let batchRate = try measureBatch(script: path)

        print("payload codecs, one thread (sink \(sink % 10))")
        print(String(format: "  JavaScript decodeUplink (EM300-TH, JavaScriptCore): %10.0f decodes/s  (%.2f µs each)", jsRate, 1e6 / jsRate))
        print(String(format: "  native Cayenne LPP decode (same readings):          %10.0f decodes/s  (%.2f µs each)", lppRate, 1e6 / lppRate))
        print(String(format: "  ratio native / JavaScript:                          %10.1f×", lppRate / jsRate))
        print(String(format: "  lorikeet codec run --batch (JSON lines, pipe):      %10.0f lines/s", batchRate))
        print(String(format: "  target 100000 decodes/s per core: %@", jsRate >= 100_000 ? "met" : "NOT met"))
    }

    /// Pipes `batchLines` requests through a child `lorikeet codec run --batch` and times the
    /// round trip (writer on a separate thread; answers counted as they arrive).
    private func measureBatch(script: String) throws -> Double {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        let process = Process()
        process.executableURL = executable
        process.arguments = ["codec", "run", "--batch"]
        let stdinPipe = Pipe()
        let stdoutPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        let scriptJSON = JSONValue.string(script).description
        let lines = batchLines
        let start = ContinuousClock.now
        try process.run()
        let writer = Thread {
            var chunk = ""
            for i in 0..<lines {
                chunk += #"{"id":\#(i),"script":\#(scriptJSON),"function":"decodeUplink","input":{"fPort":85,"bytes":[1,117,100,3,103,16,1,4,104,113]}}"#
                chunk += "\n"
                if chunk.utf8.count > 60_000 {
                    stdinPipe.fileHandleForWriting.write(Data(chunk.utf8))
                    chunk = ""
                }
            }
            stdinPipe.fileHandleForWriting.write(Data(chunk.utf8))
            try? stdinPipe.fileHandleForWriting.close()
        }
        writer.start()
        var received = 0
        var okCount = 0
        let reader = stdoutPipe.fileHandleForReading
        while true {
            let data = reader.availableData
            if data.isEmpty { break }
            for byte in data where byte == UInt8(ascii: "\n") { received += 1 }
            if okCount == 0, let text = String(data: data.prefix(200), encoding: .utf8), text.contains(#""ok":true"#) { okCount = 1 }
        }
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard received == lines, okCount == 1 else {
            throw ValidationError("batch answered \(received) of \(lines) lines (ok seen: \(okCount == 1))")
        }
        return Double(lines) / elapsed.seconds
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
