import Testing
@testable import EvoTensor
@Test func smoke() throws { #expect(try (Tensor([1, 2]) + 1).values == [2, 3]) }
