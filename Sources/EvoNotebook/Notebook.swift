/// A notebook: cells with their sources, metadata and (after a run) outputs.
public struct Notebook: Equatable, Sendable {
  public enum CellKind: String, Sendable {
    case code, markdown, raw
  }

  /// One cell. `metadata` keeps everything a source format carries (tags, title, ...).
  public struct Cell: Equatable, Sendable {
    public var kind: CellKind
    public var source: String
    public var metadata: [String: JSONValue]
    /// The nbformat cell id (made from the source when the format has none).
    public var id: String?
    public var outputs: [JSONValue] = []
    public var executionCount: Int?

    public init(_ kind: CellKind, _ source: String, metadata: [String: JSONValue] = [:], id: String? = nil) {
      self.kind = kind
      self.source = source
      self.metadata = metadata
      self.id = id
    }

    /// The cell's tags (metadata `tags`).
    public var tags: [String] { metadata["tags"]?.array?.compactMap(\.string) ?? [] }

    /// The line in the source file where the cell's text starts (percent format), for error locations.
    public var firstLine = 1
  }

  public var cells: [Cell]
  /// Notebook-level metadata (kernelspec, language_info, jupytext, ...).
  public var metadata: [String: JSONValue]

  public init(cells: [Cell], metadata: [String: JSONValue] = [:]) {
    self.cells = cells
    self.metadata = metadata
  }

  /// Gives every cell a unique id: kept when present, else made from a hash of its source.
  public mutating func assignIds() {
    var used = Set(cells.compactMap(\.id))
    for i in cells.indices where cells[i].id == nil {
      var hash: UInt64 = 0xcbf2_9ce4_8422_2325
      for byte in (cells[i].kind.rawValue + cells[i].source).utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
      }
      let base = String(String(hash, radix: 16).suffix(8))
      var id = base
      var k = 2
      while used.contains(id) {
        id = "\(base)-\(k)"
        k += 1
      }
      used.insert(id)
      cells[i].id = id
    }
  }
}
