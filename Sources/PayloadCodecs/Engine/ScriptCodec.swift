import CJavaScriptCore

/// A JavaScript codec loaded into a `CodecEngine`: load once, call many times.
///
/// The script is evaluated once; its functions are then called per uplink/downlink. Arguments go
/// in as JSON and results come back as JSON (`JSON.stringify` captured before the codec ran, so a
/// codec cannot replace it), then are checked against the convention of the function called.
///
/// ```swift
/// let engine = CodecEngine()
/// let codec = try engine.load(source: "function decodeUplink(i) { return { data: { t: i.bytes[0] } } }")
/// let out = try codec.decodeUplink(UplinkInput(bytes: [21], fPort: 1))
/// // out.data == ["t": 21]
/// ```
///
/// Thread-safe: every call takes the engine's lock (see `CodecEngine`).
public final class ScriptCodec: @unchecked Sendable {
    /// The engine running this codec.
    public let engine: CodecEngine
    /// The name given at load time.
    public let name: String
    let source: String

    // Guarded by engine.lock.
    private var context: JSGlobalContextRef?
    private var runner: JSObjectRef?
    private var functions: [String: JSObjectRef] = [:]

    init(engine: CodecEngine, source: String, name: String) {
        self.engine = engine
        self.source = source
        self.name = name
    }

    deinit {
        engine.lock.lock()
        discardContextLocked()
        engine.lock.unlock()
    }

    /// The prelude runs before the codec in every context. It captures the built-ins the engine
    /// relies on (so a codec that replaces `JSON.stringify` or `Reflect.apply` changes nothing for
    /// the engine), removes `WebAssembly`, and returns the function that performs one call:
    /// `runner(fn, argumentsJSON, kind)` → `"R" + resultJSON`, `"T" + exception`, or
    /// `"G" + why the result is garbage`. `kind` 1 turns `args[0].recvTime` into a `Date`.
    private static let prelude = #"""
    (function (global) {
      "use strict";
      const stringify = JSON.stringify, parse = JSON.parse, apply = Reflect.apply;
      const DateCtor = Date, StringCtor = String, ErrorCtor = Error, PromiseCtor = Promise;
      const isFinite = Number.isFinite;
      delete global.WebAssembly;
      let badKey = null;
      function replacer(key, value) {
        if (typeof value === "number" && !isFinite(value)) { badKey = key; throw new ErrorCtor("non-finite"); }
        if (typeof value === "bigint") { badKey = key; throw new ErrorCtor("bigint"); }
        return value;
      }
      function describe(e) {
        try {
          if (e instanceof ErrorCtor) return StringCtor(e.name) + ": " + StringCtor(e.message);
          return "uncaught " + StringCtor(e);
        } catch (_) { return "an exception that cannot be described"; }
      }
      return function (fn, argsJSON, kind) {
        const args = parse(argsJSON);
        if (kind === 1 && args[0] !== null && typeof args[0] === "object" && args[0].recvTime !== undefined) {
          args[0].recvTime = new DateCtor(args[0].recvTime);
        }
        let result;
        try { result = apply(fn, undefined, args); } catch (e) { return "T" + describe(e); }
        if (result === undefined) return "Greturned undefined";
        if (typeof result === "function" || typeof result === "symbol") return "Greturned a " + typeof result;
        if (result instanceof PromiseCtor) return "Greturned a Promise (codec functions must be synchronous)";
        badKey = null;
        let text;
        try { text = stringify(result, replacer); } catch (e) {
          if (badKey !== null) {
            const where = badKey === "" ? "the result" : "key \"" + badKey + "\"";
            return "Gnon-finite or BigInt number at " + where;
          }
          return "Gthe result is not JSON: " + describe(e);
        }
        if (typeof text !== "string") return "Gthe result is not JSON";
        return "R" + text;
      };
    })(this)
    """#

    // MARK: - Context lifecycle (caller holds engine.lock)

    func createContextLocked() throws(CodecError) {
        guard let context = JSGlobalContextCreateInGroup(engine.group, nil) else {
            throw .engine("could not create a context")
        }
        engine.beginCallLocked()
        var exception: JSValueRef?
        let preludeSource = ScriptCodec.prelude.jsString()
        let preludeURL = "lorikeet-prelude.js".jsString()
        let value = JSEvaluateScript(context, preludeSource, nil, preludeURL, 1, &exception)
        JSStringRelease(preludeSource)
        JSStringRelease(preludeURL)
        guard exception == nil, let value, let runner = JSValueToObject(context, value, nil),
              JSObjectIsFunction(context, runner) else {
            JSGlobalContextRelease(context)
            throw .engine("the prelude failed: \(describe(exception, in: context))")
        }
        JSValueProtect(context, runner)
        self.context = context
        self.runner = runner

        engine.beginCallLocked()
        let script = source.jsString()
        let url = name.jsString()
        exception = nil
        _ = JSEvaluateScript(context, script, nil, url, 1, &exception)
        JSStringRelease(script)
        JSStringRelease(url)
        if exception != nil {
            let message: String
            switch engine.watchdog.termination {
            case .timeLimit: message = "the top level ran past the time limit of \(engine.configuration.timeLimitMilliseconds) ms"
            case .memoryLimit(let observed): message = "the top level used \(observed) bytes of heap, over the limit"
            case nil: message = describe(exception, in: context)
            }
            discardContextLocked()
            if engine.watchdog.termination != nil { engine.collectGarbageLocked() }
            throw .scriptFailedToLoad(message)
        }
    }

    func discardContextLocked() {
        guard let context else { return }
        for (_, function) in functions { JSValueUnprotect(context, function) }
        if let runner { JSValueUnprotect(context, runner) }
        functions = [:]
        runner = nil
        self.context = nil
        // The context's objects become garbage; the collector reclaims them in its next cycle.
        JSGlobalContextRelease(context)
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 128 else { return false }
        func ok(_ c: Unicode.Scalar, first: Bool) -> Bool {
            if c == "_" || c == "$" { return true }
            if ("a"..."z").contains(c) || ("A"..."Z").contains(c) { return true }
            return !first && ("0"..."9").contains(c)
        }
        return ok(first, first: true) && name.unicodeScalars.dropFirst().allSatisfy { ok($0, first: false) }
    }

    /// Finds a function the script defines (a `function` declaration or a top-level
    /// `const`/`let`), once per context.
    private func resolveLocked(_ function: String, in context: JSGlobalContextRef) throws(CodecError) -> JSObjectRef {
        if let cached = functions[function] { return cached }
        guard ScriptCodec.isIdentifier(function) else { throw .invalidFunctionName(function) }
        engine.beginCallLocked()
        let lookup = "(typeof \(function) === \"function\") ? \(function) : undefined".jsString()
        defer { JSStringRelease(lookup) }
        var exception: JSValueRef?
        let value = JSEvaluateScript(context, lookup, nil, nil, 1, &exception)
        if exception != nil {
            if engine.watchdog.termination != nil { discardContextLocked() }
            throw .functionNotFound(function)
        }
        guard let value, JSValueIsObject(context, value), let object = JSValueToObject(context, value, nil),
              JSObjectIsFunction(context, object) else {
            throw .functionNotFound(function)
        }
        JSValueProtect(context, object)
        functions[function] = object
        return object
    }

    // MARK: - Calling

    /// How the runner prepares arguments.
    enum ArgumentKind: Double {
        case plain = 0
        /// `args[0].recvTime` becomes a `Date`.
        case convertRecvTime = 1
    }

    /// Calls `function` with arguments given as a JSON array text and returns its result
    /// parsed (already known to be JSON: no NaN, no cycles, within the size limit).
    func invoke(_ function: String, argumentsJSON: String, kind: ArgumentKind = .plain) throws(CodecError) -> JSONValue {
        let inputSize = argumentsJSON.utf8.count
        guard inputSize <= engine.configuration.maxInputBytes else {
            throw .invalidInput("the input is \(inputSize) bytes of JSON, more than the limit of \(engine.configuration.maxInputBytes)")
        }
        let utf8 = try invokeRaw(function, argumentsJSON: argumentsJSON, kind: kind)
        do {
            return try JSONValue(parsingUTF8: utf8)
        } catch {
            // JSON.stringify produced it, so only the nesting bound can refuse it.
            throw .invalidResult(function: function, reason: "\(error.description) (the result nests too deeply?)")
        }
    }

    /// The UTF-8 bytes of (at most the first `maxUTF16` code units of) a JavaScript string.
    static func utf8(of string: JSStringRef, maxUTF16: Int) -> [UInt8] {
        let length = JSStringGetLength(string)
        if length > maxUTF16 {
            // Only a prefix is wanted (for an error message): go through the characters.
            guard let chars = JSStringGetCharactersPtr(string) else { return [] }
            return Array(String(decoding: UnsafeBufferPointer(start: chars, count: maxUTF16), as: UTF16.self).utf8)
        }
        let capacity = JSStringGetMaximumUTF8CStringSize(string)
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            guard let base = buffer.baseAddress else { count = 0; return }
            let written = base.withMemoryRebound(to: CChar.self, capacity: capacity) {
                JSStringGetUTF8CString(string, $0, capacity)
            }
            count = max(0, written - 1)  // drop the terminating NUL
        }
    }

    private func invokeRaw(_ function: String, argumentsJSON: String, kind: ArgumentKind) throws(CodecError) -> [UInt8] {
        engine.lock.lock()
        defer { engine.lock.unlock() }
        if context == nil { try createContextLocked() }
        guard let context, let runner else { throw .engine("no context") }
        let fn = try resolveLocked(function, in: context)

        let argsString = argumentsJSON.jsString()
        defer { JSStringRelease(argsString) }
        let arguments: [JSValueRef?] = [
            fn,
            JSValueMakeString(context, argsString),
            JSValueMakeNumber(context, kind.rawValue),
        ]
        engine.beginCallLocked()
        var exception: JSValueRef?
        let result = arguments.withUnsafeBufferPointer {
            JSObjectCallAsFunction(context, runner, nil, 3, $0.baseAddress, &exception)
        }
        if exception != nil {
            let termination = engine.watchdog.termination
            let message = describe(exception, in: context)
            discardContextLocked()
            switch termination {
            case .timeLimit:
                throw .timedOut(function: function, limitMilliseconds: engine.configuration.timeLimitMilliseconds)
            case .memoryLimit(let observed):
                engine.collectGarbageLocked()
                throw .memoryLimitExceeded(function: function, limitBytes: engine.configuration.memoryLimitBytes, observedBytes: observed)
            case nil:
                // The runner catches the codec's own exceptions, so this is the engine itself
                // failing (a stack overflow while preparing arguments, say).
                throw .threw(function: function, message: message)
            }
        }
        guard let result, JSValueIsString(context, result), let string = JSValueToStringCopy(context, result, nil) else {
            throw .engine("the runner returned no string")
        }
        defer { JSStringRelease(string) }
        // Check the size before copying anything out (length in UTF-16 units, the tag included).
        let payloadLength = JSStringGetLength(string) - 1
        guard payloadLength >= 0 else { throw .engine("the runner returned an empty string") }
        let limit = engine.configuration.maxOutputBytes
        // JSC keeps most strings as 8-bit; converting straight to UTF-8 avoids a UTF-16 copy.
        var utf8 = ScriptCodec.utf8(of: string, maxUTF16: max(payloadLength, 0) <= limit ? payloadLength + 1 : 1025)
        let tag = utf8.first ?? 0
        if !utf8.isEmpty { utf8.removeFirst() }
        switch tag {
        case UInt8(ascii: "R"):
            guard payloadLength <= limit else {
                throw .outputTooLarge(function: function, bytes: payloadLength, limit: limit)
            }
            return utf8
        case UInt8(ascii: "T"):
            throw .threw(function: function, message: String(String(decoding: utf8, as: UTF8.self).prefix(1024)))
        default:
            throw .invalidResult(function: function, reason: String(String(decoding: utf8, as: UTF8.self).prefix(1024)))
        }
    }
}
