import Foundation

/// Graphviz DOT export: leaves as ellipses, primitives as boxes labelled by name, the output through
/// the affine node.
extension LayerGraph {
  /// The DAG in Graphviz DOT, nodes that reach the output only, top to bottom from `x`.
  public func dot(title: String? = nil) -> String {
    let live = reachesOutput()
    var lines = ["digraph layer {", "  rankdir=TB;", "  node [fontname=\"DejaVu Sans\", fontsize=12];"]
    if let title { lines.append("  label=\"\(escape(title))\"; labelloc=t;") }
    for leaf in LayerGraph.Leaf.allCases where live[leaf.rawValue] {
      lines.append("  n\(leaf.rawValue) [label=\"\(leaf.name)\", shape=ellipse, style=filled, fillcolor=\"#e8f1fa\"];")
    }
    for (i, node) in nodes.enumerated() where live[LayerGraph.leafCount + i] {
      let colour = node.primitive.isAggregation ? "#fdebd3" : "#ffffff"
      lines.append(
        "  n\(LayerGraph.leafCount + i) [label=\"\(escape(node.primitive.name))\", shape=box, style=\"rounded,filled\", fillcolor=\"\(colour)\"];"
      )
    }
    for (i, node) in nodes.enumerated() where live[LayerGraph.leafCount + i] {
      for (k, input) in node.inputs.enumerated() {
        let port =
          node.primitive.arity == 2 && !node.primitive.isCommutative
          ? " [label=\"\(k == 0 ? "a" : "b")\", fontsize=9]" : ""
        lines.append("  n\(input) -> n\(LayerGraph.leafCount + i)\(port);")
      }
    }
    let outputLabel = affine ? "· γ + β" : "output"
    lines.append("  out [label=\"\(outputLabel)\", shape=doubleoctagon, style=filled, fillcolor=\"#e3f4e1\"];")
    lines.append("  n\(output) -> out;")
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
  }
}
