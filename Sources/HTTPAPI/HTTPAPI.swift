import Foundation
public import Hummingbird
public import Registry

/// Builds the HTTP API's router: the ``AccessMiddleware`` first (so it guards every route added
/// afterwards, including other areas' and the not-found answer), `GET /healthz`, the REST core
/// (``CoreAPI``), `POST /api/query` (``QueryAPI``) and `GET /api/openapi.json`.
///
/// Other areas add their routes to the returned router (or its `/api` group) afterwards; they do
/// no authentication of their own.
public enum HTTPAPI {
    public static func router(adminKey: String, registry: any AdministrationStore, core: CoreAPI, query: QueryAPI?,
                              configuration: HTTPAPIConfiguration = .init()) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: AccessMiddleware(adminKey: adminKey, registry: registry, configuration: configuration))
        router.get("/healthz") { _, _ in ["status": "ok"] }
        let api = router.group("/api")
        core.addRoutes(to: api)
        query?.addRoutes(to: api)
        api.get("openapi.json") { _, _ in
            let data = try OpenAPIDocument.merged().data
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return router
    }
}
