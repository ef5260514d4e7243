// Optimizer state as named tensors, so a checkpoint resumes training exactly. Names follow PyTorch's
// state keys with the parameter's position among all groups' parameters: `momentum_buffer.3`,
// `exp_avg.3`, `exp_avg_sq.3`, and `step` (Adam's update count).

/// Every parameter of every group, in order; a parameter's position is its index here.
private func flattened(_ groups: [ParameterGroup]) -> [Tensor] { groups.flatMap(\.parameters) }

/// Checks a saved per-parameter vector against its parameter.
private func stateVector(_ state: [String: Tensor], _ key: String, _ p: Tensor, _ op: String) throws -> [Float]? {
  guard let t = state[key] else { return nil }
  guard t.count == p.count else {
    throw TensorError.shape(op, "state \(key) has \(t.count) values, its parameter \(p.count)")
  }
  return t.values
}

/// Rejects names that no parameter of this optimizer owns (a checkpoint of another model).
private func checkKeys(_ state: [String: Tensor], known: Set<String>, _ op: String) throws {
  if let bad = state.keys.sorted().first(where: { !known.contains($0) }) {
    throw TensorError.argument(op, "unexpected state \(bad): the checkpoint belongs to other parameters")
  }
}

extension SGD {
  public func stateTensors() -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (i, p) in flattened(groups).enumerated() {
      if let v = velocity[ObjectIdentifier(p)] {
        out["momentum_buffer.\(i)"] = (try? Tensor(shape: p.shape, values: v))
      }
    }
    return out
  }

  public func loadState(_ state: [String: Tensor]) throws {
    let params = flattened(groups)
    try checkKeys(state, known: Set(params.indices.map { "momentum_buffer.\($0)" }), "sgd")
    var restored: [ObjectIdentifier: [Float]] = [:]
    for (i, p) in params.enumerated() {
      if let v = try stateVector(state, "momentum_buffer.\(i)", p, "sgd") { restored[ObjectIdentifier(p)] = v }
    }
    velocity = restored
  }
}

extension Adam {
  public func stateTensors() -> [String: Tensor] {
    var out: [String: Tensor] = ["step": Tensor(Float(steps))]
    for (i, p) in flattened(groups).enumerated() {
      guard let (m, v) = moments[ObjectIdentifier(p)] else { continue }
      out["exp_avg.\(i)"] = try? Tensor(shape: p.shape, values: m)
      out["exp_avg_sq.\(i)"] = try? Tensor(shape: p.shape, values: v)
    }
    return out
  }

  public func loadState(_ state: [String: Tensor]) throws {
    let params = flattened(groups)
    try checkKeys(
      state, known: Set(["step"] + params.indices.flatMap { ["exp_avg.\($0)", "exp_avg_sq.\($0)"] }), "adam")
    guard let step = state["step"], step.count == 1, let count = Int(exactly: try step.item()), count >= 0 else {
      throw TensorError.argument("adam", "state needs a non-negative integer `step`")
    }
    var restored: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]
    for (i, p) in params.enumerated() {
      let m = try stateVector(state, "exp_avg.\(i)", p, "adam")
      let v = try stateVector(state, "exp_avg_sq.\(i)", p, "adam")
      switch (m, v) {
      case (let m?, let v?): restored[ObjectIdentifier(p)] = (m, v)
      case (nil, nil): continue
      default: throw TensorError.argument("adam", "state of parameter \(i) needs both exp_avg and exp_avg_sq")
      }
    }
    moments = restored
    steps = count
  }
}
