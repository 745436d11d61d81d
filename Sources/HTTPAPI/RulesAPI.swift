import Foundation
public import Events
public import Hummingbird
public import Rules

/// What the rules, detectors and alerts routes need from the server. `ServerApp` implements it over
/// its rule catalog (`rules.json`, hot-reloaded) and its events service (`events.sqlite`).
///
/// Implementations throw ``RulesAPIError`` for not-found/conflict/invalid conditions, or
/// `RulesError` (mapped to 400 with its code: `sql_syntax` messages say where).
public protocol RulesAPIBackend: Sendable {
    func rules() async throws -> [RuleDefinition]
    func rule(named name: String) async throws -> RuleDefinition?
    func createRule(_ definition: RuleDefinition) async throws
    func replaceRule(named name: String, with definition: RuleDefinition) async throws
    func deleteRule(named name: String) async throws
    func setRuleEnabled(named name: String, _ enabled: Bool) async throws -> RuleDefinition

    func detectors() async throws -> [DetectorDefinition]
    /// Stores and starts a new detector; throws ``RulesAPIError`` `detector_exists` when the id is taken.
    func createDetector(_ definition: DetectorDefinition) async throws
    func deleteDetector(id: String) async throws -> Bool

    func alerts(state: AlertState?, deviceEUI: String?, detectorID: String?, limit: Int, offset: Int) async throws -> (items: [Alert], total: Int)
    func alert(id: String) async throws -> Alert?
    func acknowledgeAlert(id: String, by: String?) async throws -> Alert
    func resolveAlert(id: String, message: String?) async throws -> Alert
}

/// An error answer in the API contract's shape: `{"error": "<snake_case_code>", "message": "<text>"}`.
public struct RulesAPIError: HTTPResponseError, Sendable, Equatable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = (try? JSONEncoder().encode(["error": code, "message": message])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func notFound(_ kind: String, _ id: String) -> RulesAPIError {
        RulesAPIError(.notFound, "\(kind)_not_found", "\(kind) \(id) not found")
    }
}

/// The rules, detectors and alerts routes of the HTTP API contract (HELPERS.md):
///
/// ```
/// GET/POST          /api/rules                 GET/PUT/DELETE /api/rules/{name}
/// POST              /api/rules/{name}/enable   POST /api/rules/{name}/disable
/// GET/POST          /api/detectors             GET/DELETE     /api/detectors/{id}
/// GET               /api/alerts?state=firing|acknowledged|resolved&deviceEui=&detectorId=
/// GET               /api/alerts/{id}
/// POST              /api/alerts/{id}/acknowledge   POST /api/alerts/{id}/resolve
/// ```
/// Lists are paged (`limit` default 100, max 1000; `offset`) and answer
/// `{"items", "total", "limit", "offset"}`. Bodies: a `RuleDefinition` or `DetectorDefinition` as
/// JSON (docs/rules.md, docs/events.md); acknowledge takes an optional `{"by": "…"}`, resolve an
/// optional `{"message": "…"}`. No authentication here: the caller mounts the routes behind its
/// middleware.
public enum RulesAPI {
    /// Adds the routes to a group (usually `/api`), generic over the request context.
    public static func addRoutes<Context: RequestContext>(to group: RouterGroup<Context>, backend: some RulesAPIBackend) {
        // MARK: rules
        group.get("rules") { request, _ in
            let page = try Page(request)
            let all = try await call { try await backend.rules() }
            return try json(page.slice(all))
        }
        group.post("rules") { request, _ in
            let definition = try await body(RuleDefinition.self, request)
            try await call { try await backend.createRule(definition) }
            return try json(definition, status: .created)
        }
        group.get("rules/:name") { _, context in
            let name = try param(context, "name")
            guard let d = try await call({ try await backend.rule(named: name) }) else { throw RulesAPIError.notFound("rule", name) }
            return try json(d)
        }
        group.put("rules/:name") { request, context in
            let name = try param(context, "name")
            let definition = try await body(RuleDefinition.self, request)
            try await call { try await backend.replaceRule(named: name, with: definition) }
            return try json(definition)
        }
        group.delete("rules/:name") { _, context in
            let name = try param(context, "name")
            try await call { try await backend.deleteRule(named: name) }
            return Response(status: .noContent)
        }
        group.post("rules/:name/enable") { _, context in
            let name = try param(context, "name")
            return try json(try await call { try await backend.setRuleEnabled(named: name, true) })
        }
        group.post("rules/:name/disable") { _, context in
            let name = try param(context, "name")
            return try json(try await call { try await backend.setRuleEnabled(named: name, false) })
        }

        // MARK: detectors
        group.get("detectors") { request, _ in
            let page = try Page(request)
            return try json(page.slice(try await call { try await backend.detectors() }))
        }
        group.post("detectors") { request, _ in
            let definition = try await body(DetectorDefinition.self, request)
            do { try definition.validate() } catch {
                throw RulesAPIError(.badRequest, "invalid_detector", "\(error)")
            }
            try await call { try await backend.createDetector(definition) }
            return try json(definition, status: .created)
        }
        group.get("detectors/:id") { _, context in
            let id = try param(context, "id")
            guard let d = try await call({ try await backend.detectors() }).first(where: { $0.id == id }) else {
                throw RulesAPIError.notFound("detector", id)
            }
            return try json(d)
        }
        group.delete("detectors/:id") { _, context in
            let id = try param(context, "id")
            guard try await call({ try await backend.deleteDetector(id: id) }) else { throw RulesAPIError.notFound("detector", id) }
            return Response(status: .noContent)
        }

        // MARK: alerts
        group.get("alerts") { request, _ in
            let page = try Page(request)
            let q = request.uri.queryParameters
            var state: AlertState?
            if let s = q.get("state"), !s.isEmpty {
                guard let parsed = AlertState(rawValue: s) else {
                    throw RulesAPIError(.badRequest, "invalid_parameter", "state must be firing, acknowledged or resolved")
                }
                state = parsed
            }
            let device = q.get("deviceEui").flatMap { $0.isEmpty ? nil : $0 }
            let detector = q.get("detectorId").flatMap { $0.isEmpty ? nil : $0 }
            let result = try await call {
                try await backend.alerts(state: state, deviceEUI: device, detectorID: detector, limit: page.limit, offset: page.offset)
            }
            return try json(PageBody(items: result.items, total: result.total, limit: page.limit, offset: page.offset))
        }
        group.get("alerts/:id") { _, context in
            let id = try param(context, "id")
            guard let a = try await call({ try await backend.alert(id: id) }) else { throw RulesAPIError.notFound("alert", id) }
            return try json(a)
        }
        group.post("alerts/:id/acknowledge") { request, context in
            let id = try param(context, "id")
            let input = try await optionalBody(AcknowledgeInput.self, request)
            return try json(try await call { try await backend.acknowledgeAlert(id: id, by: input?.by) })
        }
        group.post("alerts/:id/resolve") { request, context in
            let id = try param(context, "id")
            let input = try await optionalBody(ResolveInput.self, request)
            return try json(try await call { try await backend.resolveAlert(id: id, message: input?.message) })
        }
    }

    // MARK: helpers

    /// A path parameter, percent-decoded (alert ids contain ':', device ids may contain anything).
    static func param(_ context: some RequestContext, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    struct AcknowledgeInput: Decodable { var by: String? }
    struct ResolveInput: Decodable { var message: String? }

    /// `limit` (1…1000, default 100) and `offset` (≥ 0, default 0).
    struct Page {
        var limit = 100
        var offset = 0

        init(_ request: Request) throws {
            let q = request.uri.queryParameters
            if let l = q.get("limit") {
                guard let v = Int(l), (1...1000).contains(v) else {
                    throw RulesAPIError(.badRequest, "invalid_parameter", "limit must be an integer from 1 to 1000")
                }
                limit = v
            }
            if let o = q.get("offset") {
                guard let v = Int(o), v >= 0 else { throw RulesAPIError(.badRequest, "invalid_parameter", "offset must be an integer ≥ 0") }
                offset = v
            }
        }

        func slice<T>(_ all: [T]) -> PageBody<T> {
            let start = min(offset, all.count)
            let end = min(start + limit, all.count)
            return PageBody(items: Array(all[start..<end]), total: all.count, limit: limit, offset: offset)
        }
    }

    struct PageBody<T: Encodable>: Encodable {
        var items: [T]
        var total: Int
        var limit: Int
        var offset: Int
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(value) } catch {
            throw RulesAPIError(.internalServerError, "encoding", "cannot encode the answer: \(error)")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 1 << 20) } catch {
            throw RulesAPIError(.contentTooLarge, "body_too_large", "the body is larger than 1 MiB")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: buffer)) } catch {
            throw RulesAPIError(.badRequest, "invalid_body", describe(error))
        }
    }

    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 64 << 10) } catch {
            throw RulesAPIError(.contentTooLarge, "body_too_large", "the body is larger than 64 KiB")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: buffer)) } catch {
            throw RulesAPIError(.badRequest, "invalid_body", describe(error))
        }
    }

    /// A decoding error as one line: the path to the field and what is wrong.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "request body: \(error)" }
        func path(_ c: [any CodingKey]) -> String {
            c.isEmpty ? "the body" : c.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case let .keyNotFound(key, c): return "\(path(c.codingPath + [key])) is required"
        case let .typeMismatch(_, c): return "\(path(c.codingPath)): \(c.debugDescription)"
        case let .valueNotFound(_, c): return "\(path(c.codingPath)) is null"
        case let .dataCorrupted(c): return "\(path(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "request body: \(e)"
        }
    }

    /// Maps backend errors to contract errors.
    static func call<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as RulesAPIError {
            throw e
        } catch let e as RulesError {
            throw RulesAPIError(.badRequest, e.code, e.description)
        } catch let e as EventsError {
            if case .alertNotFound = e { throw RulesAPIError(.notFound, e.code, e.description) }
            throw RulesAPIError(.badRequest, e.code, e.description)
        } catch {
            throw RulesAPIError(.internalServerError, "internal_error", "\(error)".prefix(300).description)
        }
    }
}

