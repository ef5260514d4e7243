import EvoTensor

/// Node-major (N, C) rows — one row of N·C floats per graph node — in tensor storage, which the tensor
/// pool recycles: a training step gets the previous step's rows back instead of freshly mapped pages
/// (fresh mappings made EvoNorm-B0 at (128, 64, 7, 7) twice as slow for its first hundred steps).
struct TableRows: @unchecked Sendable {
  /// Keeps the storage alive.
  private let storage: Tensor
  let base: UnsafeMutablePointer<Float>
  let entries: Int

  /// `rows` rows of `entries` floats, zeroed or left for the caller to write before reading.
  init(rows: Int, entries: Int, zeroed: Bool) throws {
    let shape = [Swift.max(1, rows * entries)]
    storage = zeroed ? try Tensor.zeros(shape) : try Tensor.uninitialized(shape)
    guard let pointer = storage.mutableBase?.pointer else {
      throw TensorError(.argument, op: "layer", "cannot allocate \(rows) rows of \(entries) values")
    }
    base = pointer
    self.entries = entries
  }

  /// The start of node k's row.
  subscript(_ k: Int) -> UnsafeMutablePointer<Float> { base + k * entries }
}
