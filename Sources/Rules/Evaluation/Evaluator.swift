import Foundation

/// Walks an expression tree for one message. `nil` is Undefined throughout.
struct Evaluator {
    let message: RuleMessage
    let sqlVersion: String
    var hashing: (any HashProvider)? = nil

    /// The root document: the payload's JSON, or nil for a binary payload.
    var root: JSONValue? {
        if case .json(let v) = message.payload { return v }
        return nil
    }

    // MARK: Expressions

    func evaluate(_ e: Expression, _ doc: JSONValue?) -> JSONValue? {
        switch e {
        case .literal(let v): return v
        case .name(let n):
            if case .object(let o) = doc { return o[n] }
            return nil
        case .member(let base, let key):
            if case .object(let o) = evaluate(base, doc) { return o[key] }
            return nil
        case .index(let base, let indexExpression):
            let b = evaluate(base, doc)
            let i = evaluate(indexExpression, doc)
            switch (b, i) {
            case (.array(let items), .int(let n)):
                return n >= 0 && n < items.count ? items[Int(n)] : nil
            case (.object(let o), .string(let k)):
                return o[k]
            default:
                return nil
            }
        case .wildcard: return doc
        case .negate(let inner): return Operators.negate(evaluate(inner, doc))
        case .not(let inner): return Convert.bool(evaluate(inner, doc)).map { .bool(!$0) }
        case .binary(let op, let l, let r):
            return Operators.apply(op, evaluate(l, doc), evaluate(r, doc))
        case .call(let f, let args, _):
            return call(f, args, doc, regex: nil)
        case .regexCall(let f, let args, let regex):
            return call(f, args, doc, regex: regex)
        case .cast(let inner, let type): return Functions.cast(evaluate(inner, doc), to: type)
        case .simpleCase(let subject, let arms, let elseExpression):
            guard let v = evaluate(subject, doc) else { return nil }
            for (test, result) in arms where Operators.equals(v, evaluate(test, doc)) == true {
                return evaluate(result, doc)
            }
            return elseExpression.flatMap { evaluate($0, doc) }
        case .searchedCase(let arms, let elseExpression):
            for (condition, result) in arms where Convert.bool(evaluate(condition, doc)) == true {
                return evaluate(result, doc)
            }
            return elseExpression.flatMap { evaluate($0, doc) }
        case .arrayLiteral(let items):
            return .array(items.compactMap { evaluate($0, doc) })
        case .objectLiteral(let members):
            var o = JSONObject()
            for (k, ve) in members { if let v = evaluate(ve, doc) { o[k] = v } }
            return .object(o)
        case .subquery(let q):
            return subquery(q, doc)
        }
    }

    func subquery(_ q: Query, _ doc: JSONValue?) -> JSONValue? {
        guard let source = q.source else { return nil }
        switch evaluate(source, doc) {
        case .array(let items):
            var out: [JSONValue] = []
            for item in items {
                if let c = q.condition, Convert.bool(evaluate(c, item)) != true { continue }
                if case .json(let v) = select(q, document: item, binary: nil) { out.append(v) }
            }
            return .array(out)
        case .object(let o):
            if let c = q.condition, Convert.bool(evaluate(c, .object(o))) != true { return nil }
            if case .json(let v) = select(q, document: .object(o), binary: nil) { return v }
            return nil
        default:
            return nil
        }
    }

    /// Builds the SELECT output for one document.
    func select(_ q: Query, document: JSONValue?, binary: [UInt8]?) -> RuleOutput {
        if q.isValue {
            guard let v = evaluate(q.items[0].expression, document) else { return .undefined }
            return .json(v)
        }
        if q.items.count == 1, q.items[0].isWildcard {
            if let document { return .json(document) }
            if let binary { return .binary(binary) }
            return .json(.object(JSONObject()))
        }
        var out = JSONObject()
        for item in q.items {
            if item.isWildcard {
                if case .object(let o) = document {
                    for m in o.members { out[m.key] = m.value }
                }
                continue
            }
            guard let v = evaluate(item.expression, document) else { continue }
            if let path = item.alias {
                Evaluator.set(&out, path: path[...], value: v)
            } else {
                out[item.derivedName] = v
            }
        }
        return .json(.object(out))
    }

    /// `AS a.b.c` nests the value: {"a":{"b":{"c":v}}}, merging into existing objects.
    static func set(_ object: inout JSONObject, path: ArraySlice<String>, value: JSONValue) {
        guard let first = path.first else { return }
        if path.count == 1 {
            object[first] = value
            return
        }
        var inner: JSONObject
        if case .object(let existing) = object[first] { inner = existing } else { inner = JSONObject() }
        set(&inner, path: path.dropFirst(), value: value)
        object[first] = .object(inner)
    }

    // MARK: Functions

    func call(_ f: SQLFunction, _ argExpressions: [Expression], _ doc: JSONValue?, regex: NSRegularExpression?) -> JSONValue? {
        // AWS: "Functions called with invalid arguments (wrong types, wrong number of arguments, …)
        // return Undefined."
        guard f.arity.contains(argExpressions.count) else { return nil }
        switch f {
        case .encode:
            let scheme = evaluate(argExpressions[1], doc)
            guard case .string(let s) = scheme, s.lowercased() == "base64" else { return nil }
            if case .wildcard = argExpressions[0] {
                if let raw = message.rawBytes { return .string(Data(raw).base64EncodedString()) }
                switch message.payload {
                case .binary(let b): return .string(Data(b).base64EncodedString())
                case .json(let v): return .string(Data(v.jsonText.utf8).base64EncodedString())
                }
            }
            guard let text = Convert.string(evaluate(argExpressions[0], doc)) else { return nil }
            return .string(Data(text.utf8).base64EncodedString())
        case .isUndefined:
            return .bool(evaluate(argExpressions[0], doc) == nil)
        default:
            break
        }
        let args = argExpressions.map { evaluate($0, doc) }
        switch f {
        case .clientid: return .string(message.context.clientID ?? "n/a")
        case .timestamp: return .int(message.context.timestamp)
        case .principal: return message.context.principal.map { .string($0) }
        case .traceid: return message.context.traceID.map { .string($0) }
        case .accountid: return message.context.accountID.map { .string($0) }
        case .sqlVersion: return .string(sqlVersion)
        case .newuuid: return .string(UUID().uuidString.lowercased())
        case .rand: return Functions.fromDouble(Double.random(in: 0..<1))
        case .topic:
            let topic = message.context.topic
            guard let n = args.first else { return .string(topic) }
            guard let i = Convert.index(n), i >= 1 else { return nil }
            // The i-th level, found by scanning (no array of every level per call).
            var level: Int64 = 1
            var start = topic.utf8.startIndex
            var cursor = start
            let end = topic.utf8.endIndex
            while cursor != end {
                if topic.utf8[cursor] == UInt8(ascii: "/") {
                    if level == i { break }
                    level += 1
                    start = topic.utf8.index(after: cursor)
                }
                cursor = topic.utf8.index(after: cursor)
            }
            guard level == i else { return nil }
            return .string(String(topic[start..<cursor]))
        case .regexpMatches, .regexpReplace, .regexpSubstr:
            return Functions.regex(f, args, precompiled: regex)
        case .md2, .md5, .sha1, .sha224, .sha256, .sha384, .sha512:
            // "Hashing functions": the digest of the string (standard conversions), as lowercase hex.
            guard let hashing, let algorithm = HashAlgorithm(rawValue: f.rawValue),
                  let text = Convert.string(args[0]),
                  let digest = hashing.digest(algorithm, of: Array(text.utf8)) else { return nil }
            return .string(digest.map { String(format: "%02x", $0) }.joined())
        default:
            return Functions.apply(f, args)
        }
    }
}
