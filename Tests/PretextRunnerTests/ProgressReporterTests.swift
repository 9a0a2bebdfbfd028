import XCTest
@testable import PretextRunner

/// The progress line: one line rewritten in place on a terminal, plain lines in logs.
final class ProgressReporterTests: XCTestCase {
    func update(_ r: ProgressReporter, step: Int) {
        r.update(epoch: 1, epochs: 12, step: step, stepsPerEpoch: 39, totalSteps: 468, loss: 4.86123, lr: 0.0125,
                 imagesPerSecond: 401.5, stepsDone: 10, elapsed: 20)
    }

    func testOnATerminalTheLineIsRewrittenInPlace() {
        var out = ""
        let r = ProgressReporter(isTerminal: true) { out += $0 }
        update(r, step: 40)
        update(r, step: 41)
        // Each update clears the line (carriage return + erase) and prints no newline.
        XCTAssertEqual(out.components(separatedBy: "\r\u{1B}[K").count, 3)
        XCTAssertFalse(out.contains("\n"))
        // epoch is 1-based; step 41 is step 3 of epoch 2; ETA = 20 s / 10 steps × (468 − 41) = 854 s.
        XCTAssertTrue(out.hasSuffix("epoch 2/12  step 3/39  loss 4.8612  lr 0.0125  401.5 img/s  ETA 14m14s"), out)
        r.message("epoch 2: loss 4.8700")
        XCTAssertTrue(out.hasSuffix("\r\u{1B}[Kepoch 2: loss 4.8700\n"))
    }

    func testInALogTheLinesArePlainAndThrottled() {
        var out = ""
        let r = ProgressReporter(isTerminal: false) { out += $0 }
        update(r, step: 40)
        update(r, step: 41)          // within 10 s of the previous line: skipped
        update(r, step: 77)          // last step of the epoch: always printed
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertFalse(out.contains("\u{1B}"))
        XCTAssertTrue(lines[1].hasPrefix("epoch 2/12  step 39/39"))
    }

    func testQuietPrintsNothingAndDurationsRead() {
        var out = ""
        let r = ProgressReporter(quiet: true, isTerminal: true) { out += $0 }
        update(r, step: 40)
        r.message("x")
        XCTAssertEqual(out, "")
        XCTAssertEqual(ProgressReporter.duration(59), "0m59s")
        XCTAssertEqual(ProgressReporter.duration(3725), "1h02m")
        XCTAssertEqual(ProgressReporter.duration(.infinity), "?")
    }
}
