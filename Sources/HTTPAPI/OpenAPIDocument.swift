public import Foundation

/// The OpenAPI 3.1 document of the whole API, merged from the fragments in
/// `Sources/HTTPAPI/OpenAPI/*.json` (one per area, embedded at build time by the EmbedOpenAPI
/// plugin).
///
/// A fragment is `{"paths": {...}, "components": {"schemas": {...}, ...}}`. Merging unions the
/// paths (operations of one path may come from several fragments) and the components; the same
/// operation or component defined twice with different content is an error naming both files.
public struct OpenAPIDocument: Sendable {
    /// The merged document as JSON with sorted keys and indentation (the form kept in
    /// docs/openapi.json, so the copy in the repository diffs cleanly).
    public let data: Data

    /// What can be wrong with the fragments.
    public struct MergeError: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Merges the embedded fragments.
    public static func merged() throws -> OpenAPIDocument {
        var fragments: [(name: String, data: Data)] = []
        for (name, base64) in EmbeddedOpenAPIFragments.all {
            guard let data = Data(base64Encoded: base64) else { throw MergeError(description: "\(name): not embedded correctly") }
            fragments.append((name, data))
        }
        return try merge(fragments)
    }

    /// Merges `fragments` (file name, JSON) under the document's header.
    public static func merge(_ fragments: [(name: String, data: Data)]) throws -> OpenAPIDocument {
        var paths: [String: [String: Any]] = [:]
        var pathOwners: [String: String] = [:]
        var tags: [[String: Any]] = []
        var components: [String: [String: Any]] = [
            "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer",
                                           "description": "An API key: the data directory's admin.key or one made with POST /api/api-keys."]],
        ]
        for (name, data) in fragments.sorted(by: { $0.name < $1.name }) {
            let parsed: Any
            do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
                throw MergeError(description: "\(name): not valid JSON")
            }
            guard let fragment = parsed as? [String: Any] else { throw MergeError(description: "\(name): not a JSON object") }
            // `openapi` and `info` of a fragment (written to be valid on its own) give way to the
            // merged document's; tags are unioned by name.
            for key in fragment.keys where !["paths", "components", "openapi", "info", "tags"].contains(key) {
                throw MergeError(description: "\(name): unexpected top-level key '\(key)' (fragments hold paths and components)")
            }
            for tag in fragment["tags"] as? [[String: Any]] ?? [] {
                guard let tagName = tag["name"] as? String else { throw MergeError(description: "\(name): a tag without a name") }
                if !tags.contains(where: { $0["name"] as? String == tagName }) { tags.append(tag) }
            }
            for (path, value) in fragment["paths"] as? [String: Any] ?? [:] {
                guard let operations = value as? [String: Any] else { throw MergeError(description: "\(name): path \(path) is not an object") }
                var merged = paths[path] ?? [:]
                for (method, operation) in operations {
                    if let existing = merged[method], !equal(existing, operation) {
                        throw MergeError(description: "\(name): \(method) \(path) is also defined in \(pathOwners["\(method) \(path)"] ?? "another fragment")")
                    }
                    merged[method] = operation
                    pathOwners["\(method) \(path)"] = name
                }
                paths[path] = merged
            }
            for (section, value) in fragment["components"] as? [String: Any] ?? [:] {
                guard let entries = value as? [String: Any] else { throw MergeError(description: "\(name): components.\(section) is not an object") }
                var merged = components[section] ?? [:]
                for (entry, definition) in entries {
                    if let existing = merged[entry], !equal(existing, definition) {
                        throw MergeError(description: "\(name): components.\(section).\(entry) is defined differently in another fragment")
                    }
                    merged[entry] = definition
                }
                components[section] = merged
            }
        }
        var document: [String: Any] = [
            "openapi": "3.1.0",
            "info": ["title": "Lorikeet HTTP API", "version": "0.1.0",
                     "description": "LoRaWAN network server and telemetry analytics. Every /api route needs Authorization: Bearer <API key>; errors are {\"error\": code, \"message\": text}; lists are {\"items\", \"total\", \"limit\", \"offset\"}."],
            "security": [["bearer": [String]()]],
            "paths": paths,
            "components": components,
        ]
        if !tags.isEmpty { document["tags"] = tags.sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") } }
        var data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        data.append(UInt8(ascii: "\n"))
        return OpenAPIDocument(data: data)
    }

    /// `METHOD /path` of every operation, with `{param}` path templates.
    public var operations: Set<String> {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        var out: Set<String> = []
        for (path, value) in object["paths"] as? [String: Any] ?? [:] {
            for method in (value as? [String: Any] ?? [:]).keys { out.insert("\(method.uppercased()) \(path)") }
        }
        return out
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        guard let x = try? JSONSerialization.data(withJSONObject: a, options: [.sortedKeys, .fragmentsAllowed]),
              let y = try? JSONSerialization.data(withJSONObject: b, options: [.sortedKeys, .fragmentsAllowed]) else { return false }
        return x == y
    }
}
