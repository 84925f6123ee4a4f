@preconcurrency import CNcursesw
import Foundation
import Synchronization

/// Signal handling while the UI owns the terminal.
///
/// SIGINT and SIGTERM only set a flag that the UI loop reads every frame (so it can stop training and restore
/// the terminal in order). Fatal signals (a Swift trap is SIGILL/SIGTRAP) restore the terminal with `endwin`
/// and then re-raise with the default action, so a crash never leaves the terminal in raw mode.
enum Signals {
    /// The last SIGINT/SIGTERM received, 0 if none; cleared by `take()`.
    static let pending = Atomic<Int32>(0)

    static func install() {
        signal(SIGINT) { sig in Signals.pending.store(sig, ordering: .relaxed) }
        signal(SIGTERM) { sig in Signals.pending.store(sig, ordering: .relaxed) }
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { sig in
                endwin()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func restoreDefaults() {
        for sig in [SIGINT, SIGTERM, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] { signal(sig, SIG_DFL) }
    }

    static func take() -> Int32 { pending.exchange(0, ordering: .relaxed) }
}
