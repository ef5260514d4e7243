import EvoLang
import EvoTensor

/// The session's random generator, seeded by `seed(n)` (default seed 0) and shared by every builtin
/// that draws random numbers (tensors, initializers, dropout, graph generation and mutation, search).
final class RandomState: @unchecked Sendable {
  var generator = RandomGenerator(seed: 0)
}

/// Builtins that draw from the session's random generator: `seed`, random tensors, initializers, dropout.
enum RandomFunctions {
  static func all(random: RandomState) -> [NativeFunction] {
    [
      NativeFunction("seed", [p("value")], doc: "Seeds the random generator of rand, randn, randint and permutation.") {
        a in
        random.generator = RandomGenerator(seed: UInt64(truncatingIfNeeded: try a.int(0)))
        return .null
      },
      NativeFunction(
        "randn", [p("shape"), p("mean", .number(0)), p("std", .number(1))],
        doc: "Normal random values (seeded, see seed)."
      ) { a in
        .tensor(
          try Tensor.randn(
            Convert.shape(a[0], "randn"), mean: Float(a.number(1)), std: Float(a.number(2)), rng: &random.generator))
      },
      NativeFunction(
        "rand", [p("shape"), p("low", .number(0)), p("high", .number(1))],
        doc: "Uniform random values in [low, high) (seeded)."
      ) { a in
        .tensor(
          try Tensor.rand(
            Convert.shape(a[0], "rand"), low: Float(a.number(1)), high: Float(a.number(2)), rng: &random.generator))
      },
      NativeFunction(
        "randint", [p("shape"), p("low"), p("high")], doc: "Uniform random integers in [low, high) (seeded)."
      ) { a in
        .tensor(
          try Tensor.randint(Convert.shape(a[0], "randint"), low: a.int(1), high: a.int(2), rng: &random.generator))
      },
      NativeFunction("permutation", [p("n")], doc: "A random permutation of 0..n-1 (seeded).") { a in
        .tensor(try Tensor.permutation(a.int(0), rng: &random.generator))
      },
      NativeFunction("kaiming_normal", [p("shape")], doc: "He/Kaiming normal weights N(0, 2/fan_in) (seeded).") { a in
        .tensor(try Initializer.kaimingNormal(Convert.shape(a[0], "kaiming_normal"), rng: &random.generator))
      },
      NativeFunction("xavier_uniform", [p("shape")], doc: "Xavier/Glorot uniform weights (seeded).") { a in
        .tensor(try Initializer.xavierUniform(Convert.shape(a[0], "xavier_uniform"), rng: &random.generator))
      },
      NativeFunction(
        "orthogonal", [p("shape"), p("gain", .number(1))],
        doc: "A (semi-)orthogonal matrix over the first dimension (seeded)."
      ) { a in
        .tensor(
          try Initializer.orthogonal(
            Convert.shape(a[0], "orthogonal"), gain: Float(a.number(1)), rng: &random.generator))
      },
      NativeFunction(
        "dropout", [p("x"), p("p", .number(0.5)), p("training", .bool(true))],
        doc: "Zeroes each element with probability p and scales the rest by 1/(1-p) while training (seeded)."
      ) { a in
        .tensor(
          try Convert.tensor(a[0], "dropout").dropout(
            Float(a.number(1)), training: a[2].isTruthy, rng: &random.generator))
      },
    ]
  }
}
