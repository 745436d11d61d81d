import Foundation

/// A parsed SQL expression (the tree the evaluator walks).
indirect enum Expression: Sendable {
    enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
        case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case and = "AND", or = "OR"
    }

    case literal(JSONValue)
    /// A name at the root: a key of the current document (the payload, or an element in a nested query).
    case name(String)
    /// `base.key`.
    case member(Expression, String)
    /// `base[index]`.
    case index(Expression, Expression)
    /// `*`: the whole current document (only as a function argument or SELECT item).
    case wildcard
    case negate(Expression)
    case not(Expression)
    case binary(BinaryOperator, Expression, Expression)
    case call(SQLFunction, [Expression], location: SourceLocation)
    case cast(Expression, CastType)
    /// `CASE v WHEN t THEN r … [ELSE e] END`.
    case simpleCase(Expression, [(Expression, Expression)], Expression?)
    /// `CASE WHEN condition THEN r … [ELSE e] END` (a Lorikeet extension of the documented form).
    case searchedCase([(Expression, Expression)], Expression?)
    case arrayLiteral([Expression])
    case objectLiteral([(String, Expression)])
    /// `(SELECT … FROM expression [WHERE …])`, a nested object query (SQL 2016-03-23).
    case subquery(Query)
    /// A regex function whose pattern was a literal, compiled once at parse time.
    case regexCall(SQLFunction, [Expression], NSRegularExpression?)
}

/// Target types of `cast(x AS type)` (AWS developer guide, "Functions", cast()).
enum CastType: Sendable {
    case string, int, decimal, double, boolean
}

/// One item of a SELECT list.
struct SelectItem: Sendable {
    /// `*`: merge the document's members into the output.
    var isWildcard: Bool
    var expression: Expression
    /// The output key path (`AS a.b` gives ["a", "b"]); nil means "derive a name".
    var alias: [String]?
    /// The derived name (last path segment, or `_N` by position).
    var derivedName: String
}

/// `SELECT … FROM … WHERE …`, at the top level (FROM is a topic filter) or nested (FROM is an expression).
struct Query: Sendable {
    var isValue: Bool
    var items: [SelectItem]
    var source: Expression?
    var condition: Expression?
}

/// Functions known to the evaluator (AWS developer guide, "Functions").
enum SQLFunction: String, Sendable, CaseIterable {
    case abs, acos, asin, atan, atan2, bitand, bitor, bitxor, bitnot, ceil, chr, clientid, concat, cos, cosh
    case decode, encode, endswith, exp, floor, get, indexof, isNull = "isnull", isUndefined = "isundefined"
    case isString = "isstring", isNumber = "isnumber", isBoolean = "isboolean", isArray = "isarray"
    case isObject = "isobject", length, ln, log, lower, lpad, ltrim, mod, nanvl, newuuid, numbytes, power
    case principal, rand, regexpMatches = "regexp_matches", regexpReplace = "regexp_replace"
    case regexpSubstr = "regexp_substr", remainder, replace, rpad, round, rtrim, sign, sin, sinh, substring
    case sqlVersion = "sql_version", sqrt, startswith, tan, tanh, timestamp, topic, traceid, transform
    case trim, trunc, upper, accountid
    case parseTime = "parse_time", timeToEpoch = "time_to_epoch"
    case md2, md5, sha1, sha224, sha256, sha384, sha512

    /// Allowed argument counts.
    var arity: ClosedRange<Int> {
        switch self {
        case .clientid, .newuuid, .principal, .rand, .sqlVersion, .timestamp, .traceid, .accountid: 0...0
        case .topic: 0...1
        case .parseTime: 2...3
        case .concat: 0...Int.max
        case .substring: 2...3
        case .atan2, .bitand, .bitor, .bitxor, .decode, .encode, .endswith, .get, .indexof, .lpad, .mod,
             .nanvl, .power, .regexpMatches, .regexpSubstr, .remainder, .rpad, .startswith, .trunc, .timeToEpoch: 2...2
        case .regexpReplace, .replace, .transform: 3...3
        default: 1...1
        }
    }
}

extension Expression {
    /// Direct sub-expressions (for the iterative height check).
    var children: [Expression] {
        switch self {
        case .literal, .name, .wildcard: []
        case .member(let e, _), .negate(let e), .not(let e), .cast(let e, _): [e]
        case .index(let a, let b), .binary(_, let a, let b): [a, b]
        case .call(_, let args, _), .regexCall(_, let args, _), .arrayLiteral(let args): args
        case .simpleCase(let v, let arms, let e):
            [v] + arms.flatMap { [$0.0, $0.1] } + (e.map { [$0] } ?? [])
        case .searchedCase(let arms, let e):
            arms.flatMap { [$0.0, $0.1] } + (e.map { [$0] } ?? [])
        case .objectLiteral(let members): members.map(\.1)
        case .subquery(let q): q.expressions
        }
    }

    /// The height of the tree, computed without recursion (a hostile tree must not overflow the stack
    /// while being measured).
    var height: Int {
        var maxHeight = 0
        var stack: [(Expression, Int)] = [(self, 1)]
        while let (e, h) = stack.popLast() {
            maxHeight = Swift.max(maxHeight, h)
            for c in e.children { stack.append((c, h + 1)) }
        }
        return maxHeight
    }
}

extension Query {
    var expressions: [Expression] {
        items.map(\.expression) + (source.map { [$0] } ?? []) + (condition.map { [$0] } ?? [])
    }
}
