import Metrics

/// Every metric the broker emits (created once; low-cardinality dimensions only).
struct BrokerMetrics: Sendable {
    let connectionsAccepted = Counter(label: "broker_connections_total")
    let connectionsRefused = Counter(label: "broker_connections_refused_total")
    let connectionsActive = Gauge(label: "broker_connections_active")
    let publishesReceived = Counter(label: "broker_publishes_received_total")
    let publishesSent = Counter(label: "broker_publishes_sent_total")
    let protocolErrors = Counter(label: "broker_protocol_errors_total")
    let dropQueueFull = Counter(label: "broker_messages_dropped_total", dimensions: [("reason", "queue_full")])
    let dropExpired = Counter(label: "broker_messages_dropped_total", dimensions: [("reason", "expired")])
    let dropTooLarge = Counter(label: "broker_messages_dropped_total", dimensions: [("reason", "too_large")])
    let dropOfflineQoS0 = Counter(label: "broker_messages_dropped_total", dimensions: [("reason", "offline_qos0")])
    let dropBusFull = Counter(label: "broker_messages_dropped_total", dimensions: [("reason", "bus_buffer_full")])

    func dropped(_ r: DropReason) {
        switch r {
        case .queueFull: dropQueueFull.increment()
        case .expired: dropExpired.increment()
        case .tooLarge: dropTooLarge.increment()
        case .offlineQoS0: dropOfflineQoS0.increment()
        }
    }
}
