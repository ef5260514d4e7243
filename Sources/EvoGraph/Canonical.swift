/// Canonical form and stable structural hashing of layer graphs.
extension LayerGraph {
  /// A structural hash of every node, independent of node order and of the order of commutative
  /// inputs: equal subexpressions hash equal.
  func structuralHashes() -> [UInt64] {
    var hashes: [UInt64] = (0..<LayerGraph.leafCount).map { StableHash.combine(0x1EAF, UInt64($0)) }
    for node in nodes {
      var inputHashes = node.inputs.map { hashes[$0] }
      if node.primitive.isCommutative { inputHashes.sort() }
      var h = StableHash.string(node.primitive.name)
      for input in inputHashes { h = StableHash.combine(h, input) }
      hashes.append(h)
    }
    return hashes
  }

  /// The canonical graph: nodes that do not reach the output pruned, equal subexpressions merged,
  /// commutative inputs ordered by their structural hash, nodes numbered in depth-first post-order
  /// from the output. Structurally equal graphs have equal canonical forms.
  public func canonical() -> LayerGraph {
    let hashes = structuralHashes()
    var newIndexByHash: [UInt64: Int] = [:]
    for leaf in 0..<LayerGraph.leafCount { newIndexByHash[hashes[leaf]] = leaf }
    var result: [Node] = []
    func visit(_ index: Int) -> Int {
      if let done = newIndexByHash[hashes[index]] { return done }
      var node = nodes[index - LayerGraph.leafCount]
      var order = node.inputs
      if node.primitive.isCommutative { order.sort { hashes[$0] < hashes[$1] } }
      node.inputs = order.map { visit($0) }
      result.append(node)
      let assigned = LayerGraph.leafCount + result.count - 1
      newIndexByHash[hashes[index]] = assigned
      return assigned
    }
    let out = visit(output)
    var graph = self
    graph.nodes = result
    graph.output = out
    return graph
  }

  /// A stable 64-bit hash of the canonical form, as 16 hex digits; the same on every run and machine.
  public var canonicalHash: String {
    var h = structuralHashes()[output]
    h = StableHash.combine(h, affine ? 1 : 0)
    return StableHash.hex(h)
  }

  /// Whether the two graphs are the same after canonicalisation.
  public func isStructurallyEqual(to other: LayerGraph) -> Bool { canonical() == other.canonical() }
}

/// A seed-free 64-bit hash (FNV-1a for bytes, a SplitMix finaliser for combining), stable across runs,
/// unlike Swift's `Hasher`.
public enum StableHash {
  /// FNV-1a of the text's UTF-8 bytes.
  public static func string(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return h
  }

  /// Mixes `b` into `a`.
  public static func combine(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var z = a &+ 0x9E37_79B9_7F4A_7C15 &+ (b &* 0xBF58_476D_1CE4_E5B9)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// 16 hex digits.
  public static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
