import EvoLimits
import Foundation

/// The builtin functions every Evo session has (the methods of lists, strings and dicts are in
/// BuiltinMethods.swift).
enum Builtins {
  static func install(in vm: Interpreter) {
    for f in functions { vm.register(f) }
    vm.defineBuiltin("pi", .number(Double.pi), doc: "π")
    vm.defineBuiltin("inf", .number(.infinity), doc: "positive infinity")
    vm.defineBuiltin("nan", .number(.nan), doc: "not a number")
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
    NativeFunction("sleep", [p("seconds")], doc: "Waits this many seconds (interruptible).") { a in
      let seconds = try a.number(0)
      guard seconds >= 0, seconds.isFinite else { throw EvoError(.value, "sleep() needs a finite seconds >= 0") }
      let end = Date().addingTimeInterval(seconds)
      while Date() < end {
        if a.interpreter.interrupt.isRequested { throw EvoError(.interrupted, "interrupted") }
        Thread.sleep(forTimeInterval: min(0.05, end.timeIntervalSinceNow))
      }
      return .null
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
}
