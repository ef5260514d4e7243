/// The parse tree. The compiler resolves names in it and lowers it to executable nodes.
indirect enum Expr {
  case number(Double, SourceSpan)
  case string([StringPart], SourceSpan)
  case bool(Bool, SourceSpan)
  case `nil`(SourceSpan)
  case name(String, SourceSpan)
  case selfRef(SourceSpan)
  case superMember(String, SourceSpan)
  case list([Expr], SourceSpan)
  case dict([(Expr, Expr)], SourceSpan)
  case unary(String, Expr, SourceSpan)
  case binary(String, Expr, Expr, SourceSpan)
  case logical(isAnd: Bool, Expr, Expr, SourceSpan)
  case call(Expr, [Argument], SourceSpan)
  case member(Expr, String, SourceSpan)
  case index(Expr, [IndexPart], SourceSpan)
  case function(FunctionDecl)
  /// `if c { ... } else { ... }` used as a value: the taken branch's last expression, nil without one.
  case `if`(Expr, [Stmt], [Stmt]?, SourceSpan)

  var span: SourceSpan {
    switch self {
    case .number(_, let s), .string(_, let s), .bool(_, let s), .nil(let s), .name(_, let s), .selfRef(let s),
      .superMember(_, let s), .list(_, let s), .dict(_, let s), .unary(_, _, let s), .binary(_, _, _, let s),
      .logical(_, _, _, let s), .call(_, _, let s), .member(_, _, let s), .index(_, _, let s), .if(_, _, _, let s):
      return s
    case .function(let f): return f.span
    }
  }
}

/// A piece of an interpolated string.
enum StringPart {
  case text(String)
  case expr(Expr)
}

/// A call argument, positional or `label: value`, or spread `...list`.
struct Argument {
  let label: String?
  let value: Expr
  let spread: Bool
}

/// One item inside `[...]`: an expression, a slice `a:b:c`, or `...`.
enum IndexPart {
  case single(Expr)
  case slice(Expr?, Expr?, Expr?)
  case ellipsis
}

/// A parameter of a function: name, optional default, and whether it collects the remaining arguments.
struct Parameter {
  let name: String
  let defaultValue: Expr?
  /// The default as written, for signatures (`width = 640`).
  let defaultText: String?
  let variadic: Bool
  let span: SourceSpan
}

/// `fn name(params) { body }` or an anonymous `fn(params) { body }`.
final class FunctionDecl {
  let name: String?
  let parameters: [Parameter]
  let body: [Stmt]
  let span: SourceSpan
  let doc: String?

  init(name: String?, parameters: [Parameter], body: [Stmt], span: SourceSpan, doc: String?) {
    self.name = name
    self.parameters = parameters
    self.body = body
    self.span = span
    self.doc = doc
  }
}

/// `class Name: Base { let field = value ... fn method() { } }`.
struct ClassDecl {
  let name: String
  let superclass: Expr?
  let fields: [(String, Expr, SourceSpan)]
  let methods: [FunctionDecl]
  let span: SourceSpan
  let doc: String?
}

/// Assignment targets.
enum AssignTarget {
  case name(String, SourceSpan)
  case member(Expr, String, SourceSpan)
  case index(Expr, [IndexPart], SourceSpan)
}

indirect enum Stmt {
  case expression(Expr)
  case `let`([String], Expr, SourceSpan)
  case assign(AssignTarget, String?, Expr, SourceSpan)
  case function(FunctionDecl)
  case `class`(ClassDecl)
  case `if`(Expr, [Stmt], [Stmt]?, SourceSpan)
  case `while`(Expr, [Stmt], SourceSpan)
  case `for`([String], Expr, [Stmt], SourceSpan)
  case `break`(SourceSpan)
  case `continue`(SourceSpan)
  case `return`(Expr?, SourceSpan)
  case `throw`(Expr, SourceSpan)
  case `try`([Stmt], ErrorKind?, String?, [Stmt], SourceSpan)
  case `import`(String, alias: String?, SourceSpan)
  case fromImport(String, [(String, SourceSpan)], SourceSpan)
}
