import EvoNotebook
import Foundation

/// A kernel connection file, as Jupyter writes it: where to listen and the signing key.
public struct ConnectionInfo: Sendable, Equatable {
  public var transport = "tcp"
  public var ip = "127.0.0.1"
  public var shellPort = 0
  public var iopubPort = 0
  public var stdinPort = 0
  public var controlPort = 0
  public var heartbeatPort = 0
  /// The HMAC key; empty means messages are not signed.
  public var key = ""

  /// Reads a connection file. Only the `hmac-sha256` signature scheme is accepted.
  public init(file path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw KernelError("cannot read the connection file \(path)")
    }
    try self.init(json: String(decoding: data, as: UTF8.self), name: path)
  }

  /// Reads a connection file's text; `name` names it in errors.
  public init(json text: String, name: String = "connection file") throws {
    let root: JSONValue
    do { root = try JSONValue.parse(text) } catch { throw KernelError("\(name): \(error)") }
    guard case .object = root else { throw KernelError("\(name): not a JSON object") }
    func port(_ field: String) throws -> Int {
      guard case .int(let value)? = root[field], (1...65535).contains(value) else {
        throw KernelError("\(name): \(field) must be a port number between 1 and 65535")
      }
      return value
    }
    transport = root["transport"]?.string ?? "tcp"
    guard transport == "tcp" || transport == "ipc" else {
      throw KernelError("\(name): transport '\(transport)' is neither tcp nor ipc")
    }
    ip = root["ip"]?.string ?? "127.0.0.1"
    shellPort = try port("shell_port")
    iopubPort = try port("iopub_port")
    stdinPort = try port("stdin_port")
    controlPort = try port("control_port")
    heartbeatPort = try port("hb_port")
    key = root["key"]?.string ?? ""
    let scheme = root["signature_scheme"]?.string ?? "hmac-sha256"
    guard scheme == "hmac-sha256" else {
      throw KernelError("\(name): signature scheme '\(scheme)' is not supported (only hmac-sha256)")
    }
  }

  /// The ZeroMQ address of one of the kernel's ports.
  public func endpoint(_ port: Int) -> String {
    transport == "ipc" ? "ipc://\(ip)-\(port)" : "tcp://\(ip):\(port)"
  }
}

/// A kernel that cannot start (bad connection file, ports taken) or install.
public struct KernelError: Error, CustomStringConvertible, Sendable {
  public let description: String
  public init(_ message: String) { description = message }
}
