import XCTest
@testable import PretextKit
import PretextCore

/// ReduceLROnPlateau semantics (PyTorch's `ReduceLROnPlateau(mode, factor, patience, threshold,
/// threshold_mode="rel")`): the scale drops by `factor` on the observation that makes the count of
/// non-improving epochs exceed `patience`, then the count restarts.
final class PlateauScheduleTests: XCTestCase {
    func scales(_ p: PlateauSchedule, _ metrics: [Double]) -> [Float] {
        metrics.map { p.observe(metric: $0, at: 0); return p.value(at: 0, of: 1) }
    }

    func testMinModeMatchesPyTorchsSequence() {
        // torch: ReduceLROnPlateau(opt, "min", factor=0.5, patience=2) on lr 1 gives these lrs after each step(m).
        let p = PlateauSchedule(factor: 0.5, patience: 2)
        XCTAssertEqual(scales(p, [1.0, 0.9, 0.9, 0.95, 0.91, 0.92, 0.85, 0.86, 0.86, 0.86]),
                       [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25])
    }

    func testRelativeThresholdDecidesWhatCountsAsBetter() {
        // 0.998 is more than 1e-3 (relative) below 1.0, an improvement; 0.99795 is not below 0.998 by that much.
        let p = PlateauSchedule(factor: 0.1, patience: 0, threshold: 1e-3)
        XCTAssertEqual(scales(p, [1.0, 0.998, 0.99795]), [1, 1, 0.1])
    }

    func testMaxModeForAccuracyAndTheFloor() {
        let p = PlateauSchedule(factor: 0.5, patience: 1, minScale: 0.3, mode: "max")
        XCTAssertEqual(scales(p, [0.30, 0.35, 0.34, 0.33, 0.36, 0.36, 0.36, 0.36, 0.36]),
                       [1, 1, 1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3])
    }

    func testNegativeLossesStillNeedToGoDown() {
        // BYOL's loss is negative: −0.7 → −0.69 is worse, not better.
        let p = PlateauSchedule(factor: 0.5, patience: 0)
        XCTAssertEqual(scales(p, [-0.70, -0.69]), [1, 0.5])
    }

    func testStateRoundTripContinuesTheSameSchedule() throws {
        let a = PlateauSchedule(factor: 0.5, patience: 2)
        _ = scales(a, [1.0, 0.9, 0.95, 0.95])
        let b = PlateauSchedule(factor: 0.5, patience: 2)
        try b.loadState(a.state)
        XCTAssertEqual(scales(a, [0.95, 0.95, 0.95, 0.95]), scales(b, [0.95, 0.95, 0.95, 0.95]))
        XCTAssertEqual(b.value(at: 0, of: 1), 0.25)
    }

    /// A damaged checkpoint (scale NaN or above 1, a negative count) is refused with a message, not
    /// trapped on or silently used; an empty state (a run that used another schedule) is accepted.
    func testImpossibleStateIsRefused() throws {
        let p = PlateauSchedule(factor: 0.5, patience: 2)
        for bad in [[Double.nan, 1, 0], [1e30, 1, 0], [0.5, 1, -1], [0.5, .infinity, 0], [0.5, 1, 1e30], [0.5, 1]] {
            XCTAssertThrowsError(try p.loadState(bad), "\(bad)") { error in
                XCTAssertTrue("\(error)".contains("damaged"), "\(error)")
            }
        }
        XCTAssertNoThrow(try p.loadState([]))
        XCTAssertEqual(p.value(at: 0, of: 1), 1)
        let schedule: any Schedule = p
        try schedule.loadState([0.25, 0.5, 1])
        XCTAssertEqual(schedule.state, [0.25, 0.5, 1])
    }
}
