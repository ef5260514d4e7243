import Foundation

/// Reusable float buffers for kernels' temporary matrices (im2col columns, GEMM products): a buffer
/// freed by one call is handed to the next that asks for the same size, so large temporaries are not
/// mapped and page-faulted in anew on every call.
enum ScratchBuffers {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
  /// Buffers kept per size; more are released.
  private static let keepPerSize = 4

  /// Runs `body` with an uninitialized buffer of `count` floats, returned to the pool afterwards.
  static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
    let buffer = take(count)
    defer { give(buffer, count) }
    return try body(buffer)
  }

  /// An uninitialized buffer of `count` floats: a pooled one of that size, or a new one. Hand it back
  /// with `give`.
  static func take(_ count: Int) -> UnsafeMutablePointer<Float> {
    lock.lock()
    defer { lock.unlock() }
    if let buffer = free[count]?.popLast() { return buffer }
    return .allocate(capacity: Swift.max(count, 1))
  }

  /// Returns a buffer from `take(count)` to the pool (or frees it when the pool has enough of that size).
  static func give(_ buffer: UnsafeMutablePointer<Float>, _ count: Int) {
    lock.lock()
    defer { lock.unlock() }
    if free[count, default: []].count < keepPerSize {
      free[count, default: []].append(buffer)
    } else {
      buffer.deallocate()
    }
  }
}
