import Foundation
import Testing

@testable import EvoPlot

@Suite struct TickTests {
  /// Whether a step is 1, 2 or 5 times a power of ten.
  func isNice(_ step: Double) -> Bool {
    let magnitude = pow(10, floor(log10(step)))
    let factor = step / magnitude
    return [1.0, 2.0, 5.0, 10.0].contains { abs(factor - $0) < 1e-6 }
  }

  @Test(arguments: [
    (0.0, 1.0), (0, 7.3), (-3.2, 18.9), (1e-4, 3e-4), (0.93, 0.94), (1000, 125_000), (-1e6, 1e6), (2.5, 2.5001),
    (-0.001, 0.0),
  ])
  func ticksAreNiceAndInside(_ range: (Double, Double)) {
    let ticks = Ticks.linear(range.0, range.1, count: 6)
    #expect(ticks.count >= 2 || range.1 - range.0 < 1e-6, "\(range): \(ticks)")
    #expect(ticks.count <= 11)
    for t in ticks {
      #expect(t >= range.0 - 1e-9 * abs(range.0) && t <= range.1 + 1e-9 * abs(range.1), "\(t) outside \(range)")
    }
    if ticks.count >= 2 {
      let step = ticks[1] - ticks[0]
      #expect(isNice(step), "step \(step) for \(range)")
      for (a, b) in zip(ticks, ticks.dropFirst()) { #expect(abs((b - a) - step) < step * 1e-6) }
      for t in ticks { #expect(abs(t / step - (t / step).rounded()) < 1e-4, "\(t) is not a multiple of \(step)") }
    }
  }

  @Test func stepsFollowOneTwoFive() {
    #expect(Ticks.niceStep(span: 10, count: 5) == 2)
    #expect(Ticks.niceStep(span: 10, count: 10) == 1)
    #expect(Ticks.niceStep(span: 1, count: 3) == 0.5)
    #expect(Ticks.niceStep(span: 0.07, count: 6) == 0.02)
    #expect(Ticks.niceStep(span: 730, count: 6) == 200)
  }

  @Test func labelsHaveTheDecimalsTheStepNeeds() {
    #expect(Ticks.label(0.5, step: 0.5) == "0.5")
    #expect(Ticks.label(2, step: 1) == "2")
    #expect(Ticks.label(0.25, step: 0.05) == "0.25")
    #expect(Ticks.label(0.94, step: 0.002) == "0.940")
    #expect(Ticks.label(-1.0, step: 0.5) == "-1.0")
    #expect(Ticks.label(0, step: 0.1) == "0")
    #expect(Ticks.label(2e6, step: 1e6) == "2e+06")
    #expect(Ticks.label(1000, step: 1000, logarithmic: true) == "1000")
    #expect(Ticks.label(10000, step: 10000, logarithmic: true) == "1e4")
    #expect(Ticks.label(1e-6, step: 1e-6, logarithmic: true) == "1e-6")
  }

  @Test func logTicksAreDecades() {
    #expect(Ticks.logarithmic(0.5, 2000) == [1, 10, 100, 1000])
    #expect(Ticks.logarithmic(1e-8, 1, count: 5).count <= 5)
    #expect(Ticks.logarithmic(-1, 10).isEmpty)
    // Within one or two decades: 1-2-5 steps.
    #expect(Ticks.logarithmic(0.3, 3) == [0.5, 1, 2])
    #expect(Ticks.logarithmic(0.15, 0.9).count >= 2)
  }
}
