/// Everything that can go wrong loading or running a payload codec.
///
/// Each case says what went wrong in words an operator can act on (`description`) and has a
/// stable snake_case `code` for logs, events and the HTTP API. A failing call never leaves the
/// engine unusable: after `timedOut` or `memoryLimitExceeded` the codec's context is discarded and
/// rebuilt from its source on the next call.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The script is larger than `CodecEngineConfiguration.maxScriptBytes`.
    case scriptTooLarge(bytes: Int, limit: Int)
    /// Evaluating the script failed (syntax error, or its top level threw or ran too long).
    case scriptFailedToLoad(String)
    /// The script defines no function of that name.
    case functionNotFound(String)
    /// The function name is not a plain JavaScript identifier.
    case invalidFunctionName(String)
    /// The function threw; the message is the exception's `name: message`.
    case threw(function: String, message: String)
    /// The call ran past the time limit and was terminated.
    case timedOut(function: String, limitMilliseconds: Int)
    /// The engine's heap grew past the memory limit during the call, which was terminated.
    case memoryLimitExceeded(function: String, limitBytes: Int, observedBytes: Int)
    /// The function returned something that is not a valid result (not an object, NaN, bytes
    /// outside 0–255, a cyclic structure, a Promise, …).
    case invalidResult(function: String, reason: String)
    /// The result's JSON text is longer than `CodecEngineConfiguration.maxOutputBytes`.
    case outputTooLarge(function: String, bytes: Int, limit: Int)
    /// The input given to a codec is unusable (bad bytes, missing fPort, too large, …).
    case invalidInput(String)
    /// JSON text could not be parsed.
    case invalidJSON(String)
    /// A Cayenne LPP payload or object could not be decoded or encoded.
    case cayenneLPP(String)
    /// A catalogue or example file is malformed.
    case invalidCatalog(String)
    /// JavaScriptCore reported something unexpected.
    case engine(String)

    /// A stable identifier for the condition.
    public var code: String {
        switch self {
        case .scriptTooLarge: "script_too_large"
        case .scriptFailedToLoad: "script_load_error"
        case .functionNotFound: "function_not_found"
        case .invalidFunctionName: "invalid_function_name"
        case .threw: "codec_exception"
        case .timedOut: "codec_timeout"
        case .memoryLimitExceeded: "codec_memory_limit"
        case .invalidResult: "codec_invalid_result"
        case .outputTooLarge: "codec_output_too_large"
        case .invalidInput: "invalid_input"
        case .invalidJSON: "invalid_json"
        case .cayenneLPP: "cayenne_lpp_invalid"
        case .invalidCatalog: "invalid_catalog"
        case .engine: "engine_error"
        }
    }

    public var description: String {
        switch self {
        case .scriptTooLarge(let bytes, let limit): "script is \(bytes) bytes, more than the limit of \(limit)"
        case .scriptFailedToLoad(let m): "script failed to load: \(m)"
        case .functionNotFound(let f): "the script defines no function \(f)"
        case .invalidFunctionName(let f): "\"\(f)\" is not a JavaScript function name"
        case .threw(let f, let m): "\(f) threw \(m)"
        case .timedOut(let f, let ms): "\(f) was stopped after the time limit of \(ms) ms"
        case .memoryLimitExceeded(let f, let limit, let observed):
            "\(f) was stopped: the codec heap reached \(observed) bytes, over the limit of \(limit)"
        case .invalidResult(let f, let r): "\(f) returned an invalid result: \(r)"
        case .outputTooLarge(let f, let bytes, let limit): "\(f) returned \(bytes) characters of JSON, more than the limit of \(limit)"
        case .invalidInput(let m): "invalid input: \(m)"
        case .invalidJSON(let m): "invalid JSON: \(m)"
        case .cayenneLPP(let m): "Cayenne LPP: \(m)"
        case .invalidCatalog(let m): "codec catalogue: \(m)"
        case .engine(let m): "JavaScript engine: \(m)"
        }
    }
}
