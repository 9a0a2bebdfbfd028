import PretextTensor
/// Why a run stopped, with the step and what to do.
public enum RunError: Error, CustomStringConvertible {
    case nonFiniteLoss(step: Int, epoch: Int, value: Float, lastCheckpoint: String?)
    case interrupted(step: Int, checkpoint: String)
    case nothingToResume(dir: String)
    case incompatibleResume(dir: String, detail: String)
    case data(String)
    case io(path: String, detail: String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(step, epoch, value, ckpt):
            let resume = ckpt.map { "the last good checkpoint is \($0); resume from it with --resume and a lower --lr (or gradient clipping: --set train.clip_grad=1.0)" }
                ?? "no checkpoint was written yet; lower the learning rate (--lr) or enable gradient clipping (--set train.clip_grad=1.0)"
            return "the loss became \(value) at step \(step) (epoch \(epoch + 1)): training stopped. \(resume)"
        case let .interrupted(step, checkpoint):
            return "interrupted at step \(step); checkpoint saved to \(checkpoint). Continue with: ssl-run --resume \(checkpoint.components(separatedBy: "/checkpoints").first ?? checkpoint)"
        case let .nothingToResume(dir):
            return "nothing to resume in '\(dir)': it has no checkpoints/last (start a new run with --out instead)"
        case let .incompatibleResume(dir, detail):
            return "cannot resume '\(dir)': \(detail)"
        case let .data(detail):
            return detail
        case let .io(path, detail):
            return "could not write '\(path)': \(detail) (is the disk full or the folder read-only?)"
        }
    }
}

import Foundation
