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

    public init(quiet: Bool = false) {
        self.quiet = quiet
        isTerminal = isatty(2) != 0
    }

    public func update(epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int, totalSteps: Int, loss: Double,
                       lr: Float, imagesPerSecond: Double, stepsDone: Int, elapsed: Double) {
        guard !quiet else { return }
        let eta = stepsDone > 0 ? elapsed / Double(stepsDone) * Double(totalSteps - step) : 0
        let line = String(format: "epoch %d/%d  step %d/%d  loss %.4f  lr %.4g  %.1f img/s  ETA %@",
                          epoch + 1, epochs, step % stepsPerEpoch + 1, stepsPerEpoch, loss, lr, imagesPerSecond,
                          ProgressReporter.duration(eta))
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if Date().timeIntervalSince(lastPlain) >= 10 || step % stepsPerEpoch == stepsPerEpoch - 1 {
            lastPlain = Date()
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// A line that should stay (epoch summaries, evaluation results).
    public func message(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(((isTerminal ? "\r\u{1B}[K" : "") + text + "\n").utf8))
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s)
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
