import EvoLang
import EvoTensor

/// An optimizer as an Evo value: `opt.step()`, `opt.zero_grad()`, `opt.lr`.
final class OptimizerObject: NativeObject {
  let optimizer: any Optimizer
  let kind: String
  init(_ optimizer: any Optimizer, kind: String) {
    self.optimizer = optimizer
    self.kind = kind
  }
  var nativeType: NativeType { Self.type }

  static let type: NativeType = {
    let t = NativeType(name: "Optimizer", doc: "Updates parameters from their gradients.") { obj in
      guard let o = obj as? OptimizerObject else { return "<optimizer>" }
      return "<\(o.kind) lr=\(Value.float32(o.optimizer.learningRate).repr)>"
    }
    t.method("step", doc: "Applies one update to every parameter that has a gradient.") { a in
      try optimizer(a).step()
      return .null
    }
    t.method("zero_grad", doc: "Clears every parameter's gradient.") { a in
      try optimizer(a).zeroGrad()
      return .null
    }
    t.method("state_dict", doc: "The optimizer's state (moments, step count) as a dict of tensors for save_tensors.") {
      a in
      .tensorDict(try optimizer(a).stateTensors())
    }
    t.method(
      "load_state_dict", [NativeParameter("state")],
      doc: "Restores state from state_dict() of an optimizer over the same parameters."
    ) { a in
      try optimizer(a).loadState(Convert.namedTensors(a[1], "load_state_dict"))
      return .null
    }
    t.properties["lr"] = (
      get: { .float32(($0 as? OptimizerObject)?.optimizer.learningRate ?? 0) },
      set: { obj, value in
        guard case .number(let lr) = value, lr >= 0 else { throw EvoError(.value, "lr must be a non-negative number") }
        (obj as? OptimizerObject)?.optimizer.learningRate = Float(lr)
      }
    )
    return t
  }()

  private static func optimizer(_ a: Arguments) throws -> any Optimizer {
    try a.native(0, as: OptimizerObject.self, expected: "an optimizer").optimizer
  }

  /// Parameter groups from a list of tensors, or a list of dicts `{"params": [...], "weight_decay": 0}`.
  static func groups(_ value: Value, _ function: String) throws -> [ParameterGroup] {
    guard case .list(let l) = value else { throw EvoError(.type, "\(function)() needs a list of parameters") }
    var plain: [Tensor] = []
    var groups: [ParameterGroup] = []
    for item in l.items {
      if case .dict(let d) = item {
        guard let params = d[.string("params")], case .list(let pl) = params else {
          throw EvoError(.value, "\(function)(): a parameter group needs \"params\": [tensors]")
        }
        var decay: Float?
        if case .number(let wd)? = d[.string("weight_decay")] { decay = Float(wd) }
        groups.append(ParameterGroup(try pl.items.map { try Convert.tensor($0, function) }, weightDecay: decay))
      } else {
        guard case .native(let n) = item, let t = n as? TensorObject else {
          throw EvoError(.type, "\(function)(): parameters must be tensors, not \(item.typeName)")
        }
        plain.append(t.tensor)
      }
    }
    if !plain.isEmpty { groups.insert(ParameterGroup(plain), at: 0) }
    return groups
  }
}

/// A learning-rate schedule as an Evo value: `schedule.at(step)`.
final class ScheduleObject: NativeObject {
  let schedule: LearningRateSchedule
  init(_ schedule: LearningRateSchedule) { self.schedule = schedule }
  var nativeType: NativeType { Self.type }

  static let type: NativeType = {
    let t = NativeType(name: "Schedule", doc: "A learning rate as a function of the step.") { _ in "<schedule>" }
    t.method("at", [NativeParameter("step")], doc: "The learning rate at a (0-based) step.") { a in
      .float32(try a.native(0, as: ScheduleObject.self, expected: "a schedule").schedule.rate(at: a.int(1)))
    }
    return t
  }()
}

enum OptimizerFunctions {

  static let all: [NativeFunction] = [
    NativeFunction(
      "sgd",
      [
        p("params"), p("lr", .number(0.1)), p("momentum", .number(0)), p("nesterov", .bool(false)),
        p("weight_decay", .number(0)),
      ],
      doc: "SGD with momentum, Nesterov and weight decay (PyTorch's rule); params may be groups {params, weight_decay}."
    ) { a in
      .native(
        OptimizerObject(
          try SGD(
            OptimizerObject.groups(a[0], "sgd"), learningRate: Float(a.number(1)), momentum: Float(a.number(2)),
            nesterov: a[3].isTruthy, weightDecay: Float(a.number(4))), kind: "sgd"))
    },
    NativeFunction(
      "adam",
      [
        p("params"), p("lr", .number(0.001)), p("beta1", .number(0.9)), p("beta2", .number(0.999)),
        p("eps", .number(1e-8)), p("weight_decay", .number(0)),
      ],
      doc: "Adam with bias correction; params may be groups {params, weight_decay}."
    ) { a in
      .native(
        OptimizerObject(
          try Adam(
            OptimizerObject.groups(a[0], "adam"), learningRate: Float(a.number(1)), beta1: Float(a.number(2)),
            beta2: Float(a.number(3)), epsilon: Float(a.number(4)), weightDecay: Float(a.number(5))), kind: "adam"))
    },
    NativeFunction(
      "cosine_schedule", [p("base"), p("total"), p("minimum", .number(0)), p("warmup", .number(0))],
      doc: "Cosine decay from base to minimum over total steps, after an optional linear warm-up."
    ) { a in
      let cosine = LearningRateSchedule.cosine(
        base: Float(try a.number(0)), totalSteps: try a.int(1), minimum: Float(try a.number(2)))
      let warm = try a.int(3)
      return .native(ScheduleObject(warm > 0 ? .warmup(steps: warm, then: cosine) : cosine))
    },
    NativeFunction(
      "step_schedule", [p("base"), p("step_size"), p("gamma", .number(0.1))], doc: "base · gamma^(step / step_size)."
    ) { a in
      .native(
        ScheduleObject(.step(base: Float(try a.number(0)), stepSize: try a.int(1), gamma: Float(try a.number(2)))))
    },
  ]
}
