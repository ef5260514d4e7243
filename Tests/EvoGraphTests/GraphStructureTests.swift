import EvoTensor
import Testing

@testable import EvoGraph

/// Formulas, JSON, canonical hashes, fingerprints, DOT.
@Suite struct GraphStructureTests {
  @Test func evonormB0PrintsInThePapersNotation() throws {
    let graph = try #require(NamedLayers.graph("evonorm_b0"))
    #expect(graph.formula == "x / max(sqrt(var_bhw(x)), v1*x + sqrt(var_hw(x)))")
    #expect(graph.nodes.count == 8)
  }

  @Test(arguments: NamedLayers.definitions.map(\.formula))
  func namedFormulasRoundTripExactly(_ formula: String) throws {
    let graph = try LayerGraph(formula: formula)
    #expect(graph.formula == formula)
    #expect(try LayerGraph(formula: graph.formula) == graph)
  }

  @Test func printingParenthesisesWhereParsingNeedsIt() throws {
    let cases = [
      "x - (v1 - x)", "x / (v1*x)", "(x + v1)*v0", "-(x*v1)", "-x*v1", "x - -x", "x / (x / v1)", "x*(v1 / x)",
      "(x / v1)*x", "max(x, 0) + exp(-x)", "mu2_hwc/g(x) / mean_hwc(x)", "--x",
    ]
    for formula in cases {
      let graph = try LayerGraph(formula: formula)
      #expect(graph.formula == formula, "\(formula) printed as \(graph.formula)")
    }
    // Spacing and redundant parentheses are normalised.
    #expect(try LayerGraph(formula: " ( x*v1 ) +  sqrt( var_hwc/g (x))").formula == "x*v1 + sqrt(var_hwc/g(x))")
    // Functional names are accepted too.
    #expect(try LayerGraph(formula: "add(x, mul(v1, x))").formula == "x + v1*x")
  }

  @Test func parseErrorsSayWhatAndWhere() {
    let cases: [(String, String)] = [
      ("x +", "formula ends early"), ("foo(x)", "unknown name 'foo'"), ("sqrt(x", "expected ')'"),
      ("max(x)", "max takes 2 inputs"), ("x y", "unexpected 'y'"), ("", "formula ends early"),
    ]
    for (formula, fragment) in cases {
      do {
        _ = try LayerGraph(formula: formula)
        Issue.record("\(formula) parsed")
      } catch {
        #expect("\(error)".contains(fragment), "\(formula): \(error)")
      }
    }
    let deep = String(repeating: "(", count: 500) + "x" + String(repeating: ")", count: 500)
    #expect(throws: GraphError.self) { try LayerGraph(formula: deep) }
  }

  @Test func randomGraphsRoundTripThroughFormulaAndJSON() throws {
    var rng = RandomGenerator(seed: 5)
    for _ in 0..<2000 {
      let graph = try LayerGraph.random(nodes: 1 + rng.int(below: 14), rng: &rng)
      let reparsed = try LayerGraph(formula: graph.formula)
      #expect(reparsed.formula == graph.formula)
      #expect(reparsed.canonical() == graph.canonical())
      #expect(try LayerGraph(json: graph.json) == graph)
      #expect(try LayerGraph(json: graph.json).json == graph.json)
    }
  }

  @Test func jsonFormIsCompactAndStable() throws {
    let graph = try LayerGraph(formula: "x / sqrt(var_hwc/g(x))")
    #expect(graph.json == #"{"affine":true,"nodes":[["var_hwc/g",0],["sqrt",4],["div",0,5]],"output":6}"#)
    let identity = try #require(NamedLayers.graph("identity"))
    #expect(identity.json == #"{"affine":false,"nodes":[],"output":0}"#)
    #expect(try LayerGraph(json: identity.json) == identity)
  }

  @Test func malformedJSONIsAnError() {
    let bad = [
      "", "[]", "{}", #"{"nodes":[["nope",0]]}"#, #"{"nodes":[["neg",4]]}"#, #"{"nodes":[["add",0]]}"#,
      #"{"nodes":[["neg",0.5]]}"#, #"{"nodes":[["neg",0]],"output":9}"#, #"{"nodes":[[1,0]]}"#,
      #"{"nodes":[["neg",true]]}"#,
    ]
    for text in bad { #expect(throws: GraphError.self, "\(text)") { try LayerGraph(json: text) } }
  }

  @Test func structurallyEqualGraphsHashEqual() throws {
    let a = try LayerGraph(formula: "x*v1 + sqrt(var_hw(x))")
    let b = try LayerGraph(formula: "sqrt(var_hw(x)) + v1*x")
    #expect(a.canonicalHash == b.canonicalHash)
    #expect(a.canonical() == b.canonical())
    // A dead node does not change the hash.
    var withDead = a
    withDead.nodes.insert(LayerGraph.Node(.exp, [0]), at: 0)
    withDead = try LayerGraph(
      nodes: withDead.nodes.enumerated().map { i, node in
        i == 0 ? node : LayerGraph.Node(node.primitive, node.inputs.map { $0 >= 4 ? $0 + 1 : $0 })
      },
      output: a.output + 1)
    #expect(withDead.canonicalHash == a.canonicalHash)
    #expect(withDead.pruned() == a)
    // Different functions, different hashes; non-commutative order matters.
    #expect(try LayerGraph(formula: "x / v1").canonicalHash != LayerGraph(formula: "v1 / x").canonicalHash)
    #expect(try LayerGraph(formula: "x").canonicalHash != LayerGraph(formula: "x", affine: false).canonicalHash)
    let names = NamedLayers.definitions.filter { $0.name != "identity" }.compactMap { NamedLayers.graph($0.name) }
    #expect(Set(names.map(\.canonicalHash)).count == names.count)
  }

  @Test func fingerprintsIdentifyFunctionallyEqualGraphs() throws {
    func fingerprint(_ formula: String) throws -> String? { try LayerGraph(formula: formula).fingerprint }
    #expect(try fingerprint("neg(neg(x))") == fingerprint("x"))
    #expect(try fingerprint("max(x, x)") == fingerprint("x"))
    #expect(try fingerprint("x + 0") == fingerprint("x"))
    #expect(try fingerprint("x*v1") != fingerprint("x"))
    #expect(try fingerprint("x + v0") != fingerprint("x"))
    #expect(try fingerprint("var_hwc/g(x)") != fingerprint("var_hw(x)"))
    #expect(try fingerprint("var_hwc/g(x)") != fingerprint("var_hwc(x)"))
    #expect(try fingerprint("var_bhw(x)") != fingerprint("var_hw(x)"))
    #expect(try fingerprint("log(0)") == nil)
    #expect(try fingerprint("x") != nil)
  }

  @Test func dotNamesEveryLivePrimitive() throws {
    let graph = try #require(NamedLayers.graph("evonorm_s0"))
    let dot = graph.dot(title: "EvoNorm-S0")
    #expect(dot.hasPrefix("digraph layer {"))
    for label in ["\"x\"", "\"v1\"", "\"sigmoid\"", "\"var_hwc/g\"", "\"sqrt\"", "\"div\"", "\"mul\""] {
      #expect(dot.contains(label))
    }
    #expect(!dot.contains("\"v0\""))
    #expect(dot.contains("EvoNorm-S0"))
  }
}

/// Random text never crashes the formula and JSON readers.
@Suite struct GraphFuzzTests {
  @Test func formulasParseOrFailCleanly() {
    var rng = RandomGenerator(seed: 77)
    let pieces = [
      "x", "0", "v0", "v1", "+", "-", "*", "/", "(", ")", ",", "max(", "sqrt(", "var_hwc/g(", "mean_bhw(", " ", "neg(",
      "foo", "1", "/g",
    ]
    var parsed = 0
    for _ in 0..<5000 {
      var text = ""
      for _ in 0..<rng.int(below: 14) { text += pieces[rng.int(below: pieces.count)] }
      do {
        let graph = try LayerGraph(formula: text)
        parsed += 1
        #expect(try LayerGraph(formula: graph.formula).formula == graph.formula, "\(text)")
      } catch is GraphError {
      } catch {
        Issue.record("unexpected error \(error) for \(text)")
      }
    }
    // Random token soup is mostly ill-formed; enough of it parses to exercise the round trip.
    #expect(parsed > 50)
  }
}
