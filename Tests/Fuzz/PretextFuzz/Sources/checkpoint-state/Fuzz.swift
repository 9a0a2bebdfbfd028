import Foundation
import Pretext

/// A checkpoint's `state.json`: bytes through `Checkpoint.State.decode`, then the checks resuming makes
/// before anything is written (`checkPosition` for a few run shapes) and the schedule state loaded into
/// a plateau schedule (the built-in schedule whose `loadState` reads the saved numbers). Any input must
/// resume or throw, never trap.
let runShapes: [(stepsPerEpoch: Int, accumulate: Int)] = [(1, 1), (7, 1), (100, 4), (1_000_000, 65_536)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    guard let state = try? Checkpoint.State.decode(bytes, path: "checkpoints/last/state.json") else { return 0 }
    for shape in runShapes {
        try? state.checkPosition(stepsPerEpoch: shape.stepsPerEpoch, accumulate: shape.accumulate,
                                 file: "checkpoints/last/state.json")
    }
    for saved in [state.scheduleState] + (state.schedulesState.map { Array($0.values) } ?? []) {
        try? PlateauSchedule().loadState(saved)
        try? WarmupCosineSchedule().loadState(saved)
    }
    return 0
}
