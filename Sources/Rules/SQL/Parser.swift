import Foundation

/// The parsed form of a rule's SQL statement.
struct Statement: Sendable {
    var query: Query
    var topicFilter: TopicFilter
}

/// A recursive-descent parser for AWS IoT rule SQL.
///
/// Grammar (precedence from loosest to tightest):
/// ```
/// statement  := SELECT [VALUE] item {, item} FROM 'filter' [WHERE expr]
/// item       := '*' | expr [AS name{.name}]
/// expr       := or ;  or := and {OR and} ;  and := not {AND not} ;  not := NOT not | cmp
/// cmp        := add [(= | <> | != | < | <= | > | >=) add]
/// add        := mul {(+ | -) mul} ;  mul := unary {(* | / | %) unary} ;  unary := - unary | postfix
/// postfix    := primary {. name | [ expr ]}
/// primary    := literal | name | name '(' args ')' | cast '(' expr AS type ')' | CASE … END
///             | '(' expr ')' | '(' SELECT … FROM expr [WHERE expr] ')' | '[' … ']' | '{' key : expr … '}'
/// ```
/// Nesting is limited to ``maximumDepth`` so hostile SQL gives an error, not a stack overflow.
struct Parser {
    static let maximumDepth = 200

    var tokens: [Token]
    var position = 0
    var depth = 0

    init(_ text: String) throws(RulesError) {
        tokens = try Lexer.tokenize(text)
    }

    static func parseStatement(_ text: String) throws(RulesError) -> Statement {
        var parser = try Parser(text)
        let statement = try parser.statement()
        try checkHeight(statement.query.expressions)
        return statement
    }

    /// The deepest expression tree accepted (left-deep chains such as `a + a + … + a` grow the tree
    /// without nesting the parser, so the tree itself is measured too).
    static let maximumHeight = 256

    static func checkHeight(_ expressions: [Expression]) throws(RulesError) {
        for e in expressions where e.height > maximumHeight {
            throw .syntax(location: SourceLocation(line: 1, column: 1),
                          message: "expression too deeply nested or too long a chain (more than \(maximumHeight) levels)")
        }
    }

    static func parseExpression(_ text: String) throws(RulesError) -> Expression {
        var parser = try Parser(text)
        let e = try parser.expression()
        guard parser.current.kind == .end else { throw parser.expected("end of expression") }
        try checkHeight([e])
        return e
    }

    var current: Token { tokens[min(position, tokens.count - 1)] }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    func expected(_ what: String) -> RulesError {
        .syntax(location: current.location, message: "expected \(what), found \(current.display)")
    }

    mutating func expectSymbol(_ s: String, _ what: String? = nil) throws(RulesError) {
        guard current.isSymbol(s) else { throw expected(what ?? "'\(s)'") }
        advance()
    }

    mutating func expectWord(_ w: String) throws(RulesError) {
        guard current.isWord(w) else { throw expected(w) }
        advance()
    }

    static let reserved: Set<String> = [
        "SELECT", "FROM", "WHERE", "AS", "AND", "OR", "NOT", "CASE", "WHEN", "THEN", "ELSE", "END", "VALUE",
    ]

    func isReserved(_ t: Token) -> Bool {
        if case .word(let w) = t.kind { return Parser.reserved.contains(w.uppercased()) }
        return false
    }

    // MARK: Statement

    mutating func statement() throws(RulesError) -> Statement {
        let (isValue, items) = try selectList()
        guard current.isWord("FROM") else { throw expected("',' or FROM") }
        advance()
        guard case .string(let filterText) = current.kind else {
            throw expected("a quoted topic filter after FROM (for example 'sensors/+/data')")
        }
        let filterLocation = current.location
        let filter: TopicFilter
        do {
            filter = try TopicFilter(filterText)
        } catch {
            throw .syntax(location: filterLocation, message: error.description)
        }
        advance()
        var condition: Expression?
        if current.isWord("WHERE") {
            advance()
            condition = try expression()
        }
        guard current.kind == .end else {
            throw expected(condition == nil ? "WHERE or end of statement" : "an operator or end of statement")
        }
        return Statement(query: Query(isValue: isValue, items: items, source: nil, condition: condition),
                         topicFilter: filter)
    }

    mutating func selectList() throws(RulesError) -> (Bool, [SelectItem]) {
        try expectWord("SELECT")
        var isValue = false
        if current.isWord("VALUE") {
            isValue = true
            advance()
        }
        var items: [SelectItem] = []
        repeat {
            if !items.isEmpty { advance() }  // the comma
            items.append(try selectItem(position: items.count + 1))
        } while current.isSymbol(",")
        if isValue && (items.count != 1 || items[0].alias != nil) {
            throw .syntax(location: current.location, message: "SELECT VALUE takes exactly one expression without AS")
        }
        return (isValue, items)
    }

    mutating func selectItem(position: Int) throws(RulesError) -> SelectItem {
        if current.isSymbol("*") {
            advance()
            return SelectItem(isWildcard: true, expression: .wildcard, alias: nil, derivedName: "*")
        }
        if current.kind == .end || isReserved(current) && !current.isWord("CASE") && !current.isWord("NOT") {
            throw expected("an expression or '*' in the SELECT list")
        }
        let e = try expression()
        var alias: [String]?
        if current.isWord("AS") {
            advance()
            var path = [try aliasName()]
            while current.isSymbol(".") {
                advance()
                path.append(try aliasName())
            }
            alias = path
        }
        let derived: String
        switch e {
        case .name(let n), .member(_, let n): derived = n
        default: derived = "_\(position)"
        }
        return SelectItem(isWildcard: false, expression: e, alias: alias, derivedName: derived)
    }

    mutating func aliasName() throws(RulesError) -> String {
        switch current.kind {
        case .word(let w) where !Parser.reserved.contains(w.uppercased()):
            advance(); return w
        case .quotedName(let n), .string(let n):
            advance(); return n
        default:
            throw expected("a name after AS")
        }
    }

    // MARK: Expressions

    mutating func enter() throws(RulesError) {
        depth += 1
        if depth > Parser.maximumDepth {
            throw .syntax(location: current.location,
                          message: "expression nested too deeply (more than \(Parser.maximumDepth) levels)")
        }
    }

    mutating func expression() throws(RulesError) -> Expression {
        try enter()
        defer { depth -= 1 }
        return try orExpression()
    }

    mutating func orExpression() throws(RulesError) -> Expression {
        var left = try andExpression()
        while current.isWord("OR") {
            advance()
            left = .binary(.or, left, try andExpression())
        }
        return left
    }

    mutating func andExpression() throws(RulesError) -> Expression {
        var left = try notExpression()
        while current.isWord("AND") {
            advance()
            left = .binary(.and, left, try notExpression())
        }
        return left
    }

    mutating func notExpression() throws(RulesError) -> Expression {
        if current.isWord("NOT") {
            advance()
            try enter()
            defer { depth -= 1 }
            return .not(try notExpression())
        }
        return try comparison()
    }

    mutating func comparison() throws(RulesError) -> Expression {
        let left = try additive()
        let op: Expression.BinaryOperator
        switch current.kind {
        case .symbol("="): op = .equal
        case .symbol("<>"), .symbol("!="): op = .notEqual
        case .symbol("<"): op = .less
        case .symbol("<="): op = .lessOrEqual
        case .symbol(">"): op = .greater
        case .symbol(">="): op = .greaterOrEqual
        default: return left
        }
        advance()
        return .binary(op, left, try additive())
    }

    mutating func additive() throws(RulesError) -> Expression {
        var left = try multiplicative()
        while true {
            if current.isSymbol("+") {
                advance(); left = .binary(.add, left, try multiplicative())
            } else if current.isSymbol("-") {
                advance(); left = .binary(.subtract, left, try multiplicative())
            } else {
                return left
            }
        }
    }

    mutating func multiplicative() throws(RulesError) -> Expression {
        var left = try unary()
        while true {
            let op: Expression.BinaryOperator
            if current.isSymbol("*") { op = .multiply }
            else if current.isSymbol("/") { op = .divide }
            else if current.isSymbol("%") { op = .remainder }
            else { return left }
            advance()
            left = .binary(op, left, try unary())
        }
    }

    mutating func unary() throws(RulesError) -> Expression {
        if current.isSymbol("-") {
            advance()
            try enter()
            defer { depth -= 1 }
            // Fold a negative literal so `-9223372036854775808` stays an Int.
            let next = tokens[min(position + 1, tokens.count - 1)]
            if !next.isSymbol("."), !next.isSymbol("[") {
                if case .int(let i) = current.kind {
                    advance()
                    return .literal(.int(0 &- i))
                }
                if case .decimal(let d) = current.kind, d.sourceText == "9223372036854775808" {
                    advance()
                    return .literal(.int(Int64.min))
                }
            }
            return .negate(try unary())
        }
        if current.isSymbol("+") {
            advance()
            try enter()
            defer { depth -= 1 }
            return try unary()
        }
        return try postfix()
    }

    mutating func postfix() throws(RulesError) -> Expression {
        var e = try primary()
        while true {
            if current.isSymbol(".") {
                advance()
                switch current.kind {
                case .word(let w), .quotedName(let w):
                    advance(); e = .member(e, w)
                default:
                    throw expected("a name after '.'")
                }
            } else if current.isSymbol("[") {
                advance()
                let index = try expression()
                try expectSymbol("]", "']' to close the index")
                e = .index(e, index)
            } else {
                return e
            }
        }
    }

    mutating func primary() throws(RulesError) -> Expression {
        let token = current
        switch token.kind {
        case .int(let i): advance(); return .literal(.int(i))
        case .decimal(let d): advance(); return .literal(.decimal(d))
        case .string(let s): advance(); return .literal(.string(s))
        case .quotedName(let n): advance(); return .name(n)
        case .symbol("("):
            advance()
            if current.isWord("SELECT") {
                let q = try subquery()
                try expectSymbol(")", "')' to close the nested SELECT")
                return .subquery(q)
            }
            let e = try expression()
            try expectSymbol(")", "')'")
            return e
        case .symbol("["):
            advance()
            try enter()
            defer { depth -= 1 }
            var items: [Expression] = []
            if !current.isSymbol("]") {
                repeat {
                    if !items.isEmpty { advance() }
                    items.append(try expression())
                } while current.isSymbol(",")
            }
            try expectSymbol("]", "',' or ']'")
            return .arrayLiteral(items)
        case .symbol("{"):
            advance()
            try enter()
            defer { depth -= 1 }
            var members: [(String, Expression)] = []
            if !current.isSymbol("}") {
                repeat {
                    if !members.isEmpty { advance() }
                    let key: String
                    switch current.kind {
                    case .string(let s), .quotedName(let s), .word(let s): key = s
                    default: throw expected("a key in the object literal")
                    }
                    advance()
                    try expectSymbol(":", "':' after the key")
                    members.append((key, try expression()))
                } while current.isSymbol(",")
            }
            try expectSymbol("}", "',' or '}'")
            return .objectLiteral(members)
        case .word(let w):
            let upper = w.uppercased()
            switch upper {
            case "TRUE": advance(); return .literal(.bool(true))
            case "FALSE": advance(); return .literal(.bool(false))
            case "NULL": advance(); return .literal(.null)
            case "CASE": return try caseExpression()
            default: break
            }
            if Parser.reserved.contains(upper) { throw expected("an expression") }
            advance()
            if current.isSymbol("(") { return try call(name: w, at: token.location) }
            return .name(w)
        default:
            throw expected("an expression")
        }
    }

    mutating func call(name: String, at location: SourceLocation) throws(RulesError) -> Expression {
        advance()  // (
        let lower = name.lowercased()
        if lower == "cast" {
            let value = try expression()
            try expectWord("AS")
            guard case .word(let typeName) = current.kind else { throw expected("a type name after AS") }
            let type: CastType
            switch typeName.lowercased() {
            case "string", "nvarchar", "text", "ntext", "varchar": type = .string
            case "int", "integer": type = .int
            case "decimal": type = .decimal
            case "double": type = .double
            case "bool", "boolean": type = .boolean
            default:
                throw .syntax(location: current.location,
                              message: "unknown cast type '\(typeName)' (expected String, Int, Integer, Decimal, Double, Bool or Boolean)")
            }
            advance()
            try expectSymbol(")", "')' to close cast")
            return .cast(value, type)
        }
        guard let function = SQLFunction(rawValue: lower) else {
            throw .syntax(location: location, message: "unknown function '\(name)'")
        }
        var args: [Expression] = []
        if !current.isSymbol(")") {
            repeat {
                if !args.isEmpty { advance() }
                if current.isSymbol("*") {
                    advance()
                    args.append(.wildcard)
                } else {
                    args.append(try expression())
                }
            } while current.isSymbol(",")
        }
        try expectSymbol(")", "',' or ')' in the arguments of \(name)")
        switch function {
        case .regexpMatches, .regexpReplace, .regexpSubstr:
            if args.count >= 2, case .literal(.string(let pattern)) = args[1] {
                return .regexCall(function, args, try? NSRegularExpression(pattern: pattern))
            }
        default: break
        }
        return .call(function, args, location: location)
    }

    mutating func caseExpression() throws(RulesError) -> Expression {
        advance()  // CASE
        try enter()
        defer { depth -= 1 }
        var subject: Expression?
        if !current.isWord("WHEN") { subject = try expression() }
        var arms: [(Expression, Expression)] = []
        while current.isWord("WHEN") {
            advance()
            let test = try expression()
            try expectWord("THEN")
            arms.append((test, try expression()))
        }
        if arms.isEmpty { throw expected("WHEN") }
        var elseExpression: Expression?
        if current.isWord("ELSE") {
            advance()
            elseExpression = try expression()
        }
        guard current.isWord("END") else { throw expected(elseExpression == nil ? "WHEN, ELSE or END" : "END") }
        advance()
        if let subject { return .simpleCase(subject, arms, elseExpression) }
        return .searchedCase(arms, elseExpression)
    }

    mutating func subquery() throws(RulesError) -> Query {
        try enter()
        defer { depth -= 1 }
        let (isValue, items) = try selectList()
        guard current.isWord("FROM") else { throw expected("',' or FROM") }
        advance()
        let source = try expression()
        var condition: Expression?
        if current.isWord("WHERE") {
            advance()
            condition = try expression()
        }
        return Query(isValue: isValue, items: items, source: source, condition: condition)
    }
}
