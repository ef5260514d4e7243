import Foundation

/// The compact JSON form of a graph, stable across versions (it is stored in search stores and
/// notebooks): `{"affine":true,"nodes":[["var_bhw",0],["sqrt",4]],"output":5}` — each node is its
/// primitive's name followed by its input indices (0 x, 1 zero, 2 v0, 3 v1, 4+ intermediate nodes).
extension LayerGraph {
  /// The JSON text, keys sorted, no spaces.
  public var json: String {
    let nodeTexts = nodes.map { node in
      "[\"\(node.primitive.name)\"" + node.inputs.map { ",\($0)" }.joined() + "]"
    }
    return "{\"affine\":\(affine),\"nodes\":[\(nodeTexts.joined(separator: ","))],\"output\":\(output)}"
  }

  /// Reads the JSON form; malformed documents throw `GraphError.invalid`.
  public init(json text: String) throws {
    let document: GraphDocument
    do {
      document = try JSONDecoder().decode(GraphDocument.self, from: Data(text.utf8))
    } catch {
      throw GraphError.invalid(
        "malformed graph JSON: expected {\"nodes\": [[name, input, ...], ...], \"output\": index}")
    }
    var nodes: [Node] = []
    for (i, parts) in document.nodes.enumerated() {
      guard case .name(let name) = parts.first else {
        throw GraphError.invalid("node \(i) must start with its primitive's name")
      }
      guard let primitive = Primitive(name: name) else {
        throw GraphError.invalid("node \(i): unknown primitive '\(name)'")
      }
      let inputs = try parts.dropFirst().map { part -> Int in
        guard case .index(let index) = part else { throw GraphError.invalid("node \(i): inputs must be integers") }
        return index
      }
      nodes.append(Node(primitive, inputs))
    }
    guard let output = document.output ?? (nodes.isEmpty ? nil : LayerGraph.leafCount + nodes.count - 1) else {
      throw GraphError.invalid("a graph without nodes needs an \"output\"")
    }
    try self.init(nodes: nodes, output: output, affine: document.affine ?? true)
  }
}

/// The decoded JSON document.
private struct GraphDocument: Decodable {
  /// A node entry's element: the primitive's name or an input index.
  enum Part: Decodable {
    case name(String)
    case index(Int)

    init(from decoder: Decoder) throws {
      let container = try decoder.singleValueContainer()
      if let index = try? container.decode(Int.self) {
        self = .index(index)
      } else {
        self = .name(try container.decode(String.self))
      }
    }
  }

  let affine: Bool?
  let nodes: [[Part]]
  let output: Int?
}
