import AlertHooks
import ArgumentParser
import Events
import Foundation

/// `lorikeet events …`: run detectors over recorded samples, deliver alert hooks, manage alerts.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Event detection and alerts without the server: replay samples, deliver hooks, list and acknowledge alerts.",
        subcommands: [Replay.self, Deliver.self, List.self, Ack.self, Detectors.self, Bench.self]
    )

    /// Hook and retry flags shared by the subcommands that deliver.
    struct HookOptions: ParsableArguments {
        @Option(help: "Webhook URL to POST alert transitions to.")
        var webhook: String?
        @Option(help: "HMAC-SHA256 secret for the X-Lorikeet-Signature header.")
        var secret: String?
        @Option(help: "Read the webhook secret from this file (first line) instead of --secret.")
        var secretFile: String?
        @Option(help: "The webhook's hook id in the outbox.")
        var hookID: String = "webhook"
        @Option(help: "Per-request timeout in seconds.")
        var requestTimeout: Double = 10
        @Option(help: "First retry delay in milliseconds (doubles per attempt, ±20% jitter).")
        var retryBaseMs: Int64 = 1000
        @Option(help: "Longest retry delay in milliseconds.")
        var retryMaxMs: Int64 = 300_000
        @Option(help: "Attempts before a delivery is given up.")
        var maxAttempts: Int = 20

        func hooks() throws -> [any AlertHook] {
            guard let webhook else { return [] }
            guard let url = URL(string: webhook) else { throw ValidationError("--webhook is not a URL: \(webhook)") }
            var secret = self.secret
            if let secretFile {
                guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8) else {
                    throw ValidationError("cannot read --secret-file \(secretFile)")
                }
                secret = text.split(whereSeparator: \.isNewline).first.map(String.init)
            }
            guard let secret else { throw ValidationError("--webhook needs --secret or --secret-file") }
            return [try WebhookHook(id: hookID, url: url, secret: secret, timeoutSeconds: requestTimeout)]
        }

        var policy: RetryPolicy {
            RetryPolicy(baseDelayMillis: max(retryBaseMs, 1), maxDelayMillis: max(retryMaxMs, 1), maxAttempts: max(maxAttempts, 1))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Feed JSON-lines samples {time, device, metric, value} through detectors; print alert transitions as JSON lines.")
        @Option(help: "Data directory (events.sqlite lives here).")
        var dataDir: String = "./lorikeet-data"
        @Option(help: "Detector definitions (JSON array, or {\"detectors\": [...]}); default: those stored with `events detectors import`.")
        var detectors: String?
        @Option(help: "Samples as JSON lines, or - for standard input.")
        var input: String = "-"
        @Option(help: "A last clock tick after the input (RFC 3339 or epoch ms), to detect silence at the end.")
        var until: String?
        @Option(help: "Seconds to keep retrying deliveries after the input ends.")
        var deliverTimeout: Double = 30
        @OptionGroup var hookOptions: HookOptions

        func run() async throws {
            var untilMillis: Int64?
            if let until {
                if let ms = Int64(until) { untilMillis = ms } else {
                    let probe = #"{"time":"\#(until)","device":"-","metric":"-","value":0}"#
                    guard let s = try? Sample.parse(jsonLine: probe) else { throw ValidationError("--until is not RFC 3339 or epoch ms: \(until)") }
                    untilMillis = s.time
                }
            }
            let options = EventsRunner.ReplayOptions(
                dataDirectory: dataDir, detectorsFile: detectors, input: input, hooks: try hookOptions.hooks(),
                policy: hookOptions.policy, deliverTimeoutSeconds: deliverTimeout, until: untilMillis)
            let summary = try await EventsRunner.replay(options, emit: printLine, warn: printError)
            printError("summary: \(summary.samples) samples, \(summary.invalidLines) invalid lines, \(summary.transitions) transitions, "
                + "\(summary.enqueued) deliveries enqueued; outbox: \(summary.delivered) delivered, \(summary.pending) pending, \(summary.failed) failed")
            if summary.invalidLines > 0 { throw ExitCode(2) }
        }
    }

    struct Deliver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver the pending outbox entries of the given hook, then exit.")
        @Option(help: "Data directory.")
        var dataDir: String = "./lorikeet-data"
        @Option(help: "Seconds to keep retrying.")
        var deliverTimeout: Double = 30
        @OptionGroup var hookOptions: HookOptions

        func run() async throws {
            let hooks = try hookOptions.hooks()
            guard !hooks.isEmpty else { throw ValidationError("deliver needs --webhook") }
            let s = try await EventsRunner.deliver(dataDirectory: dataDir, hooks: hooks, policy: hookOptions.policy, timeoutSeconds: deliverTimeout)
            printError("outbox: \(s.delivered) delivered, \(s.pending) pending, \(s.failed) failed")
            if s.pending > 0 { throw ExitCode(3) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print alerts as JSON lines, newest first.")
        @Option(help: "Data directory.")
        var dataDir: String = "./lorikeet-data"
        @Flag(help: "Only firing or acknowledged alerts.")
        var open = false
        @Option(help: "At most this many alerts.")
        var limit: Int = 1000

        func run() async throws {
            for line in try EventsRunner.list(dataDirectory: dataDir, openOnly: open, limit: limit) { printLine(line) }
        }
    }

    struct Ack: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Acknowledge an open alert (and tell the webhook, when given).")
        @Option(help: "Data directory.")
        var dataDir: String = "./lorikeet-data"
        @Argument(help: "The alert id.")
        var id: String
        @Option(help: "Who acknowledges it.")
        var by: String?
        @Option(help: "Seconds to keep retrying the delivery.")
        var deliverTimeout: Double = 30
        @OptionGroup var hookOptions: HookOptions

        func run() async throws {
            let t = try await EventsRunner.acknowledge(dataDirectory: dataDir, alertID: id, by: by, hooks: try hookOptions.hooks(),
                                                       policy: hookOptions.policy, timeoutSeconds: deliverTimeout)
            if let t { printLine(EventsRunner.jsonLine(t)) } else { printError("alert \(id) was already acknowledged") }
        }
    }
}

extension EventsCommand {
    struct Detectors: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage the detector definitions stored in the data directory.",
            subcommands: [Import.self, List.self, Remove.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Validate a detectors file and store every definition (replacing same ids).")
            @Option(help: "Data directory.")
            var dataDir: String = "./lorikeet-data"
            @Argument(help: "The detectors file.")
            var file: String
            func run() async throws {
                let ids = try EventsRunner.importDetectors(dataDirectory: dataDir, file: file)
                printError("stored \(ids.count) detector(s): \(ids.joined(separator: ", "))")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the stored definitions as JSON lines.")
            @Option(help: "Data directory.")
            var dataDir: String = "./lorikeet-data"
            func run() async throws {
                for line in try EventsRunner.listDetectors(dataDirectory: dataDir) { printLine(line) }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a stored definition (its alerts stay).")
            @Option(help: "Data directory.")
            var dataDir: String = "./lorikeet-data"
            @Argument(help: "The detector id.")
            var id: String
            func run() async throws {
                guard try EventsRunner.removeDetector(dataDirectory: dataDir, id: id) else {
                    printError("no detector '\(id)'")
                    throw ExitCode(1)
                }
            }
        }
    }

    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmark detectors, the alert store and ingest-to-webhook latency (use a release build).")
        @Option(help: "Samples for the detector throughput part.")
        var samples: Int = 1_000_000
        @Option(help: "Alert transitions for the webhook latency part.")
        var alerts: Int = 2000
        @Option(help: "Offered rate (samples/s, each a transition) for the latency part.")
        var rate: Int = 1000
        @Option(help: "Scratch directory.")
        var workDir: String = FileManager.default.temporaryDirectory.path

        func run() async throws {
            guard samples > 0, alerts > 0, rate > 0 else { throw ValidationError("--samples, --alerts and --rate must be > 0") }
            for line in try await EventsBenchmark.run(samples: samples, alerts: alerts, rate: rate, workDirectory: workDir) {
                printLine(line)
            }
        }
    }
}

/// Writes a line to standard output and flushes it, so a reader sees each alert as it happens.
private func printLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

private func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
