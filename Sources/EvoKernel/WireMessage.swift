import Crypto
import EvoNotebook
import Foundation

/// One Jupyter message (messaging protocol 5.3): routing identities, then the signed header, parent
/// header, metadata and content dictionaries, and any binary buffers.
struct WireMessage {
  static let delimiter = Data("<IDS|MSG>".utf8)
  static let protocolVersion = "5.3"

  var identities: [Data] = []
  var header: [String: JSONValue]
  var parentHeader: [String: JSONValue] = [:]
  var metadata: [String: JSONValue] = [:]
  var content: [String: JSONValue]
  var buffers: [Data] = []

  var type: String { header["msg_type"]?.string ?? "" }
  var id: String { header["msg_id"]?.string ?? "" }

  /// A new message of `type` from session `session`, in reply to `parent` (if any).
  init(type: String, session: String, content: [String: JSONValue], parent: WireMessage? = nil) {
    header = [
      "msg_id": .string(UUID().uuidString.lowercased()), "session": .string(session), "username": .string("evo"),
      "date": .string(Self.now()), "msg_type": .string(type), "version": .string(Self.protocolVersion),
    ]
    parentHeader = parent?.header ?? [:]
    identities = parent?.identities ?? []
    self.content = content
  }

  init(
    header: [String: JSONValue], parentHeader: [String: JSONValue], metadata: [String: JSONValue],
    content: [String: JSONValue]
  ) {
    self.header = header
    self.parentHeader = parentHeader
    self.metadata = metadata
    self.content = content
  }

  private static func now() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.string(from: Date())
  }
}

/// Signs outgoing messages and checks incoming ones with HMAC-SHA256 over the four JSON frames, as
/// the connection file's key says; refuses replays of a signature already seen.
final class MessageSigner: @unchecked Sendable {
  private let key: SymmetricKey?
  private let lock = NSLock()
  private var seen: Set<Data> = []
  private var seenOrder: [Data] = []
  /// How many recent signatures are remembered to refuse replays.
  private let memory = 10_000

  init(key: String) {
    self.key = key.isEmpty ? nil : SymmetricKey(data: Data(key.utf8))
  }

  /// The wire frames of `message`: identities, delimiter, signature, header, parent, metadata, content, buffers.
  func frames(_ message: WireMessage) -> [Data] {
    let parts = [message.header, message.parentHeader, message.metadata, message.content].map {
      Data(JSONValue.object($0).serialized(indent: nil).utf8)
    }
    return message.identities + [WireMessage.delimiter, Data(signature(parts).utf8)] + parts + message.buffers
  }

  /// Parses and verifies a received multipart message; the error says why a message is refused.
  func parse(_ frames: [Data]) throws -> WireMessage {
    guard let split = frames.firstIndex(of: WireMessage.delimiter) else {
      throw KernelError("no <IDS|MSG> delimiter among \(frames.count) frame(s)")
    }
    let rest = Array(frames[(split + 1)...])
    guard rest.count >= 5 else { throw KernelError("\(rest.count) frame(s) after the delimiter, 5 needed") }
    try verify(signature: rest[0], parts: Array(rest[1...4]))
    let names = ["header", "parent_header", "metadata", "content"]
    var dictionaries: [[String: JSONValue]] = []
    for (name, frame) in zip(names, rest[1...4]) {
      guard let text = String(data: frame, encoding: .utf8), case .object(let object)? = try? JSONValue.parse(text)
      else {
        throw KernelError("\(name) is not a JSON object")
      }
      dictionaries.append(object)
    }
    var message = WireMessage(
      header: dictionaries[0], parentHeader: dictionaries[1], metadata: dictionaries[2], content: dictionaries[3])
    guard !message.type.isEmpty else { throw KernelError("the header has no msg_type") }
    message.identities = Array(frames[..<split])
    message.buffers = Array(rest.dropFirst(5))
    return message
  }

  func signature(_ parts: [Data]) -> String {
    guard let key else { return "" }
    var mac = HMAC<SHA256>(key: key)
    for part in parts { mac.update(data: part) }
    return Data(mac.finalize()).map { String(format: "%02x", $0) }.joined()
  }

  private func verify(signature: Data, parts: [Data]) throws {
    guard let key else { return }
    guard let code = Self.hexBytes(signature) else { throw KernelError("the signature is missing or not hexadecimal") }
    var joined = Data()
    for part in parts { joined.append(part) }
    guard HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: joined, using: key) else {
      throw KernelError("bad signature (wrong key or altered message)")
    }
    lock.lock()
    defer { lock.unlock() }
    guard seen.insert(code).inserted else { throw KernelError("replayed signature") }
    seenOrder.append(code)
    if seenOrder.count > memory { seen.remove(seenOrder.removeFirst()) }
  }

  /// The bytes of a lowercase or uppercase hexadecimal string; nil when empty or not hexadecimal.
  static func hexBytes(_ text: Data) -> Data? {
    guard !text.isEmpty, text.count % 2 == 0 else { return nil }
    var bytes = Data(capacity: text.count / 2)
    var high: UInt8 = 0
    for (index, char) in text.enumerated() {
      let nibble: UInt8
      switch char {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = char - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = char - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = char - UInt8(ascii: "A") + 10
      default: return nil
      }
      if index % 2 == 0 { high = nibble } else { bytes.append(high << 4 | nibble) }
    }
    return bytes
  }
}
