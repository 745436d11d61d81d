import Foundation
public import Hummingbird

extension AdminAPI {
    /// Runs one SQL statement in a format (`json` or `csv`); returns the rendered body, or throws
    /// a message for a 400 answer. The server passes the analytics engine in.
    public typealias Query = @Sendable (_ sql: String, _ format: String) async throws -> String

    /// Adds `POST /api/query` (admin key) and `GET /healthz` (no key).
    ///
    /// The body is `{"sql": "...", "format": "json"|"csv"}` (or the SQL itself as text/plain); without
    /// `format`, `Accept: text/csv` selects CSV, anything else JSON.
    public static func addQueryRoutes(to router: Router<BasicRequestContext>, adminKey: String, query: @escaping Query) {
        router.get("/healthz") { _, _ in JSONBody(["status": "ok"]) }
        router.group("/api").add(middleware: BearerKeyMiddleware(key: adminKey)).post("query") { req, ctx in
            let body = try await req.body.collect(upTo: 1 << 20)
            let bytes = Data(buffer: body)
            var sql: String
            var format: String?
            if req.headers[.contentType]?.hasPrefix("application/json") == true || bytes.first == UInt8(ascii: "{") {
                let input: QueryInput
                do { input = try JSONDecoder().decode(QueryInput.self, from: bytes) } catch {
                    throw APIError(.badRequest, code: "invalid_body", message: "expected {\"sql\": \"…\", \"format\": \"json|csv\"}")
                }
                sql = input.sql
                format = input.format
            } else {
                sql = String(decoding: bytes, as: UTF8.self)
            }
            sql = sql.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !sql.isEmpty else { throw APIError(.badRequest, code: "invalid_body", message: "no SQL given") }
            if format == nil { format = req.uri.queryParameters.get("format") }
            if format == nil { format = (req.headers[.accept] ?? "").contains("text/csv") ? "csv" : "json" }
            guard let chosen = format, chosen == "json" || chosen == "csv" else {
                throw APIError(.badRequest, code: "invalid_format", message: "format must be json or csv")
            }
            let text: String
            do { text = try await query(sql, chosen) } catch {
                throw APIError(.badRequest, code: "query_failed", message: "\(error)".prefix(500).description)
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
}
