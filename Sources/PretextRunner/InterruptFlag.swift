import PretextTensor
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C handling: the first SIGINT/SIGTERM sets a flag that the training loop checks after each step
/// (it then writes a checkpoint and exits cleanly); a second one exits at once.
public enum InterruptFlag {
    nonisolated(unsafe) private static var count: Int32 = 0

    public static var isSet: Bool { count > 0 }

    /// Whether the handler says so on stderr (under mpirun only rank 0 does; every rank gets the signal).
    nonisolated(unsafe) private static var announces = true

    public static func install() {
        announces = ProcessGroup.world.isMain
        let handler: @convention(c) (Int32) -> Void = { _ in
            InterruptFlag.count += 1
            if InterruptFlag.count > 1 { _exit(130) }
            guard InterruptFlag.announces else { return }
            let msg = "\ninterrupt: finishing this step and writing a checkpoint (Ctrl-C again to quit at once)\n"
            _ = msg.withCString { write(2, $0, strlen($0)) }
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// For tests.
    public static func reset() { count = 0 }
    public static func raiseForTesting() { count = 1 }
}
