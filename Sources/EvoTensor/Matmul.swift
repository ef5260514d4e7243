import CBLAS
import EvoLimits

/// C[m×n] = op(A)·op(B) (+ C when `accumulate`), row-major, through `cblas_sgemm`.
@inline(__always)
func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, accumulate: Bool = false
) {
  if m == 0 || n == 0 { return }
  if k == 0 {
    if !accumulate { c.update(repeating: 0, count: m * n) }
    return
  }
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
    accumulate ? 1 : 0, c, Int32(n))
}

/// `sgemm` with A not transposed, split into blocks of rows of about 2^30 multiply-adds each (a few
/// tens of milliseconds) with a cancellation check before each, so an interrupt stops a large product.
func cancellableSgemm(
  transB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, op: String
) throws {
  let rowsPerBlock = Swift.max(1, (1 << 30) / Swift.max(1, n * k))
  for row in stride(from: 0, to: m, by: rowsPerBlock) {
    try Cancellation.check(op)
    let rows = Swift.min(rowsPerBlock, m - row)
    sgemm(transA: false, transB: transB, m: rows, n: n, k: k, a + row * k, b, c + row * n)
  }
}

extension Tensor {
  /// Matrix product with NumPy semantics: (m, k) @ (k, n) → (m, n); leading batch dimensions broadcast;
  /// a rank-1 operand is treated as a row (left) or column (right) vector and its dimension dropped.
  public func matmul(_ other: Tensor) throws -> Tensor {
    guard rank >= 1 && other.rank >= 1 else {
      throw TensorError.shape(
        "matmul", "operands must have at least one dimension, got \(shapeString(shape)) @ \(shapeString(other.shape))")
    }
    if rank == 1 { return try unsqueeze(0).matmul(other).squeeze(-2) }
    if other.rank == 1 { return try matmul(other.unsqueeze(1)).squeeze(-1) }
    let m = shape[rank - 2]
    let k = shape[rank - 1]
    let k2 = other.shape[other.rank - 2]
    let n = other.shape[other.rank - 1]
    guard k == k2 else {
      throw TensorError.shape(
        "matmul", "\(shapeString(shape)) @ \(shapeString(other.shape)): inner dimensions \(k) and \(k2) differ")
    }
    let batchA = Array(shape.dropLast(2))
    let batchB = Array(other.shape.dropLast(2))
    if batchB.isEmpty {
      // Fold the left batch into rows: one large GEMM.
      let flat = try reshape([-1, k])
      return try flat.matmul2D(other).reshape(batchA + [m, n])
    }
    guard let batch = Shape.broadcast(batchA, batchB) else {
      throw TensorError.shape(
        "matmul", "batch dimensions of \(shapeString(shape)) and \(shapeString(other.shape)) cannot be broadcast")
    }
    let a = try broadcast(to: batch + [m, k])
    let b = try other.broadcast(to: batch + [k, n])
    return try a.batchedMatmul(b, batch: batch)
  }

  /// (m, k) @ (k, n) with both gradients as GEMMs on transposed operands.
  private func matmul2D(_ other: Tensor) throws -> Tensor {
    let m = shape[0]
    let k = shape[1]
    let n = other.shape[1]
    let out = TensorStorage(uninitializedCount: try Shape.validate([m, n], op: "matmul"))
    try cancellableSgemm(
      transB: false, m: m, n: n, k: k, storage.pointer, other.storage.pointer, out.pointer, op: "matmul")
    let a = detached()
    let b = other.detached()
    return Tensor.record(shape: [m, n], storage: out, inputs: [self, other]) { g in
      let ga = TensorStorage(uninitializedCount: m * k)
      let gb = TensorStorage(uninitializedCount: k * n)
      try cancellableSgemm(
        transB: true, m: m, n: k, k: n, g.storage.pointer, b.storage.pointer, ga.pointer, op: "matmul")
      sgemm(transA: true, transB: false, m: k, n: n, k: m, a.storage.pointer, g.storage.pointer, gb.pointer)
      return [Tensor(shape: [m, k], storage: ga), Tensor(shape: [k, n], storage: gb)]
    }
  }

  /// Same-batch (…, m, k) @ (…, k, n).
  private func batchedMatmul(_ other: Tensor, batch: [Int]) throws -> Tensor {
    let m = shape[rank - 2]
    let k = shape[rank - 1]
    let n = other.shape[other.rank - 1]
    let count = Shape.count(batch)
    let out = TensorStorage(uninitializedCount: try Shape.validate(batch + [m, n], op: "matmul"))
    for i in 0..<count {
      try cancellableSgemm(
        transB: false, m: m, n: n, k: k, storage.pointer + i * m * k, other.storage.pointer + i * k * n,
        out.pointer + i * m * n, op: "matmul")
    }
    let a = detached()
    let b = other.detached()
    let shapeA = shape
    let shapeB = other.shape
    return Tensor.record(shape: batch + [m, n], storage: out, inputs: [self, other]) { g in
      let ga = TensorStorage(uninitializedCount: count * m * k)
      let gb = TensorStorage(uninitializedCount: count * k * n)
      for i in 0..<count {
        sgemm(
          transA: false, transB: true, m: m, n: k, k: n,
          g.storage.pointer + i * m * n, b.storage.pointer + i * k * n, ga.pointer + i * m * k)
        sgemm(
          transA: true, transB: false, m: k, n: n, k: m,
          a.storage.pointer + i * m * k, g.storage.pointer + i * m * n, gb.pointer + i * k * n)
      }
      return [Tensor(shape: shapeA, storage: ga), Tensor(shape: shapeB, storage: gb)]
    }
  }
}
