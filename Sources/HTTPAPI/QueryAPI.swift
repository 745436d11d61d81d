import Foundation
public import Hummingbird

/// `POST /api/query`: one analytics SQL statement, answered as JSON or CSV.
public struct QueryAPI: Sendable {
    /// Runs one SQL statement in a format (`json` or `csv`); returns the rendered body, or throws
    /// a message for a 400 answer. The server passes the analytics engine in.
    public typealias Query = @Sendable (_ sql: String, _ format: String) async throws -> String

    let query: Query
    let maxBodyBytes: Int

    public init(configuration: HTTPAPIConfiguration = .init(), query: @escaping Query) {
        self.query = query
        maxBodyBytes = configuration.maxBodyBytes
    }

    /// Adds `POST query` to `api` (the `/api` group).
    ///
    /// The body is `{"sql": "...", "format": "json"|"csv"}` (or the SQL itself as text/plain); without
    /// `format`, `?format=` or `Accept: text/csv` selects CSV, anything else JSON.
    public func addRoutes<Context: RequestContext>(to api: RouterGroup<Context>) {
        api.post("query") { request, _ in
            let bytes = try await StrictJSON.body(request, limit: maxBodyBytes)
            var sql: String
            var format: String?
            if request.headers[.contentType]?.hasPrefix("application/json") == true || bytes.first == UInt8(ascii: "{") {
                let input = try StrictJSON.decode(QueryInput.self, from: bytes, schema: QueryInput.schema)
                sql = input.sql
                format = input.format
            } else {
                sql = String(decoding: bytes, as: UTF8.self)
            }
            sql = sql.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !sql.isEmpty else { throw APIError.badRequest("invalid_body", "no SQL given") }
            if format == nil { format = request.uri.queryParameters.get("format") }
            if format == nil { format = (request.headers[.accept] ?? "").contains("text/csv") ? "csv" : "json" }
            guard let chosen = format, chosen == "json" || chosen == "csv" else {
                throw APIError.badRequest("invalid_format", "format must be json or csv")
            }
            let text: String
            do { text = try await query(sql, chosen) } catch {
                throw APIError.badRequest("query_failed", "\(error)".prefix(500).description)
            }
            var headers = HTTPFields()
            headers[.contentType] = chosen == "csv" ? "text/csv; charset=utf-8" : "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

struct QueryInput: Decodable {
    var sql: String
    var format: String?
    static let schema: [String: FieldSchema] = ["sql": .value, "format": .value]
}
