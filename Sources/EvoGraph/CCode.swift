/// C source text as `Lanes`: running an element-wise rule on `CCode` values writes the C expression
/// that computes it, so the generated native sweeps use the very arithmetic the Swift sweeps do.
struct CCode: Lanes {
  typealias Mask = CCode

  /// A C expression of type float (or int, for a mask), parenthesised where it is not atomic.
  let text: String
  /// Where `bind` declares locals; nil inside the generated loops, where values are already named.
  private let block: Block?

  /// The statements of a C function body being generated.
  private final class Block {
    var lines: [String] = []
  }

  /// A named C value: `x`, `eps`, `v5`, `xq[i]`.
  init(_ name: String) {
    text = name
    block = nil
  }

  private init(_ text: String, block: Block?) {
    self.text = text
    self.block = block
  }

  init(_ constant: Float) {
    switch constant {
    case .infinity: text = "__builtin_inff()"
    case -.infinity: text = "(-__builtin_inff())"
    default: text = constant < 0 ? "(\(constant)f)" : "\(constant)f"
    }
    block = nil
  }

  private static func make(_ text: String, _ operands: CCode...) -> CCode {
    CCode(text, block: operands.lazy.compactMap(\.block).first)
  }

  static func + (a: CCode, b: CCode) -> CCode { make("(\(a.text) + \(b.text))", a, b) }
  static func - (a: CCode, b: CCode) -> CCode { make("(\(a.text) - \(b.text))", a, b) }
  static func * (a: CCode, b: CCode) -> CCode { make("(\(a.text) * \(b.text))", a, b) }
  static func / (a: CCode, b: CCode) -> CCode { make("(\(a.text) / \(b.text))", a, b) }
  static prefix func - (a: CCode) -> CCode { make("(-\(a.text))", a) }

  static func isGreater(_ a: CCode, _ b: CCode) -> CCode { make("(\(a.text) > \(b.text))", a, b) }
  static func isGreaterOrEqual(_ a: CCode, _ b: CCode) -> CCode { make("(\(a.text) >= \(b.text))", a, b) }
  static func isLess(_ a: CCode, _ b: CCode) -> CCode { make("(\(a.text) < \(b.text))", a, b) }
  static func isNaN(_ a: CCode) -> CCode { make("(\(a.text) != \(a.text))", a) }
  static func select(_ mask: CCode, _ then: CCode, _ otherwise: CCode) -> CCode {
    make("(\(mask.text) ? \(then.text) : \(otherwise.text))", mask, then, otherwise)
  }

  static func abs(_ a: CCode) -> CCode { make("__builtin_fabsf(\(a.text))", a) }
  static func sqrt(_ a: CCode) -> CCode { make("__builtin_sqrtf(\(a.text))", a) }
  static func exp(_ a: CCode) -> CCode { make("evo_exp(\(a.text))", a) }
  static func tanh(_ a: CCode) -> CCode { make("evo_tanh(\(a.text))", a) }
  static func logOfPositive(_ a: CCode) -> CCode { make("evo_log_positive(\(a.text))", a) }
  static func mantissa(_ a: CCode) -> CCode {
    make("evo_bits_to_float((evo_float_to_bits(\(a.text)) & 0x007fffff) | 0x3f000000)", a)
  }
  static func exponent(_ a: CCode) -> CCode { make("(float)(((evo_float_to_bits(\(a.text)) >> 23) & 0xff) - 126)", a) }
  static func powerOfTwo(magicRounded t: CCode) -> CCode {
    make("evo_bits_to_float((evo_float_to_bits(\(t.text)) - evo_float_to_bits(12582912.0f) + 127) << 23)", t)
  }

  static func bind(_ a: CCode) -> CCode {
    guard let block = a.block else { return a }
    let name = "t\(block.lines.count)"
    block.lines.append("const float \(name) = \(a.text);")
    return CCode(name, block: block)
  }

  /// `static inline float NAME(float x) { ... }` computing `body(x)`.
  static func function(_ name: String, _ body: (CCode) -> CCode) -> String {
    let block = Block()
    let result = body(CCode("x", block: block))
    let statements = block.lines.map { "  \($0)\n" }.joined()
    return "static inline float \(name)(float x) {\n\(statements)  return \(result.text);\n}\n"
  }
}
