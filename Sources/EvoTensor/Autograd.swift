/// Global switches of the autodiff engine.
public enum Autograd {
  /// Grad mode of the current task or thread (task-local, so concurrent work does not interfere).
  @TaskLocal private static var recording = true

  /// Whether operations currently record on the tape.
  public static var isEnabled: Bool { recording }

  /// Runs `body` without recording operations (inference, optimizer updates, backward passes).
  public static func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try $recording.withValue(false) { try body() }
  }
}

extension Tensor {
  /// Whether an op on these inputs goes on the tape: callers skip building the backward closure and
  /// its saved tensors when it does not (most element-wise calls outside training).
  @inline(__always)
  static func recordsOp(_ a: Tensor, _ b: Tensor? = nil) -> Bool {
    (a.requiresGrad || b?.requiresGrad == true) && Autograd.isEnabled  // the task-local read last: it costs
  }

  /// Builds the result of an operation and, when grad mode is on and an input requires grad, records
  /// `backward` (result gradient → one gradient per input) on the tape.
  static func record(
    shape: [Int], storage: TensorStorage, inputs: [Tensor],
    backward: @escaping (Tensor) throws -> [Tensor?]
  ) -> Tensor {
    let out = Tensor(shape: shape, storage: storage)
    if inputs.contains(where: { $0.requiresGrad }) && Autograd.isEnabled {
      out.requiresGrad = true
      out.inputs = inputs
      out.backwardFunction = backward
    }
    return out
  }

  /// Records a custom operation: `value` (a fresh tensor computed outside the tape) becomes the result,
  /// and `backward` maps its gradient to one gradient per input (shaped like the input, or nil).
  public static func custom(_ value: Tensor, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?])
    -> Tensor
  {
    record(shape: value.shape, storage: value.storage, inputs: inputs, backward: backward)
  }

  /// Whether this tensor is a leaf of the tape (a parameter or an input), as opposed to an op result.
  public var isLeaf: Bool { backwardFunction == nil }

  /// Back-propagates from this scalar: adds d(self)/d(leaf) into every leaf's `grad` that requires grad.
  /// The tape below this tensor is released afterwards unless `retainGraph` is true.
  public func backward(retainGraph: Bool = false) throws {
    guard count == 1 else {
      throw TensorError.shape(
        "backward",
        "backward() needs a scalar, got shape \(shapeString(shape)); pass a gradient with backward(gradient:)")
    }
    try backward(
      gradient: Tensor(shape: shape, storage: TensorStorage(count: 1, repeating: 1)), retainGraph: retainGraph)
  }

  /// Back-propagates a given output gradient (same shape as this tensor).
  public func backward(gradient: Tensor, retainGraph: Bool = false) throws {
    guard gradient.shape == shape else {
      throw TensorError.shape(
        "backward", "gradient shape \(shapeString(gradient.shape)) differs from \(shapeString(shape))")
    }
    guard requiresGrad else {
      throw TensorError.argument(
        "backward", "this tensor does not require grad: no parameter it depends on has requires_grad set")
    }
    let order = topologicalOrder()
    var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): gradient]
    try Autograd.withNoGrad {
      for node in order.reversed() {
        try Cancellation.check("backward")
        guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
        guard let fn = node.backwardFunction else {
          node.grad = try node.grad.map { try $0 + g } ?? g.copy()
          continue
        }
        let inputGrads = try fn(g)
        for (input, ig) in zip(node.inputs, inputGrads) where input.requiresGrad {
          guard let ig else { continue }
          let key = ObjectIdentifier(input)
          grads[key] = try grads[key].map { try $0 + ig } ?? ig
        }
        if !retainGraph {
          node.inputs = []
          node.backwardFunction = nil
        }
      }
    }
  }

  /// Nodes reachable from self through the tape, each after all of its inputs.
  private func topologicalOrder() -> [Tensor] {
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (node, expanded) = stack.popLast() {
      if expanded {
        order.append(node)
        continue
      }
      guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
      stack.append((node, true))
      for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
        stack.append((input, false))
      }
    }
    return order
  }

  /// Clears `grad`.
  public func zeroGrad() { grad = nil }
}
