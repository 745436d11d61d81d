import ArgumentParser
import Foundation
import PayloadCodecs

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
        var sink = 0
        // Per core = per CPU-second of this process (all its threads, JavaScriptCore's GC and JIT
        // helpers included), so the figure does not depend on how busy the machine is.
        // Wall-clock rates are printed beside it.
        let (jsCPU, jsWall) = try measure {
            for _ in 0..<iterations { sink &+= try codec.decodeUplink(input).data?.count ?? 0 }
        }
        let lppIterations = iterations * 10
        let (lppCPU, lppWall) = try measure {
            for _ in 0..<lppIterations { sink &+= try CayenneLPP.decode(lppBytes).count }
        }
        let jsRate = Double(iterations) / jsCPU
        let lppRate = Double(lppIterations) / lppCPU
        let (batchCPU, batchWall) = try measureBatch(script: path)
        let batchRate = Double(batchLines) / batchCPU

        print("payload codecs (sink \(sink % 10)); rates per CPU-second, wall-clock rate in brackets")
        print(String(format: "  JavaScript decodeUplink (EM300-TH, JavaScriptCore): %9.0f decodes/s per core  (%.2f µs CPU each) [wall %.0f/s]",
                     jsRate, 1e6 / jsRate, Double(iterations) / jsWall))
        print(String(format: "  native Cayenne LPP decode (same readings):          %9.0f decodes/s per core  (%.2f µs CPU each) [wall %.0f/s]",
                     lppRate, 1e6 / lppRate, Double(lppIterations) / lppWall))
        print(String(format: "  ratio native / JavaScript:                          %9.1f×", lppRate / jsRate))
        print(String(format: "  lorikeet codec run --batch (child process CPU):     %9.0f lines/s per core  [wall %.0f/s]",
                     batchRate, Double(batchLines) / batchWall))
        print("  target 100000 JavaScript decodes/s per core: \(jsRate >= 100_000 ? "met" : "NOT met")")
    }

    /// Runs `body`; returns (process CPU seconds, wall seconds).
    private func measure(_ body: () throws -> Void) rethrows -> (Double, Double) {
        let cpu0 = processCPUSeconds()
        let wall0 = ContinuousClock.now
        try body()
        return (processCPUSeconds() - cpu0, (ContinuousClock.now - wall0).seconds)
    }

    private func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Pipes `batchLines` requests through a child `lorikeet codec run --batch` and times the
    /// round trip (writer on a separate thread; answers counted as they arrive).
    private func measureBatch(script: String) throws -> (cpu: Double, wall: Double) {
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
        var usage0 = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage0)
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
        var usage1 = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage1)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let childCPU = seconds(usage1.ru_utime) + seconds(usage1.ru_stime) - seconds(usage0.ru_utime) - seconds(usage0.ru_stime)
        return (childCPU, elapsed.seconds)
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
