internal import CKernels

/// Names the plugin whose code was running when the process dies of a fatal signal. A plugin runs
/// in-process, so its segfault or Swift trap cannot be survived; but while its registration or a
/// method's first training step runs, a signal handler first prints which plugin file it was and
/// what to do (rebuild, fix, or leave it out), then lets the signal proceed as before.
public enum PluginCrashReport {
    /// Runs `body` with `what` (e.g. "the registration of plugin /path/libX.so") as the crash context.
    public static func running<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        pretext_crash_context_enter(what)
        defer { pretext_crash_context_leave() }
        return try body()
    }
}
