import EvoLang
import Foundation

/// The interactive loop (filled in below).
struct REPL {
  let session: Session
  func run() throws {}
}
