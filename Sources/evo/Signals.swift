import Foundation

/// A parent may have spawned this process with signals blocked (the mask survives exec; Foundation's
/// `Process` does so): unblock Ctrl-C, the SIGHUP of a closing terminal and a plain kill, with their
/// default actions for SIGHUP and SIGTERM.
func unblockTerminationSignals() {
  var unblock = sigset_t()
  sigemptyset(&unblock)
  for signal in [SIGINT, SIGHUP, SIGTERM, SIGQUIT] { sigaddset(&unblock, signal) }
  pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
  for signal in [SIGHUP, SIGTERM] { Foundation.signal(signal, SIG_DFL) }
}
