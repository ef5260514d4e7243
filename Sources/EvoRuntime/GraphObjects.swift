import EvoGraph
import EvoLang
import EvoPlot
import EvoTensor
import Foundation

/// A layer graph as an Evo value: `g.formula`, `g.mutate(seed: 1)`, `g.layer(channels: 16)`; shown as
/// a picture of its DAG in notebooks.
final class GraphObject: PNGDisplayable {
  let graph: LayerGraph
  /// The session's generator, for mutations without an explicit seed.
  let random: RandomState
  init(_ graph: LayerGraph, random: RandomState) {
    self.graph = graph
    self.random = random
  }
  var nativeType: NativeType { Self.type }

  func pngData() throws -> [UInt8] { try GraphvizRenderer.png(dot: graph.dot()) }

  static func value(_ graph: LayerGraph, _ random: RandomState) -> Value {
    .native(GraphObject(graph, random: random))
  }

  static func graph(_ value: Value, _ function: String) throws -> LayerGraph {
    switch value {
    case .native(let n as GraphObject): return n.graph
    case .string(let formula): return try LayerGraph(formula: formula)
    default: throw EvoError(.type, "\(function) needs a layer graph or a formula string, not \(value.typeName)")
    }
  }

  static func space(_ value: Value) throws -> SearchSpace {
    switch value {
    case .string("B"), .string("b"): return .batchDependent
    case .string("S"), .string("s"): return .batchIndependent
    default: throw EvoError(.value, "space must be \"B\" (all primitives) or \"S\" (no batch statistics)")
    }
  }

  static let type: NativeType = {
    let t = NativeType(name: "LayerGraph", doc: "A normalization-activation layer as a DAG of primitives.") { obj in
      guard let g = (obj as? GraphObject)?.graph else { return "<layer graph>" }
      return "<layer \(g.formula)\(g.affine ? " * gamma + beta" : "")>"
    }
    func graph(_ obj: any NativeObject) -> LayerGraph? { (obj as? GraphObject)?.graph }
    func property(_ name: String, _ get: @escaping (LayerGraph) -> Value) {
      t.properties[name] = (get: { obj in graph(obj).map(get) ?? .null }, set: nil)
    }
    property("formula") { .string($0.formula) }
    property("json") { .string($0.json) }
    property("dot") { .string($0.dot()) }
    property("hash") { .string($0.canonicalHash) }
    property("fingerprint") { g in g.fingerprint.map(Value.string) ?? .null }
    t.propertyDocs = [
      "formula": "the layer as a formula (graph.parse reads it back)",
      "json": "the graph as JSON (graph.from_json reads it back)",
      "dot": "the graph in Graphviz DOT",
      "hash": "16 hex digits naming the structure: equal for graphs that are the same after dead nodes are"
        + " pruned and the inputs of commutative primitives sorted; the same on every run and machine",
      "fingerprint": "16 hex digits naming the function: the layer's outputs on a fixed random probe input,"
        + " rounded to 4 digits and hashed, so graphs that compute the same values share it even when built"
        + " differently; nil when the outputs are not finite",
      "nodes": "how many nodes the DAG has",
      "affine": "whether the output is followed by * gamma + beta",
      "uses_batch": "whether a primitive reads batch statistics (the layer then behaves differently in training"
        + " and inference)",
      "leaves": "the inputs the graph reads: x, the constants 0 and 1, the vectors v0 and v1",
    ]
    property("nodes") { .number(Double($0.nodes.count)) }
    property("affine") { .bool($0.affine) }
    property("uses_batch") { .bool($0.usesBatchStatistics) }
    property("leaves") { g in .list(ListObject(LayerGraph.Leaf.allCases.filter { g.uses($0) }.map { .string($0.name) }))
    }
    t.method(
      "mutate", [p("seed", .null), p("space", .string("B"))],
      doc: "A mutant: one node gets a new primitive and new inputs; never equal to this graph."
    ) { a in
      let g = try a.native(0, as: GraphObject.self, expected: "a layer graph")
      var rng = try GraphFunctions.generator(a[1], g.random)
      return value(try g.graph.mutated(space: space(a[2]), rng: &rng), g.random)
    }
    t.method(
      "layer", [p("channels"), p("groups", .number(32)), p("eps", .number(1e-5)), p("gamma_init", .number(1))],
      doc: "A layer instance with its own v0, v1, gamma, beta and moving averages, for inputs (N, channels, H, W)."
    ) { a in
      let g = try a.native(0, as: GraphObject.self, expected: "a layer graph").graph
      let channels = try a.int(1)
      let groups = try a.int(2)
      guard groups > 0 else { throw EvoError(.value, "groups must be positive, got \(groups)") }
      let options = LayerOptions(groups: groups, eps: Float(try a.number(3)), gammaInit: Float(try a.number(4)))
      let owner = try a.native(0, as: GraphObject.self, expected: "a layer graph")
      return .native(LayerObject(try GraphLayer(graph: g, channels: channels, options: options), random: owner.random))
    }
    t.method("canonical", doc: "The canonical form: dead nodes pruned, commutative inputs ordered.") { a in
      let g = try a.native(0, as: GraphObject.self, expected: "a layer graph")
      return value(g.graph.canonical(), g.random)
    }
    let saveDoc =
      "Writes the graph in the format its extension names: .png or .svg (a picture, drawn by Graphviz),"
      + " .json (graph.from_json reads it back) or .dot (Graphviz source)."
    t.method("save", [p("path")], doc: saveDoc) { a in
      let g = try a.native(0, as: GraphObject.self, expected: "a layer graph")
      let path = try a.string(1)
      let bytes: [UInt8]
      switch (path as NSString).pathExtension.lowercased() {
      case "png": bytes = try g.pngData()
      case "svg": bytes = try GraphvizRenderer.render(dot: g.graph.dot(), format: "svg")
      case "json": bytes = Array(g.graph.json.utf8)
      case "dot", "gv": bytes = Array(g.graph.dot().utf8)
      default:
        throw EvoError(
          .value, "save(): cannot tell the format of '\(path)': end the name with .png, .svg, .json or .dot")
      }
      try PictureFile.write(bytes, to: path)
      return .null
    }
    t.binaryOperator = { op, lhs, rhs in
      guard op == "==" || op == "!=" else { return nil }
      guard case .native(let l as GraphObject) = lhs, case .native(let r as GraphObject) = rhs else {
        return .bool(op == "!=")
      }
      return .bool(l.graph.isStructurallyEqual(to: r.graph) == (op == "=="))
    }
    for name in ["mutate", "canonical"] { t.methods[name]?.returns = "LayerGraph" }
    t.methods["layer"]?.returns = "Layer"
    return t
  }()
}

/// A layer instance: `layer(x)` evaluates it; `layer.parameters` are its trainable tensors.
final class LayerObject: NativeObject {
  let layer: GraphLayer
  let random: RandomState
  init(_ layer: GraphLayer, random: RandomState) {
    self.layer = layer
    self.random = random
  }
  var nativeType: NativeType { Self.type }

  static let type: NativeType = {
    let t = NativeType(name: "Layer", doc: "An instance of a layer graph with its own parameters.") { obj in
      guard let l = (obj as? LayerObject)?.layer else { return "<layer>" }
      return "<layer \(l.graph.formula), \(l.channels) channels\(l.training ? "" : ", inference")>"
    }
    func layer(_ obj: any NativeObject) -> GraphLayer? { (obj as? LayerObject)?.layer }
    t.call = NativeFunction(
      "layer", [NativeParameter("self"), NativeParameter("x")], doc: "Evaluates the layer on x (N, C, H, W)."
    ) { a in
      let l = try a.native(0, as: LayerObject.self, expected: "a layer").layer
      return .tensor(try l(Convert.tensor(a[1], "layer")))
    }
    t.call?.returns = "Tensor"
    t.properties["graph"] = (
      get: { obj in
        guard let l = obj as? LayerObject else { return .null }
        return GraphObject.value(l.layer.graph, l.random)
      }, set: nil
    )
    t.properties["channels"] = (get: { obj in .number(Double(layer(obj)?.channels ?? 0)) }, set: nil)
    t.properties["groups"] = (get: { obj in .number(Double(layer(obj)?.groups ?? 0)) }, set: nil)
    t.properties["parameters"] = (
      get: { obj in
        .list(ListObject((layer(obj)?.parameters ?? []).map(Value.tensor)))
      }, set: nil
    )
    for (name, path) in [
      ("v0", \GraphLayer.v0), ("v1", \GraphLayer.v1), ("gamma", \GraphLayer.gamma), ("beta", \GraphLayer.beta),
    ] {
      t.properties[name] = (get: { obj in layer(obj).map { .tensor($0[keyPath: path]) } ?? .null }, set: nil)
    }
    t.properties["moving"] = (
      get: { obj in
        let result = DictObject()
        guard let l = layer(obj) else { return .dict(result) }
        for (index, tensor) in l.movingAverages.sorted(by: { $0.key < $1.key }) {
          result[.string(l.graph.primitive(at: index)?.name ?? "\(index)")] = .tensor(tensor)
        }
        return .dict(result)
      }, set: nil
    )
    t.properties["training"] = (
      get: { obj in .bool(layer(obj)?.training ?? false) },
      set: { obj, value in
        guard case .bool(let flag) = value else { throw EvoError(.type, "training must be true or false") }
        layer(obj)?.training = flag
      }
    )
    return t
  }()
}
