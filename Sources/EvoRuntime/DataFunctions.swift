import EvoLang
import EvoTensor

/// The native readers and batching behind `import data`.
enum DataFunctions {
  /// `_data`: the native readers and batching behind the `data` module (stdlib/data.evo).
  static func module() -> Module {
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
