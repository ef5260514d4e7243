/// An RGB colour with components in [0, 1].
public struct Color: Equatable, Sendable {
  public var red: Double, green: Double, blue: Double

  public init(_ red: Double, _ green: Double, _ blue: Double) {
    self.red = red
    self.green = green
    self.blue = blue
  }

  /// A colour from 0xRRGGBB.
  public init(hex: UInt32) {
    self.init(Double((hex >> 16) & 0xFF) / 255, Double((hex >> 8) & 0xFF) / 255, Double(hex & 0xFF) / 255)
  }

  /// `#rrggbb`, `rrggbb` or a name from the palette (`blue`, `orange`, ...).
  public init?(name: String) {
    if let index = Palette.names.firstIndex(of: name.lowercased()) {
      self = Palette.cycle[index]
      return
    }
    let digits = name.hasPrefix("#") ? String(name.dropFirst()) : name
    guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
    self.init(hex: value)
  }

  public static let black = Color(0, 0, 0)
  public static let white = Color(1, 1, 1)
}

/// Colours for series (the Okabe–Ito palette, safe for colour-blind readers) and a perceptually
/// uniform map for heat maps (viridis).
public enum Palette {
  /// Okabe–Ito, starting with blue and orange.
  public static let cycle: [Color] = [0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9, 0xF0E442, 0x000000]
    .map { Color(hex: $0) }
  /// Names of the cycle's colours.
  public static let names = ["blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black"]

  /// The k-th colour of the cycle.
  public static func color(_ k: Int) -> Color { cycle[((k % cycle.count) + cycle.count) % cycle.count] }

  /// Viridis sampled at 9 points, interpolated linearly.
  private static let viridis: [Color] = [
    0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725,
  ].map { Color(hex: $0) }

  /// The viridis colour of t in [0, 1] (clamped; NaN is grey).
  public static func heat(_ t: Double) -> Color {
    guard !t.isNaN else { return Color(0.5, 0.5, 0.5) }
    let x = Swift.min(Swift.max(t, 0), 1) * Double(viridis.count - 1)
    let i = Swift.min(Int(x), viridis.count - 2)
    let f = x - Double(i)
    let a = viridis[i]
    let b = viridis[i + 1]
    return Color(a.red + (b.red - a.red) * f, a.green + (b.green - a.green) * f, a.blue + (b.blue - a.blue) * f)
  }
}
