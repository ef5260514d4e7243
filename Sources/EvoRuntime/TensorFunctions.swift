import EvoLang
import EvoTensor
import Foundation

/// Tensor creation, autodiff scopes, data and checkpoints as Evo builtins.
enum TensorFunctions {
  /// The functions that return a tensor (for completion after a call).
  static let tensorResults: Set<String> = [
    "tensor", "param", "zeros", "ones", "full", "arange", "linspace", "randn", "rand", "randint", "permutation",
    "concat", "stack", "where", "kaiming_normal", "xavier_uniform", "orthogonal", "dropout", "hinge_d_loss",
    "hinge_g_loss", "load_png",
  ]

  /// The session's random generator, seeded by `seed(n)` (default seed 0).
  final class RandomState: @unchecked Sendable {
    var generator = RandomGenerator(seed: 0)
  }

  static func all(random: RandomState) -> [NativeFunction] {
    [
      NativeFunction(
        "tensor", [p("data"), p("requires_grad", .bool(false))],
        doc: "A tensor from a number or nested lists of numbers."
      ) { a in
        let t = try Convert.tensor(a[0], "tensor").copy()
        t.requiresGrad = a[1].isTruthy
        return .tensor(t)
      },
      NativeFunction(
        "param", [p("data")], doc: "A copy of the data as a tensor that receives gradients (a trainable parameter)."
      ) { a in
        .tensor(try Convert.tensor(a[0], "param").copy().requiringGrad())
      },
      NativeFunction("zeros", [p("shape")], doc: "A tensor of zeros.") { a in
        .tensor(try Tensor.zeros(Convert.shape(a[0], "zeros")))
      },
      NativeFunction("ones", [p("shape")], doc: "A tensor of ones.") { a in
        .tensor(try Tensor.ones(Convert.shape(a[0], "ones")))
      },
      NativeFunction("full", [p("shape"), p("value")], doc: "A tensor filled with a value.") { a in
        .tensor(try Tensor.full(Convert.shape(a[0], "full"), Float(a.number(1))))
      },
      NativeFunction(
        "arange", [p("start"), p("end", .null), p("step", .number(1))], doc: "Evenly spaced values in [start, end)."
      ) { a in
        let (start, end) = try a.startAndEnd()
        return .tensor(try Tensor.arange(Float(start), Float(end), step: Float(a.number(2))))
      },
      NativeFunction(
        "linspace", [p("start"), p("end"), p("count")], doc: "`count` evenly spaced values from start to end inclusive."
      ) { a in
        .tensor(try Tensor.linspace(Float(a.number(0)), Float(a.number(1)), count: a.int(2)))
      },
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
      NativeFunction("concat", [p("tensors"), p("axis", .number(0))], doc: "Joins tensors along an existing axis.") {
        a in
        .tensor(try Tensor.concat(a.list(0).items.map { try Convert.tensor($0, "concat") }, axis: a.int(1)))
      },
      NativeFunction(
        "stack", [p("tensors"), p("axis", .number(0))], doc: "Stacks equally shaped tensors along a new axis."
      ) { a in
        .tensor(try Tensor.stack(a.list(0).items.map { try Convert.tensor($0, "stack") }, axis: a.int(1)))
      },
      NativeFunction("where", [p("condition"), p("a"), p("b")], doc: "a where condition is non-zero, else b.") { a in
        .tensor(
          try Tensor.where(Convert.tensor(a[0], "where"), Convert.tensor(a[1], "where"), Convert.tensor(a[2], "where")))
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
      NativeFunction(
        "hinge_d_loss", [p("real"), p("fake")],
        doc: "GAN discriminator hinge loss: mean(relu(1 - real)) + mean(relu(1 + fake))."
      ) { a in
        .tensor(
          try Tensor.hingeDiscriminatorLoss(
            real: Convert.tensor(a[0], "hinge_d_loss"), fake: Convert.tensor(a[1], "hinge_d_loss")))
      },
      NativeFunction(
        "frechet_distance", [p("a"), p("b")],
        doc: "Fréchet distance between Gaussians fitted to feature sets (n1, d) and (n2, d), in float64."
      ) { a in
        .number(
          try FrechetDistance.between(
            Convert.tensor(a[0], "frechet_distance"), Convert.tensor(a[1], "frechet_distance")))
      },
      NativeFunction("hinge_g_loss", [p("fake")], doc: "GAN generator hinge loss: -mean(fake).") { a in
        .tensor(try Tensor.hingeGeneratorLoss(fake: Convert.tensor(a[0], "hinge_g_loss")))
      },
      NativeFunction(
        "interruptible", [p("body")],
        doc:
          "Calls body(); returns [its result, false], or [nil, true] when Ctrl-C stopped it (the interpreter or a tensor kernel)."
      ) { a in
        do {
          return .list(ListObject([try a.interpreter.call(a[0], []), .bool(false)]))
        } catch let e as EvoError where e.kind == .interrupted {
          Cancellation.current.reset()
          a.interpreter.interrupt.reset()
          return .list(ListObject([.null, .bool(true)]))
        }
      },
      NativeFunction(
        "no_grad", [p("body")], doc: "Calls body() without recording operations for autodiff; returns its result."
      ) { a in
        try Autograd.withNoGrad { try a.interpreter.call(a[0], []) }
      },
      NativeFunction("load_png", [p("path"), p("channels", .null)], doc: "A PNG file as a (C, H, W) tensor in [0, 1].")
      { a in
        .tensor(try PNGImage.read(path: a.string(0), channels: a.optionalInt(1)))
      },
      NativeFunction(
        "save_png", [p("image"), p("path")], doc: "Writes a (C, H, W) or (H, W) tensor in [0, 1] as a PNG file."
      ) { a in
        try PNGImage.write(Convert.tensor(a[0], "save_png"), path: a.string(1))
        return .null
      },
      NativeFunction(
        "save_tensors", [p("path"), p("tensors"), p("metadata", .null)],
        doc: "Writes a dict of tensors (and an optional dict of string metadata) as a safetensors checkpoint."
      ) { a in
        guard case .dict(let d) = a[1] else { throw EvoError(.type, "save_tensors() needs a dict of name: tensor") }
        var named: [String: Tensor] = [:]
        for (k, v) in zip(d.keys, d.values) {
          guard case .string(let name) = k.value else { throw EvoError(.type, "save_tensors(): names must be strings") }
          named[name] = try Convert.tensor(v, "save_tensors")
        }
        var metadata: [String: String] = [:]
        switch a[2] {
        case .null: break
        case .dict(let m):
          for (k, v) in zip(m.keys, m.values) {
            guard case .string(let name) = k.value, case .string(let text) = v else {
              throw EvoError(.type, "save_tensors(): metadata must map strings to strings")
            }
            metadata[name] = text
          }
        default: throw EvoError(.type, "save_tensors(): metadata must be a dict of strings, not \(a[2].typeName)")
        }
        try Safetensors.save(named, metadata: metadata, to: a.string(0))
        return .null
      },
      NativeFunction("file_exists", [p("path")], doc: "Whether a file or folder exists at path.") { a in
        .bool(FileManager.default.fileExists(atPath: try a.string(0)))
      },
      NativeFunction(
        "cache_path", [p("name")],
        doc: "Path of `name` in Evo's cache folder: $XDG_CACHE_HOME/evo, else ~/.cache/evo (not created)."
      ) { a in
        let env = ProcessInfo.processInfo.environment
        let base =
          env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache"
        return .string("\(base)/evo/\(try a.string(0))")
      },
      NativeFunction("load_metadata", [p("path")], doc: "The string metadata of a safetensors checkpoint, as a dict.") {
        a in
        let d = DictObject()
        for (name, text) in try Safetensors.load(path: a.string(0)).metadata.sorted(by: { $0.key < $1.key }) {
          d[.string(name)] = .string(text)
        }
        return .dict(d)
      },
      NativeFunction("load_tensors", [p("path")], doc: "Reads a safetensors checkpoint as a dict of name: tensor.") {
        a in
        let d = DictObject()
        for (name, t) in try Safetensors.load(path: a.string(0)).tensors.sorted(by: { $0.key < $1.key }) {
          d[.string(name)] = .tensor(t)
        }
        return .dict(d)
      },
    ]
  }

  /// `_data`: the native readers and batching behind the `data` module (stdlib/data.evo).
  static func dataModule() -> Module {
    let m = Module(name: "_data", path: nil)
    let functions = [
      NativeFunction(
        "batches",
        [
          p("data"), p("batch_size"), p("shuffle", .bool(true)), p("seed", .number(0)), p("epoch", .number(0)),
          p("drop_last", .bool(false)),
        ],
        doc: "Mini-batches {images, labels} of a data set dict, in a seeded order that changes with `epoch`."
      ) { a in
        guard case .dict(let d) = a[0], let images = d[.string("images")], let labels = d[.string("labels")] else {
          throw EvoError(.type, "batches() needs a data set dict with \"images\" and \"labels\"")
        }
        let set = LabeledImages(
          images: try Convert.tensor(images, "batches"), labels: try Convert.labels(labels, "batches"))
        let loader = try BatchLoader(
          set, batchSize: a.int(1), shuffle: a[2].isTruthy, seed: UInt64(truncatingIfNeeded: try a.int(3)),
          dropLast: a[5].isTruthy)
        return .list(ListObject(loader.epoch(try a.int(4)).map(labeled)))
      },
      NativeFunction(
        "fashion_mnist",
        [p("split", .string("train")), p("limit", .null), p("directory", .string(Datasets.fashionMNISTDirectory))],
        doc: "Fashion-MNIST images (N, 1, 28, 28) in [0, 1] and labels, as a dict {images, labels}."
      ) { a in
        let set = try Datasets.fashionMNIST(try a.string(0), directory: try a.string(2), limit: try a.optionalInt(1))
        return labeled(set)
      },
      NativeFunction("cifar10", [p("path")], doc: "One CIFAR-10 binary batch file as {images (N, 3, 32, 32), labels}.")
      { a in
        labeled(try Datasets.loadCIFAR10Batch(path: a.string(0)))
      },
    ]
    for f in functions { m.set(f.name, .builtin(f)) }
    return m
  }

  static func labeled(_ set: LabeledImages) -> Value {
    let d = DictObject()
    d[.string("images")] = .tensor(set.images)
    d[.string("labels")] = .tensor(Tensor(set.labels.map(Float.init)))
    return .dict(d)
  }
}
