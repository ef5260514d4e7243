import EvoGraph
import EvoLang
import EvoPlot
import EvoSearch
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

/// Runs store and search code, turning its errors into Evo errors.
func searchErrors<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as SearchError {
    switch error {
    case .store(let m): throw EvoError(.io, m)
    case .configuration(let m): throw EvoError(.value, m)
    case .evaluation(let m): throw EvoError(.host, m)
    case .diverged(let m): throw EvoError(.numeric, m)
    }
  }
}
