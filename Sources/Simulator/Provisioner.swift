import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LoRaWAN

/// Creates the simulator's application, device profile, gateways and OTAA devices through the
/// server's HTTP API (`POST /api/applications`, `/api/device-profiles`, `/api/gateways`,
/// `/api/devices`, with `Authorization: Bearer <admin key>`).
///
/// Runs are repeatable: an application or profile that already exists (409) is kept; every device
/// is deleted first and created again with fresh keys, so its DevNonce history starts empty.
struct Provisioner {
    let api: SimulationConfiguration.APIAccess
    let session: URLSession

    init(api: SimulationConfiguration.APIAccess) {
        self.api = api
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.httpMaximumConnectionsPerHost = 8
        session = URLSession(configuration: configuration)
    }

    /// One request; returns (status, body). Transport failures and refused keys throw.
    func request(_ method: String, _ path: String, body: [String: Any]? = nil) async throws(SimulatorError) -> (Int, [UInt8]) {
        guard let url = URL(string: api.baseURL + path), url.scheme == "http" || url.scheme == "https" else {
            throw .invalidArgument("--api must be an http:// or https:// URL, got \(api.baseURL)")
        }
        var req = URLRequest(url: url)
        req.httpMethod = method
        req.setValue("Bearer \(api.key)", forHTTPHeaderField: "Authorization")
        if let body {
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
            req.httpBody = try? JSONSerialization.data(withJSONObject: body)
        }
        let data: Data
        let response: URLResponse
        do { (data, response) = try await session.data(for: req) } catch {
            throw .apiUnreachable(url: api.baseURL, reason: error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if status == 401 || status == 403 { throw .apiKeyRefused(status: status, message: Self.message(Array(data))) }
        return (status, Array(data))
    }

    /// The human message of an error body: `{"error": "code", "message": "…"}` (the API contract)
    /// or `{"error": {"code": …, "message": …}}` (the first routes); else the body's start.
    static func message(_ body: [UInt8]) -> String {
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            if let m = object["message"] as? String { return m }
            if let e = object["error"] as? [String: Any], let m = e["message"] as? String { return m }
            if let e = object["error"] as? String { return e }
        }
        return String(decoding: body.prefix(200), as: UTF8.self)
    }

    /// POST that accepts 200/201, and 409 when `existingIsFine`.
    func create(_ path: String, _ body: [String: Any], existingIsFine: Bool) async throws(SimulatorError) {
        let (status, data) = try await request("POST", path, body: body)
        if (200..<300).contains(status) || (existingIsFine && status == 409) { return }
        throw .apiError(request: "POST \(path)", status: status, message: Self.message(data))
    }

    /// Checks the API and the key (a list request), then creates everything.
    func provision(applicationID: String, profileID: String, configuration c: SimulationConfiguration,
                   devices: [SimulatedDevice], gatewayEUIs: [EUI64]) async throws(SimulatorError) {
        let (status, data) = try await request("GET", "/api/applications?limit=1")
        guard (200..<300).contains(status) else {
            throw .apiError(request: "GET /api/applications", status: status, message: Self.message(data))
        }
        try await create("/api/applications", ["id": applicationID, "name": "Lorikeet simulator"], existingIsFine: true)
        try await create("/api/device-profiles", [
            "id": profileID, "name": "Simulator \(c.plan.id) \(c.macVersion == .lorawan1_1 ? "1.1.0" : "1.0.3")",
            "region": c.plan.id, "macVersion": c.macVersion == .lorawan1_1 ? "1.1.0" : "1.0.3",
            "regParamsRevision": c.macVersion == .lorawan1_1 ? "RP001-1.1-B" : "RP002-1.0.3", "supportsJoin": true, "adrEnabled": c.adr,
        ], existingIsFine: true)
        for eui in gatewayEUIs {
            try await create("/api/gateways", ["gatewayEUI": eui.description, "name": "sim-\(eui.description)"], existingIsFine: true)
        }
        // Devices in parallel, eight at a time.
        var next = 0
        var failure: SimulatorError?
        await withTaskGroup(of: SimulatorError?.self) { group in
            func add(_ d: SimulatedDevice) {
                group.addTask {
                    do {
                        let path = "/api/devices/\(d.devEUI.description)"
                        let (status, data) = try await request("DELETE", path)
                        guard (200..<300).contains(status) || status == 404 else {
                            return .apiError(request: "DELETE \(path)", status: status, message: Self.message(data))
                        }
                        var body: [String: Any] = ["devEUI": d.devEUI.description, "joinEUI": d.joinEUI.description,
                                                   "name": "sim-\(d.devEUI.description)", "applicationID": applicationID,
                                                   "deviceProfileID": profileID, "appKey": d.appKey.hexString]
                        if d.version == .lorawan1_1 { body["nwkKey"] = d.nwkKey.hexString }
                        try await create("/api/devices", body, existingIsFine: false)
                        return nil
                    } catch let e as SimulatorError { return e } catch { return .apiUnreachable(url: api.baseURL, reason: "\(error)") }
                }
            }
            while next < min(8, devices.count) { add(devices[next]); next += 1 }
            for await result in group {
                if let result, failure == nil { failure = result; group.cancelAll() }
                if failure == nil, next < devices.count { add(devices[next]); next += 1 }
            }
        }
        if let failure { throw failure }
    }
}
