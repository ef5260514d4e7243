import EvoLang
import EvoLimits
import EvoTensor

/// A tensor as an Evo value.
public final class TensorObject: NativeObject {
  public let tensor: Tensor
  public init(_ tensor: Tensor) { self.tensor = tensor }
  public var nativeType: NativeType { TensorType.type }
}

extension Value {
  /// Wraps a tensor as an Evo value.
  static func tensor(_ t: Tensor) -> Value { .native(TensorObject(t)) }

  /// Named tensors (a checkpoint, an optimizer's state) as an Evo dict, in name order.
  static func tensorDict(_ named: [String: Tensor]) -> Value {
    let d = DictObject()
    for (name, t) in named.sorted(by: { $0.key < $1.key }) { d[.string(name)] = .tensor(t) }
    return .dict(d)
  }
}

/// Conversions between Evo values and tensors, shapes and axes, with errors naming the function.
enum Convert {
  /// A tensor from a tensor value, a number (a scalar tensor) or nested lists of numbers.
  static func tensor(_ value: Value, _ function: String) throws -> Tensor {
    switch value {
    case .native(let n):
      if let t = n as? TensorObject { return t.tensor }
    case .number(let x): return Tensor(Float(x))
    case .bool(let b): return Tensor(b ? 1 : 0)
    case .list: return try fromNested(value, function)
    default: break
    }
    throw EvoError(.type, "\(function)() needs a tensor, a number or a nested list of numbers, not \(value.typeName)")
  }

  /// Named tensors from an Evo dict of name: tensor (see `Value.tensorDict`).
  static func namedTensors(_ value: Value, _ function: String) throws -> [String: Tensor] {
    guard case .dict(let d) = value else { throw EvoError(.type, "\(function)() needs a dict of name: tensor") }
    var named: [String: Tensor] = [:]
    for (k, v) in zip(d.keys, d.values) {
      guard case .string(let name) = k.value else { throw EvoError(.type, "\(function)(): names must be strings") }
      named[name] = try tensor(v, function)
    }
    return named
  }

  /// Builds a tensor from nested lists, checking that the nesting is rectangular.
  static func fromNested(_ value: Value, _ function: String) throws -> Tensor {
    var shape: [Int] = []
    var probe = value
    while case .list(let l) = probe {
      shape.append(l.items.count)
      guard let first = l.items.first else { break }
      probe = first
    }
    var values: [Float] = []
    values.reserveCapacity(shape.reduce(1, *))
    func walk(_ v: Value, _ depth: Int) throws {
      if depth == shape.count {
        switch v {
        case .number(let x): values.append(Float(x))
        case .bool(let b): values.append(b ? 1 : 0)
        default: throw EvoError(.type, "\(function)(): tensor elements must be numbers, found \(v.typeName)")
        }
        return
      }
      guard case .list(let l) = v, l.items.count == shape[depth] else {
        throw EvoError(
          .value, "\(function)(): nested lists are ragged (expected \(shape[depth]) items at depth \(depth))")
      }
      for item in l.items { try walk(item, depth + 1) }
    }
    try walk(value, 0)
    return try Tensor(shape: shape, values: values)
  }

  /// Nested lists of numbers from a tensor.
  static func nested(_ t: Tensor) -> Value {
    let values = t.values
    func build(_ dim: Int, _ offset: Int, _ stride: Int) -> Value {
      if dim == t.rank { return .float32(values[offset]) }
      let inner = stride / max(t.shape[dim], 1)
      return .list(ListObject((0..<t.shape[dim]).map { build(dim + 1, offset + $0 * inner, inner) }))
    }
    return build(0, 0, t.count)
  }

  /// A shape from a list of integers or integer arguments.
  static func shape(_ value: Value, _ function: String) throws -> [Int] {
    switch value {
    case .number: return [try int(value, function, "shape")]
    case .list(let l): return try l.items.map { try int($0, function, "shape") }
    default: throw EvoError(.type, "\(function)(): a shape is a list of integers, not \(value.typeName)")
    }
  }

  /// Axes: nil (all), one integer, or a list of integers.
  static func axes(_ value: Value, _ function: String) throws -> [Int]? {
    switch value {
    case .null: return nil
    case .number: return [try int(value, function, "axes")]
    case .list(let l): return try l.items.map { try int($0, function, "axes") }
    default:
      throw EvoError(.type, "\(function)(): axes must be an integer or a list of integers, not \(value.typeName)")
    }
  }

  static func int(_ value: Value, _ function: String, _ what: String) throws -> Int {
    guard case .number(let n) = value, let i = Checked.int(n) else {
      throw EvoError(.type, "\(function)(): \(what) must be integers, got \(value.repr)")
    }
    return i
  }

  /// Integer labels from a tensor or a list.
  static func labels(_ value: Value, _ function: String) throws -> [Int] {
    if case .list(let l) = value { return try l.items.map { try int($0, function, "labels") } }
    let t = try tensor(value, function)
    return try t.values.map { v in
      guard let i = Checked.int(Double(v)) else {
        throw EvoError(.value, "\(function)(): labels must be integers, got \(v)")
      }
      return i
    }
  }
}

extension Value {
  /// A float32 as an Evo number: the double nearest the shortest decimal that reads back as the same
  /// float32, so a learning rate of 0.05 shows as `0.05`, not as `0.05000000074505806` (the float32's
  /// exact value, which is no more accurate: float32 holds about 7 significant digits).
  static func float32(_ x: Float) -> Value { .number(Double(x.description) ?? Double(x)) }
}
