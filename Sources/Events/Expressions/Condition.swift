/// A condition or arithmetic expression of a state-machine detector model, parsed once from text.
///
/// Grammar (precedence from low to high):
/// ```
/// expr    := or
/// or      := and (("||" | "or") and)*
/// and     := not (("&&" | "and") not)*
/// not     := ("!" | "not") not | compare
/// compare := sum (("==" | "!=" | "<" | "<=" | ">" | ">=") sum)?
/// sum     := product (("+" | "-") product)*
/// product := unary (("*" | "/") unary)*
/// unary   := "-" unary | primary
/// primary := number | "true" | "false" | metric | "$" variable | "timeout" "(" string ")" | "(" expr ")"
/// ```
/// A `metric` is the latest value of that metric from the device (`temperature`, `door.open`);
/// `$name` is a variable set by a `setVariable` action; `timeout("t")` is true only while the
/// expiry of timer `t` is being handled. A metric or variable never seen is *undefined*: arithmetic
/// with it is undefined, comparisons with it are false, and an undefined condition is false.
public struct Condition: Equatable, Sendable, CustomStringConvertible {
    indirect enum Node: Equatable, Sendable {
        case number(Double)
        case boolean(Bool)
        case metric(String)
        case variable(String)
        case timeout(String)
        case not(Node)
        case negate(Node)
        case binary(BinaryOperator, Node, Node)
    }

    enum BinaryOperator: String, Equatable, Sendable {
        case or = "||", and = "&&"
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
        case add = "+", sub = "-", mul = "*", div = "/"
    }

    /// A value during evaluation.
    public enum Value: Equatable, Sendable {
        case number(Double)
        case boolean(Bool)
        case undefined

        var truthy: Bool {
            switch self {
            case let .boolean(b): b
            case let .number(n): n != 0 && !n.isNaN
            case .undefined: false
            }
        }
    }

    /// What an expression can see while it is evaluated.
    public struct Environment: Sendable {
        public var metrics: [String: Double]
        public var variables: [String: Double]
        public var expiredTimer: String?

        public init(metrics: [String: Double] = [:], variables: [String: Double] = [:], expiredTimer: String? = nil) {
            self.metrics = metrics
            self.variables = variables
            self.expiredTimer = expiredTimer
        }
    }

    /// The longest accepted expression, in bytes.
    public static let maxLength = 4096

    /// The source text.
    public let text: String
    let root: Node

    /// Parses `text`.
    /// - Throws: `EventsError.invalidExpression` with the 1-based column of the problem.
    public init(_ text: String) throws(EventsError) {
        // Long chains (`1+1+1+…`) nest as deeply as they are long; a bound keeps evaluation and
        // destruction of the tree far from the stack limit.
        guard text.utf8.count <= Self.maxLength else {
            throw .invalidExpression(expression: text, column: Self.maxLength + 1, reason: "expression longer than \(Self.maxLength) bytes")
        }
        var parser = Parser(text: text)
        self.root = try parser.parseAll()
        self.text = text
    }

    public var description: String { text }

    public static func == (a: Self, b: Self) -> Bool { a.root == b.root }

    /// Evaluates to a value.
    public func evaluate(in env: Environment) -> Value {
        Self.eval(root, env)
    }

    /// Evaluates as a condition: true only when the value is true (or a non-zero number).
    public func isTrue(in env: Environment) -> Bool {
        evaluate(in: env).truthy
    }

    /// Timer names referenced by `timeout("…")`, for validation.
    var timerNames: Set<String> {
        var out: Set<String> = []
        func walk(_ n: Node) {
            switch n {
            case let .timeout(name): out.insert(name)
            case let .not(x), let .negate(x): walk(x)
            case let .binary(_, l, r): walk(l); walk(r)
            default: break
            }
        }
        walk(root)
        return out
    }

    static func eval(_ node: Node, _ env: Environment) -> Value {
        switch node {
        case let .number(n): return .number(n)
        case let .boolean(b): return .boolean(b)
        case let .metric(name): return env.metrics[name].map(Value.number) ?? .undefined
        case let .variable(name): return env.variables[name].map(Value.number) ?? .undefined
        case let .timeout(name): return .boolean(env.expiredTimer == name)
        case let .not(x): return .boolean(!eval(x, env).truthy)
        case let .negate(x):
            if case let .number(n) = eval(x, env) { return .number(-n) }
            return .undefined
        case let .binary(op, l, r):
            switch op {
            case .or: return .boolean(eval(l, env).truthy || eval(r, env).truthy)
            case .and: return .boolean(eval(l, env).truthy && eval(r, env).truthy)
            default: break
            }
            let a = eval(l, env)
            let b = eval(r, env)
            switch (op, a, b) {
            case (.eq, .undefined, _), (.eq, _, .undefined), (.ne, .undefined, _), (.ne, _, .undefined):
                return .boolean(false)
            case (.eq, _, _): return .boolean(numeric(a) == numeric(b))
            case (.ne, _, _): return .boolean(numeric(a) != numeric(b))
            default: break
            }
            guard let x = numeric(a), let y = numeric(b) else {
                switch op {
                case .lt, .le, .gt, .ge: return .boolean(false)
                default: return .undefined
                }
            }
            switch op {
            case .lt: return .boolean(x < y)
            case .le: return .boolean(x <= y)
            case .gt: return .boolean(x > y)
            case .ge: return .boolean(x >= y)
            case .add: return .number(x + y)
            case .sub: return .number(x - y)
            case .mul: return .number(x * y)
            case .div: return y == 0 ? .undefined : .number(x / y)
            default: return .undefined
            }
        }
    }

    /// Booleans compare and compute as 1 and 0, as sensors report them (`door == 1`, `door == true`).
    static func numeric(_ v: Value) -> Double? {
        switch v {
        case let .number(n): n
        case let .boolean(b): b ? 1 : 0
        case .undefined: nil
        }
    }
}

/// A recursive-descent parser over the expression's bytes (ASCII syntax; names may hold any
/// letters, digits, `_` and `.`).
private struct Parser {
    let text: String
    let bytes: [UInt8]
    var pos = 0
    var depth = 0

    init(text: String) {
        self.text = text
        self.bytes = Array(text.utf8)
    }

    func fail(_ reason: String, at: Int? = nil) -> EventsError {
        .invalidExpression(expression: text, column: (at ?? pos) + 1, reason: reason)
    }

    mutating func skipSpace() {
        while pos < bytes.count, bytes[pos] == 32 || bytes[pos] == 9 || bytes[pos] == 10 || bytes[pos] == 13 { pos += 1 }
    }

    mutating func accept(_ s: String) -> Bool {
        skipSpace()
        let t = Array(s.utf8)
        guard pos + t.count <= bytes.count, Array(bytes[pos..<(pos + t.count)]) == t else { return false }
        // A keyword must not run on into a name (`order` is not `or` + `der`).
        if let last = t.last, isNameByte(last), pos + t.count < bytes.count, isNameByte(bytes[pos + t.count]) { return false }
        pos += t.count
        return true
    }

    func isNameByte(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 95 || c == 46 || c >= 128
    }

    mutating func parseAll() throws(EventsError) -> Condition.Node {
        skipSpace()
        guard pos < bytes.count else { throw fail("empty expression") }
        let node = try parseOr()
        skipSpace()
        guard pos == bytes.count else { throw fail("unexpected '\(String(decoding: bytes[pos..<min(pos + 10, bytes.count)], as: UTF8.self))'") }
        return node
    }

    mutating func parseOr() throws(EventsError) -> Condition.Node {
        var left = try parseAnd()
        while accept("||") || accept("or") { left = .binary(.or, left, try parseAnd()) }
        return left
    }

    mutating func parseAnd() throws(EventsError) -> Condition.Node {
        var left = try parseNot()
        while accept("&&") || accept("and") { left = .binary(.and, left, try parseNot()) }
        return left
    }

    mutating func parseNot() throws(EventsError) -> Condition.Node {
        skipSpace()
        if pos + 1 < bytes.count, bytes[pos] == 33, bytes[pos + 1] == 61 { return try parseCompare() } // "!=" is not "!"
        if accept("!") || accept("not") {
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw fail("expression nested too deeply") }
            return .not(try parseNot())
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws(EventsError) -> Condition.Node {
        let left = try parseSum()
        for op in [Condition.BinaryOperator.le, .ge, .eq, .ne, .lt, .gt] where accept(op.rawValue) {
            return .binary(op, left, try parseSum())
        }
        return left
    }

    mutating func parseSum() throws(EventsError) -> Condition.Node {
        var left = try parseProduct()
        while true {
            if accept("+") { left = .binary(.add, left, try parseProduct()) }
            else if accept("-") { left = .binary(.sub, left, try parseProduct()) }
            else { return left }
        }
    }

    mutating func parseProduct() throws(EventsError) -> Condition.Node {
        var left = try parseUnary()
        while true {
            if accept("*") { left = .binary(.mul, left, try parseUnary()) }
            else if accept("/") { left = .binary(.div, left, try parseUnary()) }
            else { return left }
        }
    }

    mutating func parseUnary() throws(EventsError) -> Condition.Node {
        if accept("-") {
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw fail("expression nested too deeply") }
            return .negate(try parseUnary())
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws(EventsError) -> Condition.Node {
        skipSpace()
        guard pos < bytes.count else { throw fail("expression ends too early") }
        let start = pos
        let c = bytes[pos]
        if c == 40 { // (
            pos += 1
            depth += 1
            defer { depth -= 1 }
            guard depth < 200 else { throw fail("expression nested too deeply") }
            let inner = try parseOr()
            guard accept(")") else { throw fail("expected ')'") }
            return inner
        }
        if (c >= 48 && c <= 57) || c == 46 {
            while pos < bytes.count, (bytes[pos] >= 48 && bytes[pos] <= 57) || bytes[pos] == 46 || bytes[pos] == 101 || bytes[pos] == 69
                || ((bytes[pos] == 43 || bytes[pos] == 45) && (bytes[pos - 1] == 101 || bytes[pos - 1] == 69)) {
                pos += 1
            }
            let s = String(decoding: bytes[start..<pos], as: UTF8.self)
            guard let v = Double(s), v.isFinite else { throw fail("invalid number '\(s)'", at: start) }
            return .number(v)
        }
        if c == 36 { // $
            pos += 1
            let name = readName()
            guard !name.isEmpty else { throw fail("expected a variable name after '$'", at: start) }
            return .variable(name)
        }
        let name = readName()
        guard !name.isEmpty else { throw fail("unexpected '\(String(decoding: [c], as: UTF8.self))'", at: start) }
        switch name {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "timeout":
            guard accept("(") else { throw fail("expected '(' after timeout") }
            skipSpace()
            guard pos < bytes.count, bytes[pos] == 34 else { throw fail("expected a quoted timer name") }
            pos += 1
            let nameStart = pos
            while pos < bytes.count, bytes[pos] != 34 { pos += 1 }
            guard pos < bytes.count else { throw fail("unterminated string", at: nameStart - 1) }
            let timer = String(decoding: bytes[nameStart..<pos], as: UTF8.self)
            pos += 1
            guard accept(")") else { throw fail("expected ')' after the timer name") }
            return .timeout(timer)
        default:
            return .metric(name)
        }
    }

    mutating func readName() -> String {
        let start = pos
        while pos < bytes.count, isNameByte(bytes[pos]) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }
}
