/// Device lists without keys (see ``DeviceSummary``).
public protocol DeviceSummaryStore: Sendable {
    /// A page of device summaries ordered by DevEUI, optionally of one application.
    func deviceSummaries(applicationID: String?, limit: Int, offset: Int) async throws -> Page<DeviceSummary>
}

extension AdministrationStore {
    /// Summaries of a page of devices: from the store's own summary query when it has one
    /// (``DeviceSummaryStore``), else from the whole records.
    public func summarizedDevices(applicationID: String?, limit: Int, offset: Int) async throws -> Page<DeviceSummary> {
        if let fast = self as? any DeviceSummaryStore {
            return try await fast.deviceSummaries(applicationID: applicationID, limit: limit, offset: offset)
        }
        let page = try await devices(applicationID: applicationID, limit: limit, offset: offset)
        return Page(items: page.items.map(DeviceSummary.init), total: page.total)
    }
}
