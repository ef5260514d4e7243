import Foundation

/// A learning rate as a function of the step number (0-based).
public enum LearningRateSchedule: Sendable {
  /// Always `base`.
  case constant(base: Float)
  /// Cosine decay from `base` at step 0 to `minimum` at `totalSteps`.
  case cosine(base: Float, totalSteps: Int, minimum: Float = 0)
  /// `base · gamma^(step / stepSize)`.
  case step(base: Float, stepSize: Int, gamma: Float)
  /// Linear warm-up from `base / warmupSteps` to the wrapped schedule's value over `warmupSteps` steps.
  indirect case warmup(steps: Int, then: LearningRateSchedule)

  /// The learning rate at `step`.
  public func rate(at step: Int) -> Float {
    switch self {
    case .constant(let base): return base
    case .cosine(let base, let total, let minimum):
      let t = min(Double(max(step, 0)) / Double(max(total, 1)), 1)
      return minimum + (base - minimum) * Float(0.5 * (1 + cos(Double.pi * t)))
    case .step(let base, let size, let gamma):
      return base * Foundation.powf(gamma, Float(max(step, 0) / max(size, 1)))
    case .warmup(let steps, let inner):
      let value = inner.rate(at: step)
      guard step < steps else { return value }
      return value * Float(step + 1) / Float(steps)
    }
  }
}
