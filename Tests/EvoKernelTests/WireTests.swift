import EvoNotebook
import EvoTensor
import Foundation
import Testing

@testable import EvoKernel

/// Message framing, signatures, connection files and the kernelspec, without sockets.
@Suite struct WireTests {
  private func frames(_ parts: [String], signature: String) -> [Data] {
    [Data("client-id".utf8), WireMessage.delimiter, Data(signature.utf8)] + parts.map { Data($0.utf8) }
  }

  @Test func signaturesAreHMACSHA256OverTheFourFrames() throws {
    // RFC 4231, test case 2: HMAC-SHA256 with key "Jefe" of "what do ya want for nothing?".
    let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    let signer = MessageSigner(key: "Jefe")
    #expect(
      signer.signature([Data("what do ya ".utf8), Data("want ".utf8), Data("for ".utf8), Data("nothing?".utf8)])
        == expected)
    #expect(MessageSigner(key: "").signature([Data("x".utf8)]) == "")
  }

  @Test func signedMessagesRoundTripAndTamperingIsRefused() throws {
    let signer = MessageSigner(key: "secret")
    var message = WireMessage(type: "execute_request", session: "s", content: ["code": .string("1 + 1")])
    message.identities = [Data("peer".utf8)]
    let wire = signer.frames(message)
    let parsed = try signer.parse(wire)
    #expect(parsed.type == "execute_request" && parsed.content["code"] == .string("1 + 1"))
    #expect(parsed.identities == [Data("peer".utf8)])
    #expect(parsed.header["version"] == .string("5.3"))
    // The same frames again are a replay.
    #expect(throws: KernelError.self) { try signer.parse(wire) }
    var tampered = signer.frames(message)
    tampered[tampered.count - 1] = Data(#"{"code": "evil()"}"#.utf8)
    #expect(throws: KernelError.self) { try signer.parse(tampered) }
    #expect(throws: KernelError.self) { try MessageSigner(key: "other").parse(signer.frames(message)) }
  }

  @Test func malformedFramesAreErrorsNotCrashes() throws {
    let open = MessageSigner(key: "")
    let good = [#"{"msg_type": "kernel_info_request"}"#, "{}", "{}", "{}"]
    #expect(try open.parse(frames(good, signature: "")).type == "kernel_info_request")
    let cases: [[Data]] = [
      [], [Data("no delimiter".utf8)], [WireMessage.delimiter, Data()],
      frames(["{not json", "{}", "{}", "{}"], signature: ""),
      frames(["[]", "{}", "{}", "{}"], signature: ""),
      frames(["{}", "{}", "{}", "{}"], signature: ""),
      frames([#"{"msg_type": 3}"#, "{}", "{}", "{}"], signature: ""),
      frames([#"{"msg_type": "x"}"#, "{}", "{}", "\"text\""], signature: ""),
      [WireMessage.delimiter, Data(), Data([0xFF, 0xFE]), Data("{}".utf8), Data("{}".utf8), Data("{}".utf8)],
    ]
    for bad in cases { #expect(throws: KernelError.self) { try open.parse(bad) } }
    let signed = MessageSigner(key: "k")
    #expect(throws: KernelError.self) { try signed.parse(frames(good, signature: "")) }
    #expect(throws: KernelError.self) { try signed.parse(frames(good, signature: "zz")) }
    #expect(throws: KernelError.self) { try signed.parse(frames(good, signature: String(repeating: "0", count: 64))) }
  }

  @Test func hexadecimalSignaturesDecode() {
    #expect(MessageSigner.hexBytes(Data("00ff7A".utf8)) == Data([0x00, 0xFF, 0x7A]))
    #expect(MessageSigner.hexBytes(Data("abc".utf8)) == nil)
    #expect(MessageSigner.hexBytes(Data("gg".utf8)) == nil)
    #expect(MessageSigner.hexBytes(Data()) == nil)
  }

  @Test func connectionFilesAreReadAndCheckedField() throws {
    let text = """
      {"shell_port": 5001, "iopub_port": 5002, "stdin_port": 5003, "control_port": 5004, "hb_port": 5005,
       "ip": "127.0.0.1", "key": "abc", "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "evo"}
      """
    let info = try ConnectionInfo(json: text)
    #expect(info.key == "abc" && info.controlPort == 5004)
    #expect(info.endpoint(info.shellPort) == "tcp://127.0.0.1:5001")
    var ipc = try ConnectionInfo(json: text.replacingOccurrences(of: "\"tcp\"", with: "\"ipc\""))
    ipc.ip = "/tmp/k"
    #expect(ipc.endpoint(5002) == "ipc:///tmp/k-5002")
    for broken in [
      text.replacingOccurrences(of: "hmac-sha256", with: "hmac-md5"), text.replacingOccurrences(of: "5005", with: "0"),
      text.replacingOccurrences(of: "\"hb_port\": 5005,", with: ""), text.replacingOccurrences(of: "tcp", with: "udp"),
      "[]", "{",
    ] {
      #expect(throws: KernelError.self) { try ConnectionInfo(json: broken) }
    }
    #expect(throws: KernelError.self) { try ConnectionInfo(file: "/nonexistent/connection.json") }
  }

  @Test func cursorPathsAndIndents() {
    #expect(CodeCursor.pathBefore(9, in: "print(my_") == (6, "my_"))
    #expect(CodeCursor.pathBefore(4, in: "t.su") == (0, "t.su"))
    #expect(CodeCursor.pathBefore(100, in: "é + ab") == (4, "ab"))
    #expect(CodeCursor.pathBefore(2, in: "a ") == (2, ""))
    #expect(CodeCursor.pathAround(2, in: "max(a)") == "max")
    #expect(CodeCursor.pathAround(10, in: "conv2d(x, ") == "conv2d")
    #expect(CodeCursor.pathAround(12, in: "f(g(1), h(2)") == "f")
    #expect(CodeCursor.pathAround(7, in: "layers.evo") == "layers.evo")
    #expect(CodeCursor.pathAround(0, in: "") == "")
    #expect(CodeCursor.indent(after: "fn f() {") == "  ")
    #expect(CodeCursor.indent(after: "let d = {\"}\": [1,\n") == "    ")
    #expect(CodeCursor.indent(after: "f(1) # (") == "")
  }

  @Test func kernelspecStartsThisExecutableWithTheStdlib() throws {
    let json = KernelSpec.kernelJSON(executable: "/opt/evo/bin/evo", stdlib: "/opt/evo/stdlib")
    let spec = try JSONValue.parse(json)
    #expect(
      spec["argv"]
        == .array(["/opt/evo/bin/evo", "kernel", "--connection-file", "{connection_file}"].map(JSONValue.string)))
    #expect(spec["display_name"] == .string("Evo") && spec["language"] == .string("evo"))
    #expect(spec["env"]?["EVO_STDLIB"] == .string("/opt/evo/stdlib"))
    #expect(KernelSpec.name == "evo")
    #expect(KernelSpec.folder(user: false, prefix: "/p") == "/p/share/jupyter/kernels/evo")
    #expect(
      KernelSpec.folder(user: true, prefix: nil, environment: ["HOME": "/h"]) == "/h/.local/share/jupyter/kernels/evo")
    #expect(KernelSpec.folder(user: true, prefix: nil, environment: ["JUPYTER_DATA_DIR": "/d"]) == "/d/kernels/evo")
    #expect(KernelSpec.folder(user: false, prefix: nil) == "/usr/local/share/jupyter/kernels/evo")
  }

  @Test func logoIsAnOpaqueRoundedSquareWithAWhiteCurve() throws {
    let pixels = try PNGImage.decode(try KernelSpec.logo(size: 64), channels: 4)
    #expect(pixels.width == 64 && pixels.height == 64)
    #expect(pixels.pixel(x: 0, y: 0)[3] == 0)  // rounded corner: transparent
    #expect(pixels.pixel(x: 4, y: 32) == [23, 105, 120, 255])  // teal background
    // x·σ(x) at x = 0 is 0: the curve passes the pixel row 0.72·64 at the middle column.
    let middle = pixels.pixel(x: 32, y: Int(0.72 * 64))
    #expect(middle[0] > 200 && middle[1] > 200 && middle[2] > 200)
  }
}
