import CBLAS
import EvoLimits

/// C[m×n] = op(A)·op(B) (+ C when `accumulate`), row-major, through `cblas_sgemm`. The leading dimensions
/// default to those of whole matrices; `blockedSgemm` passes wider ones for blocks of rows or columns.
@inline(__always)
func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, accumulate: Bool = false,
  lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
) {
  if m == 0 || n == 0 { return }
  let ldc = ldc ?? n
  if k == 0 {
    if !accumulate { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) } }
    return
  }
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda ?? (transA ? m : k)), b, Int32(ldb ?? (transB ? k : n)),
    accumulate ? 1 : 0, c, Int32(ldc))
}

/// `sgemm` split along its largest dimension into blocks of about 2^30 multiply-adds each (a few tens of
/// milliseconds), stopping before the next block once `token` is requested. Returns whether it finished.
/// Blocks of rows or columns of C are independent; blocks of the inner dimension accumulate into C.
@discardableResult
func blockedSgemm(
  transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, accumulate: Bool = false,
  token: CancellationToken
) -> Bool {
  let lda = transA ? m : k
  let ldb = transB ? k : n
  let block = 1 << 30
  if k > m && k > n {
    let depth = Swift.max(1, block / Swift.max(1, m * n))
    for start in stride(from: 0, to: k, by: depth) {
      if token.isRequested { return false }
      sgemm(
        transA: transA, transB: transB, m: m, n: n, k: Swift.min(depth, k - start),
        transA ? a + start * lda : a + start, transB ? b + start : b + start * ldb, c,
        accumulate: accumulate || start > 0, lda: lda, ldb: ldb, ldc: n)
    }
  } else if m >= n {
    let rows = Swift.max(1, block / Swift.max(1, n * k))
    for row in stride(from: 0, to: m, by: rows) {
      if token.isRequested { return false }
      sgemm(
        transA: transA, transB: transB, m: Swift.min(rows, m - row), n: n, k: k,
        transA ? a + row : a + row * lda, b, c + row * n, accumulate: accumulate, lda: lda, ldb: ldb, ldc: n)
    }
  } else {
    let columns = Swift.max(1, block / Swift.max(1, m * k))
    for column in stride(from: 0, to: n, by: columns) {
      if token.isRequested { return false }
      sgemm(
        transA: transA, transB: transB, m: m, n: Swift.min(columns, n - column), k: k,
        a, transB ? b + column * ldb : b + column, c + column, accumulate: accumulate, lda: lda, ldb: ldb, ldc: n)
    }
  }
  return true
}

/// `blockedSgemm` with the current token, throwing a `.cancelled` error naming `op` when it stops early.
func cancellableSgemm(
  transA: Bool = false, transB: Bool, m: Int, n: Int, k: Int,
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, accumulate: Bool = false,
  op: String
) throws {
  try Cancellation.check(op)
  let finished = blockedSgemm(
    transA: transA, transB: transB, m: m, n: n, k: k, a, b, c, accumulate: accumulate, token: Cancellation.current)
  if !finished { throw TensorError(.cancelled, op: op, "interrupted") }
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
        transB: true, m: m, n: k, k: n, g.storage.pointer, b.storage.pointer, ga.pointer, op: "matmul backward")
      try cancellableSgemm(
        transA: true, transB: false, m: k, n: n, k: m, a.storage.pointer, g.storage.pointer, gb.pointer,
        op: "matmul backward")
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
        try cancellableSgemm(
          transB: true, m: m, n: k, k: n,
          g.storage.pointer + i * m * n, b.storage.pointer + i * k * n, ga.pointer + i * m * k, op: "matmul backward")
        try cancellableSgemm(
          transA: true, transB: false, m: k, n: n, k: m,
          a.storage.pointer + i * m * k, g.storage.pointer + i * m * n, gb.pointer + i * k * n, op: "matmul backward")
      }
      return [Tensor(shape: shapeA, storage: ga), Tensor(shape: shapeB, storage: gb)]
    }
  }
}
