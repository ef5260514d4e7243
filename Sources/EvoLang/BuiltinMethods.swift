import EvoLimits
import Foundation

/// The methods of lists, strings and dicts.
extension Builtins {
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
