/// An n-dimensional float32 array, row-major and contiguous, that can take part in reverse-mode autodiff.
///
/// A `Tensor` is a reference: operations return new tensors and never change their inputs. Storage is
/// shared where it can be (a reshape shares it) and copied before an in-place write when shared
/// (copy-on-write). Images are NCHW.
public final class Tensor {
  /// Dimensions, outermost first; `[]` is a scalar.
  public let shape: [Int]
  /// Number of elements, the product of `shape`.
  public let count: Int
  var storage: TensorStorage

  /// Whether gradients flow to this tensor. Set it on leaves (parameters); results of operations on
  /// tensors that require grad require grad themselves while grad mode is on.
  public var requiresGrad: Bool
  /// The accumulated gradient of the last `backward()` calls (leaves only), same shape as the tensor.
  public var grad: Tensor?
  /// Operands this tensor was computed from, while its tape is alive.
  var inputs: [Tensor] = []
  /// Maps the gradient of this tensor to gradients of `inputs` (nil where an input needs none).
  var backwardFunction: ((Tensor) throws -> [Tensor?])?

  /// Wraps existing storage; `storage.count` must equal the shape's element count.
  init(shape: [Int], storage: TensorStorage, requiresGrad: Bool = false) {
    self.shape = shape
    self.count = storage.count
    self.storage = storage
    self.requiresGrad = requiresGrad
  }

  /// A tensor of the given shape and values (row-major). Throws when the counts differ.
  public convenience init(shape: [Int], values: [Float]) throws {
    try Shape.validate(shape, op: "tensor")
    guard Shape.count(shape) == values.count else {
      throw TensorError.shape("tensor", "\(values.count) values do not fill shape \(shapeString(shape))")
    }
    let storage = TensorStorage(uninitializedCount: values.count)
    values.withUnsafeBufferPointer {
      if let base = $0.baseAddress { storage.pointer.initialize(from: base, count: values.count) }
    }
    self.init(shape: shape, storage: storage)
  }

  /// A scalar tensor.
  public convenience init(_ value: Float) {
    self.init(shape: [], storage: TensorStorage(count: 1, repeating: value))
  }

  /// A rank-1 tensor holding `values`.
  public convenience init(_ values: [Float]) {
    let storage = TensorStorage(uninitializedCount: values.count)
    values.withUnsafeBufferPointer {
      if let base = $0.baseAddress { storage.pointer.initialize(from: base, count: values.count) }
    }
    self.init(shape: [values.count], storage: storage)
  }

  /// Number of dimensions.
  public var rank: Int { shape.count }

  /// The elements in row-major order.
  public var values: [Float] { Array(storage.buffer) }

  /// Whether every element is finite (no NaN or infinity).
  public var isFinite: Bool { !storage.buffer.contains { !$0.isFinite } }

  /// The single value of a one-element tensor.
  public func item() throws -> Float {
    guard count == 1 else {
      throw TensorError.shape("item", "tensor of shape \(shapeString(shape)) has \(count) elements, not 1")
    }
    return storage.pointer[0]
  }

  /// Reads the elements without copying.
  public func withData<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try body(UnsafeBufferPointer(storage.buffer))
  }

  /// Writes the elements in place, copying the storage first if another tensor shares it.
  /// Meant for optimizers and initialisation: it does not record on the autodiff tape.
  public func withMutableData<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    return try body(storage.buffer)
  }

  /// A tensor with the same values that is not connected to any tape.
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// An independent copy of the values (no shared storage, no tape).
  public func copy() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }

  /// Marks this tensor as a leaf that receives gradients; returns self for chaining.
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    requiresGrad = flag
    return self
  }

  /// Element at a full multi-index (negative indices count from the end).
  public func element(at index: [Int]) throws -> Float {
    guard index.count == rank else {
      throw TensorError.argument("index", "\(index.count) indices for a tensor of rank \(rank)")
    }
    let strides = Shape.strides(shape)
    var offset = 0
    for (axis, i) in index.enumerated() {
      let j = i < 0 ? i + shape[axis] : i
      guard j >= 0 && j < shape[axis] else {
        throw TensorError.argument("index", "index \(i) is out of bounds for axis \(axis) with size \(shape[axis])")
      }
      offset += j * strides[axis]
    }
    return storage.pointer[offset]
  }
}
