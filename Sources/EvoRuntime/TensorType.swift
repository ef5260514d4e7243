import EvoLang
import EvoTensor

/// The `Tensor` native type: properties, methods (each also a global function taking the tensor
/// first), operators with broadcasting, indexing and printing.
enum TensorType {
  static let type: NativeType = {
    let t = NativeType(name: "Tensor", doc: "A float32 n-dimensional array with autodiff (NCHW for images).") { obj in
      (obj as? TensorObject).map { TensorFormatting.describe($0.tensor) } ?? "tensor(?)"
    }
    t.properties["shape"] = (get: { .list(ListObject(tensor($0).shape.map { .int($0) })) }, set: nil)
    t.properties["ndim"] = (get: { .int(tensor($0).rank) }, set: nil)
    t.properties["size"] = (get: { .int(tensor($0).count) }, set: nil)
    t.properties["grad"] = (
      get: { tensor($0).grad.map { .tensor($0) } ?? .null },
      set: { obj, value in
        if case .null = value { tensor(obj).grad = nil } else { tensor(obj).grad = try Convert.tensor(value, "grad") }
      }
    )
    t.properties["requires_grad"] = (
      get: { .bool(tensor($0).requiresGrad) },
      set: { obj, value in
        tensor(obj).requiresGrad = value.isTruthy
      }
    )
    t.properties["T"] = (get: { .tensor(try tensor($0).transpose()) }, set: nil)
    for m in TensorMethods.all { t.methods[m.name] = m }
    t.binaryOperator = { op, a, b in try binary(op, a, b) }
    t.unaryOperator = { op, obj in op == "-" ? .tensor(tensor(obj).neg()) : op == "+" ? .native(obj) : nil }
    t.getIndex = { obj, items in .tensor(try TensorIndexing.get(tensor(obj), items)) }
    t.setIndex = { obj, items, value in
      try TensorIndexing.set(tensor(obj), items, Convert.tensor(value, "index assignment"))
    }
    t.length = { obj in
      let x = tensor(obj)
      guard x.rank > 0 else { throw EvoError(.type, "a scalar tensor has no length") }
      return x.shape[0]
    }
    t.iterate = { obj in
      let x = tensor(obj)
      guard x.rank > 0 else { throw EvoError(.type, "a scalar tensor is not iterable") }
      return try (0..<x.shape[0]).map { .tensor(try TensorIndexing.get(x, [.value(.int($0))])) }
    }
    t.truthiness = { obj in
      let x = tensor(obj)
      return x.count == 1 ? x.values[0] != 0 : x.count > 0
    }
    return t
  }()

  static func tensor(_ obj: any NativeObject) -> Tensor { (obj as? TensorObject)?.tensor ?? Tensor(0) }

  /// `a op b` where at least one side is a tensor; numbers and nested lists are converted.
  static func binary(_ op: String, _ a: Value, _ b: Value) throws -> Value? {
    let x = try Convert.tensor(a, op)
    let y = try Convert.tensor(b, op)
    switch op {
    case "+": return .tensor(try x + y)
    case "-": return .tensor(try x - y)
    case "*": return .tensor(try x * y)
    case "/": return .tensor(try x / y)
    case "**": return .tensor(try x.pow(y))
    case "@": return .tensor(try x.matmul(y))
    case "<": return .tensor(try x.lt(y))
    case "<=": return .tensor(try x.le(y))
    case ">": return .tensor(try x.gt(y))
    case ">=": return .tensor(try x.ge(y))
    case "==": return .tensor(try x.eq(y))
    case "!=": return .tensor(try x.ne(y))
    default: return nil
    }
  }
}
