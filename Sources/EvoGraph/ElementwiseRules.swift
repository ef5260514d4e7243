import EvoTensor

/// One element-wise primitive, defined once for every evaluator: its name and arity, its value and the
/// gradients of its inputs over `Lanes` (the Swift sweeps' scalars and SIMD lanes, and the generated C
/// of the native sweeps, all derive from these), and its form in tensor operations (the node-by-node
/// evaluator, whose backward is EvoTensor's autodiff).
///
/// Unary rules get their input as both `a` and `b` and ignore `b` and the second gradient.
protocol ElementwiseRule: Sendable {
  /// The name in formulas and JSON.
  static var name: String { get }
  /// How many inputs: 1 or 2.
  static var arity: Int { get }
  /// Whether swapping the two inputs gives the same value.
  static var isCommutative: Bool { get }

  /// The value from the inputs' values.
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L
  /// The gradient contributions to a and b from g, the gradient of the value y.
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L)
  /// The value through tensor operations, so that autodiff reaches the inputs.
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor

  /// out[i] = value(a[i], b[i]) over contiguous floats (see `FusedKernels`).
  static func forward(
    _ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int, eps: Float)
  /// Adds the gradient contributions into `ga` and `gb` (either may be nil), or stores them there when
  /// `overwriteA` / `overwriteB` (see `FusedKernels`).
  static func backward(
    g: UnsafePointer<Float>, out: UnsafePointer<Float>, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    ga: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?, _ n: Int, eps: Float, overwriteA: Bool,
    overwriteB: Bool
  )
}

extension ElementwiseRule {
  static var arity: Int { 1 }
  static var isCommutative: Bool { false }
}

enum Add: ElementwiseRule {
  static let name = "add", arity = 2, isCommutative = true
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { a + b }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) { (g, g) }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try a + b }
}

enum Mul: ElementwiseRule {
  static let name = "mul", arity = 2, isCommutative = true
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { a * b }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * b, g * a)
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try a * b }
}

/// a / b with b's magnitude at least eps; no gradient reaches b where the guard replaced it.
enum Div: ElementwiseRule {
  static let name = "div", arity = 2
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { a / L.guarded(b, eps: eps) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    // d(a/d)/da = 1/d and d(a/d)/db = -a/d²: one division per element.
    let r = L.bind(L(1) / L.guarded(b, eps: eps))
    let gr = L.bind(g * r)
    return (gr, L.select(L.keepsDenominator(b, eps: eps), -gr * a * r, L(0)))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor {
    try a / DivisionGuard.unaryTensor(b, eps: eps)
  }
}

/// The denominator of `Div` in tensor form: `Lanes.guarded`, with gradient where the guard kept b. Not a
/// primitive of its own.
enum DivisionGuard: ElementwiseRule {
  static let name = "guard"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.guarded(a, eps: eps) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (L.select(L.keepsDenominator(a, eps: eps), g, L(0)), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try unaryTensor(a, eps: eps) }
}

/// max(a, b); the gradient goes to a on ties.
enum Max: ElementwiseRule {
  static let name = "max", arity = 2, isCommutative = true
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.maximum(a, b) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    let first = L.isGreaterOrEqual(a, b)
    return (L.select(first, g, L(0)), L.select(first, L(0), g))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try a.maximum(b) }
}

enum Neg: ElementwiseRule {
  static let name = "neg"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { -a }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) { (-g, L(0)) }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.neg() }
}

enum Sigmoid: ElementwiseRule {
  static let name = "sigmoid"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.sigmoid(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * y * (L(1) - y), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.sigmoid() }
}

enum Tanh: ElementwiseRule {
  static let name = "tanh"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.tanh(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * (L(1) - y * y), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.tanh() }
}

enum Exp: ElementwiseRule {
  static let name = "exp"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.exp(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * y, L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.exp() }
}

/// sign(a)·ln|a|.
enum Log: ElementwiseRule {
  static let name = "log"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.signedLog(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g / L.abs(a), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try unaryTensor(a, eps: eps) }
}

/// |a|; the gradient is 0 at 0.
enum Abs: ElementwiseRule {
  static let name = "abs"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.abs(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (L.select(L.isGreater(a, L(0)), g, L.select(L.isLess(a, L(0)), -g, L(0))), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.abs() }
}

enum Square: ElementwiseRule {
  static let name = "square"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { a * a }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (L(2) * a * g, L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { a.square() }
}

/// sign(a)·√|a|.
enum Sqrt: ElementwiseRule {
  static let name = "sqrt"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.signedSqrt(a) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * L(0.5) / L.sqrt(L.abs(a)), L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try unaryTensor(a, eps: eps) }
}

/// `sqrt` of a variance or second moment (never negative): √(a + eps). Not a primitive of its own:
/// `Primitive.rule(readingStatistic:)` picks it for a `sqrt` node reading such an aggregation.
enum StatisticSqrt: ElementwiseRule {
  static let name = "sqrt"
  @inline(__always) static func value<L: Lanes>(_ a: L, _ b: L, eps: L) -> L { L.sqrt(a + eps) }
  @inline(__always) static func gradients<L: Lanes>(_ g: L, y: L, _ a: L, _ b: L, eps: L) -> (a: L, b: L) {
    (g * L(0.5) / y, L(0))
  }
  static func tensor(_ a: Tensor, _ b: Tensor, eps: Float) throws -> Tensor { try (a + eps).sqrt() }
}
