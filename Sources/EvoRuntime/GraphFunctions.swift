import EvoGraph
import EvoLang
import EvoTensor

/// The `graph` and `layers` builtins: parsing, random graphs, JSON, and the named layers.
enum GraphFunctions {
  /// A generator from an explicit seed, or drawn from the session's generator (see `seed()`).
  static func generator(_ seed: Value, _ random: RandomState) throws -> RandomGenerator {
    switch seed {
    case .null: return RandomGenerator(seed: random.generator.next())
    case .number(let n) where n == n.rounded() && abs(n) < 1e18:
      return RandomGenerator(seed: UInt64(bitPattern: Int64(n)))
    default: throw EvoError(.type, "seed must be an integer or nil")
    }
  }

  /// The `graph` module.
  static func module(random: RandomState) -> Module {
    let m = Module(name: "graph", path: nil)
    let functions = [
      NativeFunction(
        "parse", [p("formula"), p("affine", .bool(true))],
        doc: "A layer graph from a formula, e.g. graph.parse(\"x * sigmoid(v1 * x) / sqrt(var_hwc/g(x))\")."
      ) { a in
        GraphObject.value(try LayerGraph(formula: a.string(0), affine: a.bool(1)), random)
      },
      NativeFunction(
        "random", [p("nodes", .number(8)), p("seed", .null), p("space", .string("B"))],
        doc:
          "A random graph of up to `nodes` nodes, primitives and inputs drawn uniformly; space \"S\" leaves out batch statistics."
      ) { a in
        var rng = try generator(a[1], random)
        return GraphObject.value(
          try LayerGraph.random(nodes: a.int(0), space: GraphObject.space(a[2]), rng: &rng), random)
      },
      NativeFunction("from_json", [p("text")], doc: "A layer graph from its JSON form (g.json).") { a in
        GraphObject.value(try LayerGraph(json: a.string(0)), random)
      },
      NativeFunction("primitives", [p("space", .string("B"))], doc: "The names of the primitives of a search space.") {
        a in
        .list(ListObject(try GraphObject.space(a[0]).primitives.map { .string($0.name) }))
      },
    ]
    for f in functions where f.name != "primitives" { f.returns = "LayerGraph" }
    for f in functions { m.set(f.name, .builtin(f)) }
    return m
  }

  /// The `layers` catalog: `layers.evonorm_b0`, `layers["bn_relu"]`, `for name in layers`.
  final class Catalog: NativeObject {
    let random: RandomState
    init(random: RandomState) { self.random = random }
    var nativeType: NativeType { Self.type }

    static func named(_ name: String, _ catalog: any NativeObject) throws -> Value {
      guard let random = (catalog as? Catalog)?.random else { return .null }
      guard let g = NamedLayers.graph(name) else {
        throw EvoError(
          .key, "no layer named '\(name)'; the named layers are \(NamedLayers.names.joined(separator: ", "))")
      }
      return GraphObject.value(g, random)
    }

    static let type: NativeType = {
      let t = NativeType(name: "Layers", doc: "The named layers of the search space.") { _ in
        "<layers: \(NamedLayers.names.joined(separator: ", "))>"
      }
      for name in NamedLayers.names { t.properties[name] = (get: { catalog in try named(name, catalog) }, set: nil) }
      t.getIndex = { catalog, items in
        guard items.count == 1, case .value(.string(let name)) = items[0] else {
          throw EvoError(.type, "layers[...] takes a layer name")
        }
        return try named(name, catalog)
      }
      t.iterate = { _ in NamedLayers.names.map(Value.string) }
      t.length = { _ in NamedLayers.names.count }
      return t
    }()
  }
}
