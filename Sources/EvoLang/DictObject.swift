/// The hashable part of a value usable as a dictionary key.
public enum DictKey: Hashable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)

  /// The key for a value, or nil when the value cannot be a key.
  public init?(_ value: Value) {
    switch value {
    case .null: self = .null
    case .bool(let b): self = .bool(b)
    case .number(let n): self = .number(n == 0 ? 0 : n)  // -0 and 0 are one key
    case .string(let s): self = .string(s)
    default: return nil
    }
  }

  public var value: Value {
    switch self {
    case .null: return .null
    case .bool(let b): return .bool(b)
    case .number(let n): return .number(n)
    case .string(let s): return .string(s)
    }
  }
}

/// An insertion-ordered dictionary.
public final class DictObject {
  public private(set) var keys: [DictKey] = []
  public private(set) var values: [Value] = []
  private var index: [DictKey: Int] = [:]

  public init() {}

  public var count: Int { keys.count }

  public subscript(key: DictKey) -> Value? {
    get { index[key].map { values[$0] } }
    set {
      if let newValue {
        if let i = index[key] {
          values[i] = newValue
        } else {
          index[key] = keys.count
          keys.append(key)
          values.append(newValue)
        }
      } else if let i = index.removeValue(forKey: key) {
        keys.remove(at: i)
        values.remove(at: i)
        for j in i..<keys.count { index[keys[j]] = j }
      }
    }
  }
}
