/// Recursive-descent parser from tokens to the parse tree. A syntax error at the end of input is marked
/// incomplete, which is how the REPL knows to ask for another line.
struct Parser {
  private let tokens: [Token]
  private var index = 0
  let source: SourceFile
  /// Brackets and braces not yet closed; an error at the end of input points at the innermost one.
  private var openers: [Token] = []
  /// Current recursion depth; bounded so that pathological nesting is a syntax error, not a stack overflow.
  private var depth = 0
  private static let maximumDepth = 200

  private mutating func enter() throws {
    depth += 1
    guard depth <= Self.maximumDepth else {
      throw EvoError(
        .syntax, "expression nested too deeply (more than \(Self.maximumDepth) levels)", span: current.span)
    }
  }

  init(tokens: [Token], source: SourceFile) {
    self.tokens = tokens
    self.source = source
  }

  /// Parses a whole chunk (file, REPL input, cell).
  static func parse(_ source: SourceFile) throws -> [Stmt] {
    var lexer = Lexer(source: source)
    var parser = Parser(tokens: try lexer.tokenize(), source: source)
    return try parser.program()
  }

  // MARK: - Token helpers

  private var current: Token { tokens[index] }
  private var previousSpan: SourceSpan { tokens[max(index - 1, 0)].span }
  private func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

  private mutating func advance() -> Token {
    let t = tokens[index]
    if index < tokens.count - 1 { index += 1 }
    return t
  }

  private func isSymbol(_ s: String) -> Bool { if case .symbol(s) = current.kind { return true } else { return false } }
  private func isKeyword(_ k: Keyword) -> Bool {
    if case .keyword(k) = current.kind { return true } else { return false }
  }

  private mutating func match(_ s: String) -> Bool {
    if isSymbol(s) {
      _ = advance()
      return true
    }
    return false
  }

  private mutating func matchKeyword(_ k: Keyword) -> Bool {
    if isKeyword(k) {
      _ = advance()
      return true
    }
    return false
  }

  private mutating func skipNewlines() { while case .newline = current.kind { _ = advance() } }

  private func error(_ message: String, at token: Token? = nil) -> EvoError {
    let t = token ?? current
    if case .end = t.kind {
      return EvoError(
        .syntax, message + ", but the input ended", span: openers.last?.span ?? t.span, isIncomplete: true)
    }
    return EvoError(.syntax, message + ", found \(describe(t))", span: t.span)
  }

  private func describe(_ t: Token) -> String {
    switch t.kind {
    case .number: return "a number"
    case .string: return "a string"
    case .identifier(let n): return "'\(n)'"
    case .keyword(let k): return "'\(k.rawValue)'"
    case .symbol(let s): return "'\(s)'"
    case .newline: return "the end of the line"
    case .end: return "the end of the input"
    }
  }

  private mutating func expect(_ s: String, _ what: String) throws -> Token {
    guard isSymbol(s) else { throw error("expected '\(s)' \(what)") }
    return advance()
  }

  private mutating func identifier(_ what: String) throws -> (String, SourceSpan) {
    guard case .identifier(let name) = current.kind else { throw error("expected \(what)") }
    let t = advance()
    return (name, t.span)
  }

  // MARK: - Statements

  private mutating func program() throws -> [Stmt] {
    var out: [Stmt] = []
    skipNewlines()
    while true {
      if case .end = current.kind { break }
      out.append(try statement())
      try endOfStatement()
    }
    return out
  }

  private mutating func endOfStatement() throws {
    if case .end = current.kind { return }
    if isSymbol("}") { return }
    guard case .newline = current.kind else {
      if match(";") {
        skipNewlines()
        return
      }
      throw error("expected a new line or ';' after the statement")
    }
    skipNewlines()
  }

  private mutating func block(_ what: String) throws -> [Stmt] {
    try enter()
    defer { depth -= 1 }
    openers.append(try expect("{", "to open \(what)"))
    defer { openers.removeLast() }
    skipNewlines()
    var body: [Stmt] = []
    while !isSymbol("}") {
      if case .end = current.kind { throw error("expected '}' to close \(what)") }
      body.append(try statement())
      try endOfStatement()
    }
    _ = advance()
    return body
  }

  private mutating func statement() throws -> Stmt {
    let start = current.span
    switch current.kind {
    case .keyword(.let):
      _ = advance()
      var names = [try identifier("a name after 'let'").0]
      while match(",") { names.append(try identifier("a name in 'let'").0) }
      _ = try expect("=", "after the name in 'let'")
      skipNewlines()
      let value = try expression()
      return .let(names, value, start.to(value.span))
    case .keyword(.fn) where { if case .identifier = peek().kind { return true } else { return false } }():
      return .function(try function())
    case .keyword(.class):
      return .class(try classDeclaration())
    case .keyword(.if):
      return try ifStatement()
    case .keyword(.while):
      _ = advance()
      let condition = try expression()
      return .while(condition, try block("the 'while' body"), start.to(condition.span))
    case .keyword(.for):
      _ = advance()
      var names = [try identifier("a loop variable after 'for'").0]
      while match(",") { names.append(try identifier("a loop variable").0) }
      guard matchKeyword(.in) else { throw error("expected 'in' after the loop variables") }
      let iterable = try expression()
      return .for(names, iterable, try block("the 'for' body"), start.to(iterable.span))
    case .keyword(.break):
      _ = advance()
      return .break(start)
    case .keyword(.continue):
      _ = advance()
      return .continue(start)
    case .keyword(.return):
      _ = advance()
      if case .newline = current.kind { return .return(nil, start) }
      if isSymbol("}") || isSymbol(";") { return .return(nil, start) }
      if case .end = current.kind { return .return(nil, start) }
      let value = try expression()
      return .return(value, start.to(value.span))
    case .keyword(.throw):
      _ = advance()
      let value = try expression()
      return .throw(value, start.to(value.span))
    case .keyword(.try):
      _ = advance()
      let body = try block("the 'try' body")
      skipNewlinesBefore(.catch)
      guard matchKeyword(.catch) else { throw error("expected 'catch' after the 'try' block") }
      var kind: ErrorKind?
      var name: String?
      if case .identifier(let first) = current.kind {
        _ = advance()
        if case .identifier(let second) = current.kind {
          guard let k = ErrorKind(name: first) else { throw error("unknown error kind '\(first)' after 'catch'") }
          kind = k
          name = second
          _ = advance()
        } else if let k = ErrorKind(name: first) {
          kind = k
        } else {
          name = first
        }
      }
      return .try(body, kind, name, try block("the 'catch' body"), start)
    case .keyword(.import):
      _ = advance()
      let (module, span) = try identifier("a module name after 'import'")
      var alias: String?
      if matchKeyword(.as) { alias = try identifier("a name after 'as'").0 }
      return .import(module, alias: alias, start.to(span))
    case .keyword(.from):
      _ = advance()
      let (module, _) = try identifier("a module name after 'from'")
      guard matchKeyword(.import) else { throw error("expected 'import' after the module name") }
      var names = [try identifier("a name to import")]
      while match(",") { names.append(try identifier("a name to import")) }
      return .fromImport(module, names, start.to(previousSpan))
    default:
      let expr = try expression()
      for op in ["=", "+=", "-=", "*=", "/=", "%="] where isSymbol(op) {
        let opToken = advance()
        skipNewlines()
        let value = try expression()
        let target: AssignTarget
        switch expr {
        case .name(let n, let s): target = .name(n, s)
        case .member(let o, let n, let s): target = .member(o, n, s)
        case .index(let o, let parts, let s): target = .index(o, parts, s)
        default: throw EvoError(.syntax, "cannot assign to this expression", span: expr.span)
        }
        return .assign(target, op == "=" ? nil : String(op.dropLast()), value, opToken.span)
      }
      return .expression(expr)
    }
  }

  private mutating func skipNewlinesBefore(_ keyword: Keyword) {
    var i = index
    while case .newline = tokens[i].kind, i < tokens.count - 1 { i += 1 }
    if case .keyword(keyword) = tokens[i].kind { index = i }
  }

  private mutating func ifStatement() throws -> Stmt {
    let (condition, then, otherwise, span) = try ifParts()
    return .if(condition, then, otherwise, span)
  }

  /// `if c { } else if d { } else { }`: the condition, the body, and the `else` body (an `else if`
  /// is an `else` body holding one `if` statement). The span covers `if` and the condition.
  private mutating func ifParts() throws -> (Expr, [Stmt], [Stmt]?, SourceSpan) {
    let start = advance().span
    let condition = try expression()
    let then = try block("the 'if' body")
    skipNewlinesBefore(.else)
    guard matchKeyword(.else) else { return (condition, then, nil, start.to(condition.span)) }
    if isKeyword(.if) { return (condition, then, [try ifStatement()], start.to(condition.span)) }
    return (condition, then, try block("the 'else' body"), start.to(condition.span))
  }

  private mutating func function() throws -> FunctionDecl {
    let start = advance().span  // fn
    var name: String?
    if case .identifier(let n) = current.kind {
      name = n
      _ = advance()
    }
    _ = try expect("(", "to open the parameter list")
    var parameters: [Parameter] = []
    var seenDefault = false
    while !isSymbol(")") {
      let variadic = match("...")
      let (pname, pspan) = try identifier("a parameter name")
      var defaultValue: Expr?
      var defaultText: String?
      if match("=") {
        let from = current.span.start
        defaultValue = try expression()
        defaultText = String(decoding: source.bytes[from..<max(previousSpan.end, from)], as: UTF8.self)
        seenDefault = true
      } else if seenDefault && !variadic {
        throw EvoError(.syntax, "parameter '\(pname)' without a default follows one with a default", span: pspan)
      }
      if parameters.contains(where: { $0.name == pname }) {
        throw EvoError(.syntax, "duplicate parameter '\(pname)'", span: pspan)
      }
      parameters.append(
        Parameter(name: pname, defaultValue: defaultValue, defaultText: defaultText, variadic: variadic, span: pspan))
      if variadic && !isSymbol(")") {
        throw EvoError(.syntax, "the variadic parameter '...\(pname)' must come last", span: pspan)
      }
      if !match(",") { break }
    }
    _ = try expect(")", "to close the parameter list")
    let body = try block("the function body")
    var doc = commentAbove(start)
    if case .expression(.string(let parts, _))? = body.first, parts.count == 1, case .text(let t) = parts[0] { doc = t }
    return FunctionDecl(name: name, parameters: parameters, body: body, span: start.to(previousSpan), doc: doc)
  }

  /// The `#` comment lines right above the line where `span` starts (no blank line between, and nothing
  /// before `span` on its line), as one paragraph: a function's documentation when it has no docstring.
  /// Cell markers (`# %%`) are not documentation.
  private func commentAbove(_ span: SourceSpan) -> String? {
    let (line, _) = source.location(of: span.start)
    guard source.lineText(line).trimmingCharacters(in: .whitespaces).hasPrefix("fn") else { return nil }
    var lines: [String] = []
    var l = line - 1
    while l >= source.firstLine {
      let text = source.lineText(l).trimmingCharacters(in: .whitespaces)
      guard text.hasPrefix("#"), !text.hasPrefix("# %%") else { break }
      lines.insert(String(text.dropFirst()).trimmingCharacters(in: .whitespaces), at: 0)
      l -= 1
    }
    let doc = lines.joined(separator: " ").trimmingCharacters(in: .whitespaces)
    return doc.isEmpty ? nil : doc
  }

  private mutating func classDeclaration() throws -> ClassDecl {
    let start = advance().span
    let (name, _) = try identifier("a class name")
    var superclass: Expr?
    if match(":") { superclass = try postfix() }
    _ = try expect("{", "to open the class body")
    skipNewlines()
    var fields: [(String, Expr, SourceSpan)] = []
    var methods: [FunctionDecl] = []
    var doc: String?
    while !isSymbol("}") {
      switch current.kind {
      case .keyword(.let):
        let s = advance().span
        let (field, _) = try identifier("a field name")
        _ = try expect("=", "after the field name")
        fields.append((field, try expression(), s))
      case .keyword(.fn):
        guard case .identifier = peek().kind else { throw error("expected a method name after 'fn'", at: peek()) }
        methods.append(try function())
      case .string(let parts) where doc == nil && methods.isEmpty && fields.isEmpty:
        if parts.count == 1, case .text(let t) = parts[0] { doc = t }
        _ = advance()
      case .end:
        throw error("expected '}' to close the class body")
      default:
        throw error("expected 'let' or 'fn' in the class body")
      }
      try endOfStatement()
    }
    _ = advance()
    return ClassDecl(name: name, superclass: superclass, fields: fields, methods: methods, span: start, doc: doc)
  }

  // MARK: - Expressions

  mutating func expression() throws -> Expr {
    try enter()
    defer { depth -= 1 }
    return try orExpression()
  }

  private mutating func orExpression() throws -> Expr {
    var left = try andExpression()
    while isKeyword(.or) {
      _ = advance()
      let right = try andExpression()
      left = .logical(isAnd: false, left, right, left.span.to(right.span))
    }
    return left
  }

  private mutating func andExpression() throws -> Expr {
    var left = try notExpression()
    while isKeyword(.and) {
      _ = advance()
      let right = try notExpression()
      left = .logical(isAnd: true, left, right, left.span.to(right.span))
    }
    return left
  }

  private mutating func notExpression() throws -> Expr {
    if isKeyword(.not) {
      try enter()
      defer { depth -= 1 }
      let start = advance().span
      let operand = try notExpression()
      return .unary("not", operand, start.to(operand.span))
    }
    return try comparison()
  }

  private mutating func comparison() throws -> Expr {
    var left = try additive()
    while true {
      var op: String?
      for s in ["==", "!=", "<", "<=", ">", ">="] where isSymbol(s) { op = s }
      if isKeyword(.in) { op = "in" }
      if isKeyword(.not), case .keyword(.in) = peek().kind { op = "not in" }
      guard let op else { return left }
      let opSpan = advance().span
      if op == "not in" { _ = advance() }
      let right = try additive()
      left = .binary(op, left, right, opSpan)
    }
  }

  private mutating func additive() throws -> Expr {
    var left = try multiplicative()
    while isSymbol("+") || isSymbol("-") {
      guard case .symbol(let op) = current.kind else { break }
      let opSpan = advance().span
      let right = try multiplicative()
      left = .binary(op, left, right, opSpan)
    }
    return left
  }

  private mutating func multiplicative() throws -> Expr {
    var left = try unary()
    while isSymbol("*") || isSymbol("/") || isSymbol("%") || isSymbol("@") {
      guard case .symbol(let op) = current.kind else { break }
      let opSpan = advance().span
      let right = try unary()
      left = .binary(op, left, right, opSpan)
    }
    return left
  }

  private mutating func unary() throws -> Expr {
    if isSymbol("-") || isSymbol("+") {
      guard case .symbol(let op) = current.kind else { return try power() }
      try enter()
      defer { depth -= 1 }
      let start = advance().span
      let operand = try unary()
      return .unary(op, operand, start.to(operand.span))
    }
    return try power()
  }

  private mutating func power() throws -> Expr {
    let base = try postfix()
    if isSymbol("**") {
      let opSpan = advance().span
      let exponent = try unary()  // right-associative; -2 ** 2 parses as -(2 ** 2)
      return .binary("**", base, exponent, opSpan)
    }
    return base
  }

  private mutating func postfix() throws -> Expr {
    var expr = try primary()
    while true {
      if isSymbol("(") && !current.followsNewline {
        openers.append(advance())
        defer { openers.removeLast() }
        var args: [Argument] = []
        while !isSymbol(")") {
          let spread = match("...")
          if case .identifier(let label) = current.kind, case .symbol(":") = peek().kind, !spread {
            _ = advance()
            _ = advance()
            args.append(Argument(label: label, value: try expression(), spread: false))
          } else {
            args.append(Argument(label: nil, value: try expression(), spread: spread))
          }
          if !match(",") { break }
        }
        let close = try expect(")", "to close the argument list")
        expr = .call(expr, args, expr.span.to(close.span))
      } else if isSymbol("[") && !current.followsNewline {
        openers.append(advance())
        defer { openers.removeLast() }
        var parts: [IndexPart] = []
        repeat {
          if isSymbol("]") { break }
          parts.append(try indexPart())
        } while match(",")
        let close = try expect("]", "to close the index")
        guard !parts.isEmpty else { throw EvoError(.syntax, "empty index '[]'", span: close.span) }
        expr = .index(expr, parts, expr.span.to(close.span))
      } else if isSymbol(".") {
        _ = advance()
        let (name, span) = try memberName()
        expr = .member(expr, name, span)
      } else {
        return expr
      }
    }
  }

  private mutating func memberName() throws -> (String, SourceSpan) {
    if case .keyword(let k) = current.kind {
      let t = advance()
      return (k.rawValue, t.span)
    }
    return try identifier("a member name after '.'")
  }

  private mutating func indexPart() throws -> IndexPart {
    if match("...") { return .ellipsis }
    var first: Expr?
    if !isSymbol(":") { first = try expression() }
    guard match(":") else {
      guard let first else { throw error("expected an index") }
      return .single(first)
    }
    var second: Expr?
    var third: Expr?
    if !isSymbol(":") && !isSymbol(",") && !isSymbol("]") { second = try expression() }
    if match(":") && !isSymbol(",") && !isSymbol("]") { third = try expression() }
    return .slice(first, second, third)
  }

  private mutating func primary() throws -> Expr {
    let t = current
    switch t.kind {
    case .number(let v):
      _ = advance()
      return .number(v, t.span)
    case .string(let pieces):
      _ = advance()
      var parts: [StringPart] = []
      for piece in pieces {
        switch piece {
        case .text(let s): parts.append(.text(s))
        case .interpolation(let start, let end):
          var lexer = Lexer(source: source, start: start, end: end)
          var sub = Parser(tokens: try lexer.tokenize(), source: source)
          sub.skipNewlines()
          let e = try sub.expression()
          sub.skipNewlines()
          guard case .end = sub.current.kind else { throw sub.error("expected ')' to end the interpolation") }
          parts.append(.expr(e))
        }
      }
      return .string(parts, t.span)
    case .keyword(.true):
      _ = advance()
      return .bool(true, t.span)
    case .keyword(.false):
      _ = advance()
      return .bool(false, t.span)
    case .keyword(.nil):
      _ = advance()
      return .nil(t.span)
    case .keyword(.self):
      _ = advance()
      return .selfRef(t.span)
    case .keyword(.super):
      _ = advance()
      _ = try expect(".", "after 'super'")
      let (name, span) = try memberName()
      return .superMember(name, t.span.to(span))
    case .keyword(.fn): return .function(try function())
    case .keyword(.if):
      let (condition, then, otherwise, span) = try ifParts()
      return .if(condition, then, otherwise, span)
    case .identifier(let name):
      _ = advance()
      return .name(name, t.span)
    case .symbol("("):
      openers.append(advance())
      defer { openers.removeLast() }
      let e = try expression()
      _ = try expect(")", "to close the parenthesis")
      return e
    case .symbol("["):
      openers.append(advance())
      defer { openers.removeLast() }
      var items: [Expr] = []
      while !isSymbol("]") {
        items.append(try expression())
        if !match(",") { break }
      }
      let close = try expect("]", "to close the list")
      return .list(items, t.span.to(close.span))
    case .symbol("{"):
      openers.append(advance())
      defer { openers.removeLast() }
      skipNewlines()
      var pairs: [(Expr, Expr)] = []
      while !isSymbol("}") {
        let key = try expression()
        _ = try expect(":", "between a dictionary key and its value")
        skipNewlines()
        pairs.append((key, try expression()))
        skipNewlines()
        if !match(",") { break }
        skipNewlines()
      }
      skipNewlines()
      let close = try expect("}", "to close the dictionary")
      return .dict(pairs, t.span.to(close.span))
    default:
      throw error("expected an expression")
    }
  }
}

/// Lexes and parses `source` without compiling or running it (tools and the fuzzer); throws the first
/// syntax error.
public func checkSyntax(_ source: SourceFile) throws { _ = try Parser.parse(source) }
