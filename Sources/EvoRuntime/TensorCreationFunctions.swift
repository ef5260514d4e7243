import EvoLang
import EvoTensor

/// Builtins that make tensors from data, shapes and ranges, or join and select them.
enum TensorCreationFunctions {
  static var all: [NativeFunction] {
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
    ]
  }
}
