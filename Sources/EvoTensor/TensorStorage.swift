/// A reference-counted, heap-allocated run of `Float`s. Tensors share storage (reshape shares it);
/// a tensor that writes into shared storage copies it first (copy-on-write, see `Tensor.withMutableData`).
public final class TensorStorage: @unchecked Sendable {
  /// Number of floats held.
  public let count: Int
  /// Start of the buffer; valid for `count` floats while the storage lives.
  public let pointer: UnsafeMutablePointer<Float>

  /// Allocates uninitialised storage for `count` floats.
  public init(uninitializedCount count: Int) {
    self.count = count
    pointer = StoragePool.allocate(count)
  }

  /// Allocates storage filled with `value`.
  public convenience init(count: Int, repeating value: Float) {
    self.init(uninitializedCount: count)
    pointer.initialize(repeating: value, count: count)
  }

  /// A fresh copy of the contents.
  public func copy() -> TensorStorage {
    let other = TensorStorage(uninitializedCount: count)
    other.pointer.update(from: pointer, count: count)
    return other
  }

  /// The contents as a buffer.
  public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

  deinit { StoragePool.release(pointer, count: count) }
}
