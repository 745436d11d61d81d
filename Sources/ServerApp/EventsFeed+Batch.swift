import Events
import Logging

extension EventsFeed {
    /// One uplink's detector samples: its telemetry samples plus the `uplink` arrival sample.
    static func samples(device: String, application: String, deviceProfile: String, time: Int64,
                        metrics: [(metric: String, value: Double)]) -> [Sample] {
        var samples = metrics.map { Sample(time: time, device: device, metric: $0.metric, value: $0.value,
                                           application: application, deviceProfile: deviceProfile) }
        samples.append(Sample(time: time, device: device, metric: arrivalMetric, value: 1, application: application,
                              deviceProfile: deviceProfile))
        return samples
    }

    /// Feeds the samples of a whole event batch (in uplink order) in one call: one hop into the
    /// detectors' actor per batch rather than per uplink.
    func ingest(_ samples: [Sample]) async {
        guard service.hasDetectors.value else { return }
        do {
            for t in try await service.ingest(samples) {
                logger.info("alert transition", metadata: ["alert.id": "\(t.alert.id)", "alert.transition": "\(t.transition.rawValue)"])
            }
        } catch {
            logger.error("event detectors: ingest failed", metadata: ["events.samples": "\(samples.count)", "error": "\(error)"])
        }
    }
}
