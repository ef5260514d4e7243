import Foundation

/// nbformat 4.5 `.ipynb` files: read (cells whose code is Evo) and written deterministically, with keys
/// sorted and one-space indentation as the reference writer does.
public enum IPYNBFormat {
  /// The notebook-level metadata of every notebook Evo writes.
  public static let evoMetadata: [String: JSONValue] = [
    "kernelspec": .object(["display_name": .string("Evo"), "language": .string("evo"), "name": .string("evo")]),
    "language_info": .object([
      "file_extension": .string(".evo"), "mimetype": .string("text/x-evo"), "name": .string("evo"),
    ]),
  ]

  public static func parse(_ text: String) throws -> Notebook {
    let document = try JSONValue.parse(text)
    guard case .object(let root) = document else { throw NotebookError("a notebook must be a JSON object") }
    guard case .int(let major)? = root["nbformat"], major == 4 else {
      throw NotebookError("only nbformat 4 notebooks can be read")
    }
    guard let cellList = root["cells"]?.array else { throw NotebookError("the notebook has no \"cells\" list") }
    var cells: [Notebook.Cell] = []
    for (i, entry) in cellList.enumerated() {
      guard case .object(let c) = entry, let typeName = c["cell_type"]?.string,
        let kind = Notebook.CellKind(rawValue: typeName)
      else {
        throw NotebookError("cell \(i) has no valid cell_type")
      }
      let source: String
      switch c["source"] {
      case .string(let s)?: source = s
      case .array(let parts)?: source = parts.compactMap(\.string).joined()
      default: throw NotebookError("cell \(i) has no source")
      }
      var cell = Notebook.Cell(kind, source, metadata: c["metadata"]?.object ?? [:], id: c["id"]?.string)
      cell.outputs = c["outputs"]?.array ?? []
      if case .int(let n)? = c["execution_count"] { cell.executionCount = n }
      cells.append(cell)
    }
    return Notebook(cells: cells, metadata: root["metadata"]?.object ?? [:])
  }

  /// The notebook as nbformat 4.5 JSON text (with a final newline).
  public static func write(_ notebook: Notebook) -> String {
    var nb = notebook
    nb.assignIds()
    let cells: [JSONValue] = nb.cells.map { cell in
      var object: [String: JSONValue] = [
        "cell_type": .string(cell.kind.rawValue),
        "id": .string(cell.id ?? "cell"),
        "metadata": .object(cell.metadata),
        "source": .array(sourceLines(cell.source).map(JSONValue.string)),
      ]
      if cell.kind == .code {
        object["outputs"] = .array(cell.outputs)
        object["execution_count"] = cell.executionCount.map(JSONValue.int) ?? .null
      }
      return .object(object)
    }
    var metadata = nb.metadata
    for (key, value) in evoMetadata { metadata[key] = value }
    let root: JSONValue = .object([
      "cells": .array(cells), "metadata": .object(metadata), "nbformat": .int(4), "nbformat_minor": .int(5),
    ])
    return root.serialized(indent: 1) + "\n"
  }

  /// Splits text into lines that keep their newline, as nbformat stores multi-line strings.
  public static func sourceLines(_ text: String) -> [String] {
    guard !text.isEmpty else { return [] }
    var lines: [String] = []
    var current = ""
    for ch in text {
      current.append(ch)
      if ch == "\n" {
        lines.append(current)
        current = ""
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }
}
