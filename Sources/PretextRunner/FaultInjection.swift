import Foundation

/// Named points where the fault-injection tests kill the process (SIGKILL: no handler, no cleanup),
/// to prove that a crash at the worst moment of a checkpoint write loses nothing.
///
/// Off unless `PRETEXT_FAULT_INJECT` is set, as `POINT@N` (die the N-th time `POINT` is reached,
/// 1-based; `POINT` alone is `POINT@1`). The points are listed in `Point`. A value that names no
/// point is reported once on stderr and otherwise ignored, so a typo cannot pass for a survived fault.
public enum FaultInjection {
    /// The moments of a checkpoint write (see `Checkpoint.write(to:metadata:)`).
    public enum Point: String, CaseIterable {
        case checkpointModelWritten = "checkpoint.model-written"       // tmp folder has model.safetensors only
        case checkpointStateWritten = "checkpoint.state-written"       // tmp folder complete, `last` untouched
        case checkpointLastMoved = "checkpoint.last-moved"             // `last` renamed to `.previous`, no `last`
        case checkpointRenamed = "checkpoint.renamed"                  // new `last` in place, `.previous` not yet removed
    }

    static let target: (point: Point, count: Int)? = {
        guard let raw = ProcessInfo.processInfo.environment["PRETEXT_FAULT_INJECT"], !raw.isEmpty else { return nil }
        let parts = raw.split(separator: "@", maxSplits: 1).map(String.init)
        guard let point = Point(rawValue: parts[0]), let n = parts.count > 1 ? Int(parts[1]) : 1, n >= 1 else {
            FileHandle.standardError.write(Data("warning: PRETEXT_FAULT_INJECT='\(raw)' names no fault point (\(Point.allCases.map { $0.rawValue + "@N" }.joined(separator: ", "))); ignored\n".utf8))
            return nil
        }
        return (point, n)
    }()

    nonisolated(unsafe) static var reached: [Point: Int] = [:]

    /// Kills the process with SIGKILL if this is the configured point and occurrence.
    static func point(_ p: Point) {
        guard let t = target, t.point == p else { return }
        reached[p, default: 0] += 1
        if reached[p] == t.count { kill(getpid(), SIGKILL) }
    }
}
