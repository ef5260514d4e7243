import EvoLimits
import Foundation

/// The builtin functions every Evo session has, and the methods of lists, strings and dicts.
enum Builtins {
  static func install(in vm: Interpreter) {
    for f in functions { vm.register(f) }
    vm.defineBuiltin("pi", .number(Double.pi), doc: "π")
    vm.defineBuiltin("inf", .number(.infinity), doc: "positive infinity")
    vm.defineBuiltin("nan", .number(.nan), doc: "not a number")
  }

  private static func p(_ name: String, _ d: DefaultValue? = nil, variadic: Bool = false) -> NativeParameter {
    NativeParameter(name, default: d, variadic: variadic)
  }

  static let functions: [NativeFunction] = [
    NativeFunction(
      "print", [p("values", variadic: true), p("sep", .string(" ")), p("end", .string("\n"))],
      doc: "Prints the values separated by `sep`, followed by `end`."
    ) { a in
      let items = try a.list(0).items
      a.interpreter.output(items.map(\.text).joined(separator: try a.string(1)) + (try a.string(2)))
      return .null
    },
    NativeFunction("len", [p("x")], doc: "Number of items of a list, dict, string, range or sized object.") { a in
      switch a[0] {
      case .list(let l): return .int(l.items.count)
      case .dict(let d): return .int(d.count)
      case .string(let s): return .int(s.count)
      case .range(let r): return .int(r.count)
      case .native(let n):
        if let f = n.nativeType.length { return .int(try f(n)) }
      default: break
      }
      throw EvoError(.type, "\(a[0].typeName) has no length")
    },
    NativeFunction(
      "range", [p("start"), p("end", .null), p("step", .number(1))],
      doc: "range(end) or range(start, end, step): numbers from start up to (not including) end."
    ) { a in
      let (start, end) = try a.startAndEnd()
      let step = try a.number(2)
      guard step != 0, step.isFinite else { throw EvoError(.value, "range() step must be a non-zero number") }
      return .range(try RangeObject(start: start, end: end, step: step))
    },
    NativeFunction("enumerate", [p("items"), p("start", .number(0))], doc: "Pairs [index, item] for every item.") { a in
      let start = try a.number(1)
      return .list(
        ListObject(
          try a.interpreter.iterate(a[0]).enumerated().map { .list(ListObject([.number(start + Double($0)), $1])) }))
    },
    NativeFunction(
      "zip", [p("lists", variadic: true)], doc: "Lists of corresponding items, as long as the shortest input."
    ) { a in
      let lists = try a.list(0).items.map { try a.interpreter.iterate($0) }
      let n = lists.map(\.count).min() ?? 0
      return .list(ListObject((0..<n).map { i in .list(ListObject(lists.map { $0[i] })) }))
    },
    NativeFunction("str", [p("x", .string(""))], doc: "The text of a value, as print shows it.") { a in
      .string(a[0].text)
    },
    NativeFunction("repr", [p("x")], doc: "The text of a value as the REPL shows it (strings quoted).") { a in
      .string(a[0].repr)
    },
    NativeFunction("type", [p("x")], doc: "The type name of a value.") { a in .string(a[0].typeName) },
    NativeFunction("number", [p("x")], doc: "Converts a string or bool to a number.") { a in
      switch a[0] {
      case .number: return a[0]
      case .bool(let b): return .number(b ? 1 : 0)
      case .string(let s):
        guard let n = Double(s.trimmingCharacters(in: .whitespaces)) else {
          throw EvoError(.value, "cannot convert \(quote(s)) to a number")
        }
        return .number(n)
      default: throw EvoError(.type, "cannot convert \(a[0].typeName) to a number")
      }
    },
    NativeFunction("int", [p("x")], doc: "Truncates a number (or parses a string) to an integer.") { a in
      switch a[0] {
      case .number(let n):
        guard n.isFinite else { throw EvoError(.value, "cannot convert \(formatNumber(n)) to an integer") }
        return .number(n.rounded(.towardZero))
      case .string(let s):
        guard let n = Double(s.trimmingCharacters(in: .whitespaces)), n.isFinite else {
          throw EvoError(.value, "cannot convert \(quote(s)) to an integer")
        }
        return .number(n.rounded(.towardZero))
      case .bool(let b): return .number(b ? 1 : 0)
      default: throw EvoError(.type, "cannot convert \(a[0].typeName) to an integer")
      }
    },
    NativeFunction("bool", [p("x")], doc: "The truthiness of a value.") { a in .bool(a[0].isTruthy) },
    NativeFunction("list", [p("items", .null)], doc: "A new list of the items of an iterable (empty without one).") {
      a in
      if case .null = a[0] { return .list(ListObject([])) }
      return .list(ListObject(try a.interpreter.iterate(a[0])))
    },
    NativeFunction("dict", [p("pairs", .null)], doc: "A new dictionary, optionally from [key, value] pairs.") { a in
      let d = DictObject()
      if case .null = a[0] { return .dict(d) }
      for pair in try a.interpreter.iterate(a[0]) {
        let kv = try a.interpreter.iterate(pair)
        guard kv.count == 2, let key = DictKey(kv[0]) else {
          throw EvoError(.value, "dict() needs [key, value] pairs with number, string, bool or nil keys")
        }
        d[key] = kv[1]
      }
      return .dict(d)
    },
    NativeFunction("abs", [p("x")], doc: "Absolute value.") { a in .number(abs(try a.number(0))) },
    NativeFunction("round", [p("x"), p("digits", .number(0))], doc: "Rounds half away from zero to `digits` decimals.")
    { a in
      let scale = Foundation.pow(10, try a.number(1))
      return .number((try a.number(0) * scale).rounded() / scale)
    },
    NativeFunction("floor", [p("x")], doc: "Largest integer ≤ x.") { a in .number((try a.number(0)).rounded(.down)) },
    NativeFunction("ceil", [p("x")], doc: "Smallest integer ≥ x.") { a in .number((try a.number(0)).rounded(.up)) },
    NativeFunction("sqrt", [p("x")], doc: "Square root of a number.") { a in .number((try a.number(0)).squareRoot()) },
    NativeFunction("log", [p("x")], doc: "Natural logarithm of a number.") { a in
      .number(Foundation.log(try a.number(0)))
    },
    NativeFunction("exp", [p("x")], doc: "e raised to x.") { a in .number(Foundation.exp(try a.number(0))) },
    NativeFunction("min", [p("values", variadic: true)], doc: "The smallest of the arguments, or of one list argument.")
    { a in
      try extremum(a, pickLess: true)
    },
    NativeFunction("max", [p("values", variadic: true)], doc: "The largest of the arguments, or of one list argument.")
    { a in
      try extremum(a, pickLess: false)
    },
    NativeFunction("sum", [p("items"), p("start", .number(0))], doc: "Adds the items to `start`.") { a in
      var total = a[1]
      for item in try a.interpreter.iterate(a[0]) { total = try a.interpreter.binary(.add, total, item) }
      return total
    },
    NativeFunction(
      "sorted", [p("items"), p("key", .null), p("reverse", .bool(false))],
      doc: "A sorted copy (numbers or strings; `key` maps items to what is compared)."
    ) { a in
      let items = try a.interpreter.iterate(a[0])
      let keys = try items.map { item -> Value in
        if case .null = a[1] { return item }
        return try a.interpreter.call(a[1], [item])
      }
      var order = Array(items.indices)
      var failure: Error?
      order.sort { i, j in
        do { return try a.interpreter.binary(.lt, keys[i], keys[j]).isTruthy } catch {
          failure = error
          return false
        }
      }
      if let failure { throw failure }
      if try a.bool(2) { order.reverse() }
      return .list(ListObject(order.map { items[$0] }))
    },
    NativeFunction("reversed", [p("items")], doc: "A reversed copy as a list.") { a in
      .list(ListObject(try a.interpreter.iterate(a[0]).reversed()))
    },
    NativeFunction("map", [p("function"), p("items")], doc: "A list of function(item) for every item.") { a in
      .list(ListObject(try a.interpreter.iterate(a[1]).map { try a.interpreter.call(a[0], [$0]) }))
    },
    NativeFunction("filter", [p("function"), p("items")], doc: "The items for which function(item) is truthy.") { a in
      .list(ListObject(try a.interpreter.iterate(a[1]).filter { try a.interpreter.call(a[0], [$0]).isTruthy }))
    },
    NativeFunction(
      "isinstance", [p("value"), p("class")], doc: "Whether the value is an instance of the class or a subclass."
    ) { a in
      guard case .klass(let k) = a[1] else {
        throw EvoError(.type, "isinstance() needs a class as its second argument")
      }
      if case .instance(let i) = a[0] { return .bool(i.klass.isSubclass(of: k)) }
      return .bool(false)
    },
    NativeFunction(
      "fields", [p("instance")], doc: "An instance's fields as a dict {name: value}, in the order they were first set."
    ) { a in
      guard case .instance(let i) = a[0] else {
        throw EvoError(.type, "fields() needs a class instance, not \(a[0].typeName)")
      }
      let d = DictObject()
      for name in i.fieldNames { if let v = i.field(name) { d[.string(name)] = v } }
      return .dict(d)
    },
    NativeFunction(
      "assert", [p("condition"), p("message", .string("assertion failed"))],
      doc: "Throws `message` unless the condition is truthy."
    ) { a in
      guard a[0].isTruthy else { throw EvoError(.thrown, try a.string(1), value: a[1]) }
      return .null
    },
    NativeFunction("error", [p("message")], doc: "Throws an error with this message (same as `throw message`).") { a in
      throw EvoError(.thrown, a[0].text, value: a[0])
    },
    NativeFunction("is_terminal", [], doc: "Whether print writes to a terminal (not a file, pipe or notebook).") { a in
      .bool(a.interpreter.outputIsTerminal)
    },
    NativeFunction("clock", [], doc: "Seconds since an arbitrary start, for timing.") { _ in
      .number(Double(DispatchTime.now().uptimeNanoseconds) / 1e9)
    },
    NativeFunction("help", [p("x", .null)], doc: "Shows a function's signature and documentation.") { a in
      a.interpreter.output(a.interpreter.helpText(for: a[0]) + "\n")
      return .null
    },
  ]

  private static func extremum(_ a: Arguments, pickLess: Bool) throws -> Value {
    var items = try a.list(0).items
    if items.count == 1 { items = try a.interpreter.iterate(items[0]) }
    guard var best = items.first else { throw EvoError(.value, "\(a.function)() of an empty sequence") }
    for item in items.dropFirst() where try a.interpreter.binary(pickLess ? .lt : .gt, item, best).isTruthy {
      best = item
    }
    return best
  }

  // MARK: - Methods of builtin types

  static func method(of value: Value, named name: String) -> NativeFunction? {
    switch value {
    case .list: return listMethods[name]
    case .string: return stringMethods[name]
    case .dict: return dictMethods[name]
    default: return nil
    }
  }

  static func methodNames(of value: Value) -> [String] {
    switch value {
    case .list: return listMethods.keys.sorted()
    case .string: return stringMethods.keys.sorted()
    case .dict: return dictMethods.keys.sorted()
    default: return []
    }
  }

  private static func method(
    _ name: String, _ params: [NativeParameter] = [], doc: String, _ body: @escaping (Arguments) throws -> Value
  ) -> (String, NativeFunction) {
    (name, NativeFunction(name, [p("self")] + params, doc: doc, body: body))
  }

  private static func table(_ entries: [(String, NativeFunction)]) -> [String: NativeFunction] {
    Dictionary(entries, uniquingKeysWith: { a, _ in a })
  }

  static let listMethods = table([
    method("append", [p("item")], doc: "Adds an item at the end.") { a in
      try a.list(0).items.append(a[1])
      return .null
    },
    method("extend", [p("items")], doc: "Adds every item of an iterable at the end.") { a in
      try a.list(0).items.append(contentsOf: a.interpreter.iterate(a[1]))
      return .null
    },
    method("insert", [p("index"), p("item")], doc: "Inserts an item before `index`.") { a in
      let l = try a.list(0)
      let i = try a.int(1)
      l.items.insert(a[2], at: min(max(i < 0 ? i + l.items.count : i, 0), l.items.count))
      return .null
    },
    method("pop", [p("index", .number(-1))], doc: "Removes and returns the item at `index` (the last by default).") {
      a in
      let l = try a.list(0)
      guard !l.items.isEmpty else { throw EvoError(.index, "pop from an empty list") }
      return l.items.remove(at: try a.interpreter.position(a[1], count: l.items.count, what: "list"))
    },
    method("index", [p("item")], doc: "Position of the first item equal to `item`.") { a in
      guard let i = try a.list(0).items.firstIndex(where: { try a.interpreter.equal($0, a[1]) }) else {
        throw EvoError(.value, "\(a[1].repr) is not in the list")
      }
      return .int(i)
    },
    method("copy", doc: "A shallow copy.") { a in .list(ListObject(try a.list(0).items)) },
    method("clear", doc: "Removes every item.") { a in
      try a.list(0).items.removeAll()
      return .null
    },
    method("reverse", doc: "Reverses the list in place.") { a in
      try a.list(0).items.reverse()
      return .null
    },
    method("join", [p("separator", .string(""))], doc: "The items' texts joined by the separator.") { a in
      .string(joinTexts(try a.list(0).items, separator: try a.string(1)))
    },
  ])

  /// The values' texts with `separator` between them, copied as UTF-8 into one buffer sized up front.
  /// `text` with every occurrence of `old` replaced by `new`, scanning UTF-8 bytes once (UTF-8 is
  /// self-synchronising, so byte matches are character matches); the result's size is checked against the
  /// memory limit before it is built, and a long scan stops on an interrupt.
  static func replacing(_ text: String, _ old: String, with new: String, interrupt: InterruptFlag) throws -> String {
    let hay = Array(text.utf8)
    let needle = Array(old.utf8)
    let replacement = Array(new.utf8)
    guard let first = needle.first, hay.count >= needle.count else { return text }
    var matches: [Int] = []
    var i = 0
    while i <= hay.count - needle.count {
      if i & 0xFFFFF == 0, interrupt.isRequested { throw EvoError(.interrupted, "interrupted") }
      if hay[i] == first, hay[i..<(i + needle.count)].elementsEqual(needle) {
        matches.append(i)
        i += needle.count
      } else {
        i += 1
      }
    }
    try MemoryLimit.check(hay.count - matches.count * needle.count, of: 1, op: "replace")
    try MemoryLimit.check(matches.count, of: replacement.count, op: "replace")
    var out: [UInt8] = []
    out.reserveCapacity(hay.count - matches.count * needle.count + matches.count * replacement.count)
    var copied = 0
    for m in matches {
      out += hay[copied..<m]
      out += replacement
      copied = m + needle.count
    }
    out += hay[copied...]
    return String(decoding: out, as: UTF8.self)
  }

  private static func joinTexts(_ values: [Value], separator: String) -> String {
    var texts = values.map(\.text)
    var separator = separator
    let separatorCount = separator.utf8.count
    let total = texts.reduce(0) { $0 + $1.utf8.count } + separatorCount * Swift.max(0, texts.count - 1)
    return String(unsafeUninitializedCapacity: total) { buffer in
      guard let out = buffer.baseAddress else { return 0 }
      var k = 0
      func copy(_ text: inout String) {
        text.withUTF8 { bytes in
          guard let source = bytes.baseAddress else { return }
          (out + k).initialize(from: source, count: bytes.count)
          k += bytes.count
        }
      }
      for i in texts.indices {
        if i > 0 { copy(&separator) }
        copy(&texts[i])
      }
      return k
    }
  }

  /// `ljust` / `rjust`: the string padded to the width with a one-character fill.
  private static func padded(_ a: Arguments, left: Bool) throws -> String {
    let s = try a.string(0)
    let width = try a.int(1)
    let fill = try a.string(2)
    guard fill.count == 1 else { throw EvoError(.value, "the fill must be one character, got \"\(fill)\"") }
    let padding = String(repeating: fill, count: max(0, min(width, 1_000_000) - s.count))
    return left ? padding + s : s + padding
  }

  static let stringMethods = table([
    method("upper", doc: "Upper-case copy.") { a in .string(try a.string(0).uppercased()) },
    method("lower", doc: "Lower-case copy.") { a in .string(try a.string(0).lowercased()) },
    method("strip", doc: "Copy without leading and trailing white space.") { a in
      .string(try a.string(0).trimmingCharacters(in: .whitespacesAndNewlines))
    },
    method("split", [p("separator", .null)], doc: "Pieces between separators (white space runs by default).") { a in
      let s = try a.string(0)
      if case .null = a[1] {
        return .list(ListObject(s.split(whereSeparator: \.isWhitespace).map { .string(String($0)) }))
      }
      let sep = try a.string(1)
      guard !sep.isEmpty else { throw EvoError(.value, "split() separator cannot be empty") }
      return .list(ListObject(s.components(separatedBy: sep).map { .string($0) }))
    },
    method("join", [p("items")], doc: "The items' texts joined with this string between them.") { a in
      .string(joinTexts(try a.interpreter.iterate(a[1]), separator: try a.string(0)))
    },
    method("replace", [p("old"), p("new")], doc: "Copy with every `old` replaced by `new`.") { a in
      .string(
        try replacing(try a.string(0), try a.string(1), with: try a.string(2), interrupt: a.interpreter.interrupt))
    },
    method(
      "ljust", [p("width"), p("fill", .string(" "))], doc: "Copy padded on the right with `fill` to `width` characters."
    ) { a in
      .string(try padded(a, left: false))
    },
    method(
      "rjust", [p("width"), p("fill", .string(" "))], doc: "Copy padded on the left with `fill` to `width` characters."
    ) { a in
      .string(try padded(a, left: true))
    },
    method("startswith", [p("prefix")], doc: "Whether the string starts with the prefix.") { a in
      .bool(try a.string(0).hasPrefix(try a.string(1)))
    },
    method("endswith", [p("suffix")], doc: "Whether the string ends with the suffix.") { a in
      .bool(try a.string(0).hasSuffix(try a.string(1)))
    },
    method("find", [p("text")], doc: "Character position of the first occurrence, or -1.") { a in
      let s = try a.string(0)
      let t = try a.string(1)
      guard let r = s.range(of: t) else { return .number(-1) }
      return .int(s.distance(from: s.startIndex, to: r.lowerBound))
    },
  ])

  static let dictMethods = table([
    method("keys", doc: "The keys, in insertion order.") { a in
      guard case .dict(let d) = a[0] else { return .null }
      return .list(ListObject(d.keys.map(\.value)))
    },
    method("values", doc: "The values, in insertion order.") { a in
      guard case .dict(let d) = a[0] else { return .null }
      return .list(ListObject(d.values))
    },
    method("items", doc: "[key, value] pairs, in insertion order.") { a in
      guard case .dict(let d) = a[0] else { return .null }
      return .list(ListObject(zip(d.keys, d.values).map { .list(ListObject([$0.value, $1])) }))
    },
    method("get", [p("key"), p("default", .null)], doc: "The value for `key`, or `default` when absent.") { a in
      guard case .dict(let d) = a[0], let k = DictKey(a[1]) else { return a[2] }
      return d[k] ?? a[2]
    },
    method("remove", [p("key")], doc: "Removes a key and returns its value.") { a in
      guard case .dict(let d) = a[0], let k = DictKey(a[1]), let v = d[k] else {
        throw EvoError(.key, "key \(a[1].repr) is not in the dictionary")
      }
      d[k] = nil
      return v
    },
    method("has", [p("key")], doc: "Whether the key is present.") { a in
      guard case .dict(let d) = a[0], let k = DictKey(a[1]) else { return .bool(false) }
      return .bool(d[k] != nil)
    },
  ])
}

extension Interpreter {
  /// The text `help(x)` and `?x` show: signature and documentation.
  public func helpText(for value: Value) -> String {
    switch value {
    case .builtin(let f): return f.signature + (f.doc.isEmpty ? "" : "\n  " + f.doc)
    case .closure(let c): return c.proto.signature + (c.proto.doc.map { "\n  " + $0 } ?? "")
    case .boundMethod(let m): return helpText(for: m.method)
    case .klass(let k):
      var text = "class \(k.name)" + (k.superclass.map { ": \($0.name)" } ?? "") + (k.doc.map { "\n  " + $0 } ?? "")
      for name in k.allMethodNames { if let m = k.findMethod(name) { text += "\n  \(m.proto.signature)" } }
      return text
    case .native(let n):
      var text = n.nativeType.name + (n.nativeType.doc.isEmpty ? "" : "\n  " + n.nativeType.doc)
      let type = n.nativeType
      for name in type.memberNames {
        text += "\n  ." + (type.methods[name]?.signature ?? name) + (type.propertyDocs[name].map { " — " + $0 } ?? "")
      }
      return text
    case .module(let m): return "module \(m.name): " + m.definedNames.joined(separator: ", ")
    case .null:
      return "Evo builtins: " + builtinIndex.keys.sorted().joined(separator: ", ")
        + "\nhelp(x) or ?x shows a function's signature and documentation."
    default:
      return "\(value.typeName) value: \(value.repr)"
        + (Builtins.methodNames(of: value).isEmpty
          ? "" : "\nmethods: " + Builtins.methodNames(of: value).joined(separator: ", "))
    }
  }

  /// Help for a name typed as `?name` (a builtin constant's doc when it has one).
  public func helpText(forName name: String) -> String {
    if name.contains("."), let v = resolveDotted(name) { return helpText(for: v) }
    if let v = lookup(name) {
      if let doc = builtinDocs[name] { return "\(name): \(doc)" }
      return helpText(for: v)
    }
    return "no such name '\(name)'" + (suggestion(for: name, among: globalNames).map { "; \($0)" } ?? "")
  }
}
