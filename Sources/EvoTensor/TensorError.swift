/// The broad class of a tensor failure, so callers can react (e.g. the REPL treats `.cancelled` quietly).
public enum TensorErrorKind: String, Sendable {
  /// Shapes that do not fit together (broadcasting, matmul, conv, reshape).
  case shape
  /// An argument out of range: a bad axis, index, stride, probability.
  case argument
  /// A malformed, truncated or unreadable file.
  case file
  /// A long computation was stopped through its `CancellationToken`.
  case cancelled
  /// Non-finite numbers where finite ones are required.
  case numeric
}

/// A recoverable failure of a tensor operation, naming the operation and what was wrong with its inputs.
public struct TensorError: Error, CustomStringConvertible, Sendable, Equatable {
  public let kind: TensorErrorKind
  /// The operation's user-facing name (`matmul`, `conv2d`, `load_idx`, ...).
  public let op: String
  public let message: String

  public init(_ kind: TensorErrorKind, op: String, _ message: String) {
    self.kind = kind
    self.op = op
    self.message = message
  }

  public var description: String { "\(op): \(message)" }

  static func shape(_ op: String, _ message: String) -> TensorError { TensorError(.shape, op: op, message) }
  static func argument(_ op: String, _ message: String) -> TensorError { TensorError(.argument, op: op, message) }
  static func file(_ op: String, _ message: String) -> TensorError { TensorError(.file, op: op, message) }
}

/// Formats a shape the way error messages and printing show it: `[128, 16, 28, 28]`.
func shapeString(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }
