public import Hummingbird

extension AdminAPI {
    /// A `/api` group behind the admin-key check, for route sets that live outside ``router(registry:sessions:adminKey:enqueue:)``
    /// (the live stream). The API-key roles middleware replaces it when it lands.
    public static func keyedGroup(_ router: Router<BasicRequestContext>, adminKey: String) -> RouterGroup<BasicRequestContext> {
        router.group("/api").add(middleware: BearerKeyMiddleware(key: adminKey))
    }
}
