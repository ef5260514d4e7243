import EvoLang

/// The global tensor builtins, gathered from their topic tables.
enum TensorFunctions {
  /// The functions that return a tensor (for completion after a call).
  static let tensorResults: Set<String> = [
    "tensor", "param", "zeros", "ones", "full", "arange", "linspace", "randn", "rand", "randint", "permutation",
    "concat", "stack", "where", "kaiming_normal", "xavier_uniform", "orthogonal", "dropout", "hinge_d_loss",
    "hinge_g_loss", "load_png",
  ]

  /// Creation, random, GAN, scope, file and checkpoint builtins.
  static func all(random: RandomState) -> [NativeFunction] {
    TensorCreationFunctions.all + RandomFunctions.all(random: random) + GANFunctions.all + ScopeFunctions.all
      + FileFunctions.all + CheckpointFunctions.all
  }
}
