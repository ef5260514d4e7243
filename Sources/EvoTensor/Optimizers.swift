import Foundation

/// Parameters that share optimiser settings; e.g. norm parameters with `weightDecay: 0`.
public struct ParameterGroup {
  public var parameters: [Tensor]
  /// Overrides the optimiser's weight decay for this group when set.
  public var weightDecay: Float?

  public init(_ parameters: [Tensor], weightDecay: Float? = nil) {
    self.parameters = parameters
    self.weightDecay = weightDecay
  }
}

extension [ParameterGroup] {
  /// Calls `body(parameter, gradient, weightDecay)` for every parameter that has a gradient, checking that
  /// the gradient has the parameter's size; a group's own weight decay overrides `defaultDecay`.
  func forEachGradient(
    defaultDecay: Float, op: String, _ body: (Tensor, Tensor, Float) throws -> Void
  ) throws {
    for group in self {
      let wd = group.weightDecay ?? defaultDecay
      for p in group.parameters {
        guard let grad = p.grad else { continue }
        guard grad.count == p.count else {
          throw TensorError.shape(
            op, "gradient \(shapeString(grad.shape)) does not match parameter \(shapeString(p.shape))")
        }
        try body(p, grad, wd)
      }
    }
  }

  /// Clears every parameter's gradient.
  func clearGradients() { for g in self { for p in g.parameters { p.grad = nil } } }
}

/// Something that updates parameters from their `.grad`.
public protocol Optimizer: AnyObject {
  /// Current learning rate (schedules set it before each step).
  var learningRate: Float { get set }
  /// Applies one update to every parameter that has a gradient.
  func step() throws
  /// Clears every parameter's gradient.
  func zeroGrad()
  /// The internal state as named tensors for a checkpoint (see `Optimizers+State.swift`).
  func stateTensors() -> [String: Tensor]
  /// Restores state written by `stateTensors()` of an optimizer over the same parameters.
  func loadState(_ state: [String: Tensor]) throws
}

/// Stochastic gradient descent with optional momentum (heavy-ball or Nesterov) and L2 weight decay,
/// following PyTorch's `torch.optim.SGD` update rule.
public final class SGD: Optimizer {
  public var learningRate: Float
  public let momentum: Float
  public let nesterov: Bool
  public let weightDecay: Float
  public let groups: [ParameterGroup]
  var velocity: [ObjectIdentifier: [Float]] = [:]

  public init(
    _ groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0
  ) throws {
    guard learningRate >= 0, momentum >= 0, weightDecay >= 0 else {
      throw TensorError.argument("sgd", "learning rate, momentum and weight decay must be non-negative")
    }
    guard !nesterov || momentum > 0 else { throw TensorError.argument("sgd", "Nesterov momentum needs momentum > 0") }
    self.groups = groups
    self.learningRate = learningRate
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0
  ) throws {
    try self.init(
      [ParameterGroup(parameters)], learningRate: learningRate, momentum: momentum, nesterov: nesterov,
      weightDecay: weightDecay)
  }

  public func step() throws {
    try groups.forEachGradient(defaultDecay: weightDecay, op: "sgd") { p, grad, wd in
      let key = ObjectIdentifier(p)
      var v = velocity[key] ?? []
      if momentum > 0 && v.isEmpty { v = [Float](repeating: 0, count: p.count) }
      let lr = learningRate
      let mom = momentum
      let nest = nesterov
      grad.withData { g in
        p.withMutableData { w in
          v.withUnsafeMutableBufferPointer { vel in
            for i in 0..<w.count {
              var d = g[i] + wd * w[i]
              if mom > 0 {
                vel[i] = mom * vel[i] + d
                d = nest ? d + mom * vel[i] : vel[i]
              }
              w[i] -= lr * d
            }
          }
        }
      }
      if momentum > 0 { velocity[key] = v }
    }
  }

  public func zeroGrad() { groups.clearGradients() }
}

/// Adam (Kingma & Ba) with bias correction and optional L2 weight decay added to the gradient.
public final class Adam: Optimizer {
  public var learningRate: Float
  public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
  public let groups: [ParameterGroup]
  var moments: [ObjectIdentifier: (m: [Float], v: [Float])] = [:]
  var steps = 0

  public init(
    _ groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
    epsilon: Float = 1e-8, weightDecay: Float = 0
  ) throws {
    guard learningRate >= 0, (0..<1).contains(beta1), (0..<1).contains(beta2), epsilon > 0, weightDecay >= 0 else {
      throw TensorError.argument("adam", "need lr ≥ 0, 0 ≤ β1, β2 < 1, ε > 0, weight decay ≥ 0")
    }
    self.groups = groups
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
    weightDecay: Float = 0
  ) throws {
    try self.init(
      [ParameterGroup(parameters)], learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
      weightDecay: weightDecay)
  }

  public func step() throws {
    steps += 1
    let c1 = 1 - Float(Foundation.pow(Double(beta1), Double(steps)))
    let c2 = 1 - Float(Foundation.pow(Double(beta2), Double(steps)))
    try groups.forEachGradient(defaultDecay: weightDecay, op: "adam") { p, grad, wd in
      let key = ObjectIdentifier(p)
      var (m, v) = moments[key] ?? ([Float](repeating: 0, count: p.count), [Float](repeating: 0, count: p.count))
      let b1 = beta1
      let b2 = beta2
      let eps = epsilon
      let lr = learningRate
      grad.withData { g in
        p.withMutableData { w in
          for i in 0..<w.count {
            let d = g[i] + wd * w[i]
            m[i] = b1 * m[i] + (1 - b1) * d
            v[i] = b2 * v[i] + (1 - b2) * d * d
            w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
          }
        }
      }
      moments[key] = (m, v)
    }
  }

  public func zeroGrad() { groups.clearGradients() }
}
