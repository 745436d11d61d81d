public import LoRaWAN
import RegionalParameters

/// Picks the gateway and computes class A receive windows for a downlink. Pure.
enum DownlinkPlanner {
    /// The gateway to answer through: best SNR, then best RSSI (frames are sorted this way).
    static func sortBySignal(_ frames: [UplinkFrame]) -> [UplinkFrame] {
        frames.sorted { a, b in
            if a.rxInfo.snr != b.rxInfo.snr { return a.rxInfo.snr > b.rxInfo.snr }
            return a.rxInfo.rssi > b.rxInfo.rssi
        }
    }

    struct Window: Equatable {
        var frequency: Int
        var dataRate: Int
        var delayMicros: UInt32
    }

    /// RX1 (uplink-dependent frequency/DR after `delay1`) and RX2 (fixed after `delay1` + 1 s).
    static func classAWindows(plan: ChannelPlan, uplinkFrequency: Int, uplinkDataRate: Int, rx1DROffset: Int,
                              delay1Seconds: Int, rx2Frequency: Int, rx2DataRate: Int) -> (rx1: Window?, rx2: Window) {
        let d1 = UInt32(clamping: max(1, delay1Seconds)) &* 1_000_000
        let rx2 = Window(frequency: rx2Frequency, dataRate: rx2DataRate, delayMicros: d1 &+ 1_000_000)
        guard let w = try? plan.rx1(uplinkFrequency: uplinkFrequency, uplinkDataRate: uplinkDataRate, rx1DROffset: rx1DROffset) else {
            return (nil, rx2)
        }
        return (Window(frequency: w.frequency, dataRate: w.dataRate, delayMicros: d1), rx2)
    }

    /// The FRMPayload + FOpts limit (N) at a data rate, or nil when the rate is not usable.
    static func maxPayload(plan: ChannelPlan, dataRate: Int) -> Int? {
        (try? plan.maxPayloadSize(dataRate: dataRate, dwellTime: plan.defaultDownlinkDwellTime))??.n
    }
}
