import EvoGraph
import EvoLang
import EvoPlot
import EvoTensor

// The Evo kind of each host error, so Evo code can tell a rejected layer (`GraphError`,
// `NumericError`) from a bug: `try { ... } catch ShapeError e { ... }`.

extension TensorError: EvoErrorConvertible {
  public var evoErrorKind: ErrorKind {
    switch kind {
    case .shape: return .shape
    case .argument: return .value
    case .file: return .io
    case .cancelled: return .interrupted
    case .numeric: return .numeric
    }
  }
}

extension FileWriteError: EvoErrorConvertible {
  public var evoErrorKind: ErrorKind { .io }
}

extension GraphError: EvoErrorConvertible {
  public var evoErrorKind: ErrorKind { .graph }
}

extension PlotError: EvoErrorConvertible {
  public var evoErrorKind: ErrorKind { .value }
}
