/// A figure that cannot be drawn or written, with the reason.
public struct PlotError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}
