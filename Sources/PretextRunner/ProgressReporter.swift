import PretextTensor
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One updating line on a terminal (epoch, step/total, loss, lr, images/s, ETA); plain periodic lines
/// when standard error is not a terminal (CI logs, files).
public final class ProgressReporter {
    let isTerminal: Bool
    let quiet: Bool
    var lastPlain = Date.distantPast
    let start = Date()
    /// Where the text goes: standard error, or a test's buffer.
    let write: (String) -> Void

    /// `isTerminal` defaults to whether standard error is a terminal; `write` to standard error.
    public init(quiet: Bool = false, isTerminal: Bool? = nil, write: ((String) -> Void)? = nil) {
        self.quiet = quiet
        self.isTerminal = isTerminal ?? (isatty(2) != 0)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    public func update(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, totalSteps: Int, loss: Double,
                       lr: Float, imagesPerSecond: Double, stepsDone: Int, elapsed: Double) {
        guard !quiet else { return }
        let eta = stepsDone > 0 ? elapsed / Double(stepsDone) * Double(totalSteps - step) : 0
        let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f  lr %.4g  %.1f img/s  ETA %@",
                          epoch + 1, epochs, step % stepsPerEpoch + 1, stepsPerEpoch, loss, lr, imagesPerSecond,
                          ProgressReporter.duration(eta))
        if isTerminal {
            write("\r\u{1B}[K" + line)
        } else if Date().timeIntervalSince(lastPlain) >= 10 || step % stepsPerEpoch == stepsPerEpoch - 1 {
            lastPlain = Date()
            write(line + "\n")
        }
    }

    /// A line that should stay (epoch summaries, evaluation results).
    public func message(_ text: String) {
        guard !quiet else { return }
        write((isTerminal ? "\r\u{1B}[K" : "") + text + "\n")
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
