import Foundation
import PretextTensor

/// Representation collapse, as Lightly's `std_of_l2_normalized` (used by SimSiam, arXiv:2011.10566):
/// the mean over dimensions of the (unbiased) standard deviation over the batch of the L2-normalised
/// outputs. 0 means every output is the same vector (collapse); about 1/√D for isotropic outputs.
/// Any method can log it (`StepOutput.metrics`); BYOL logs `output_std`.
public enum CollapseMetric {
    public static func stdOfL2Normalized(_ z: Tensor) throws -> Double {
        guard z.rank == 2, z.shape[0] >= 2 else {
            throw TensorError.invalidArgument(op: "std_of_l2_normalized", detail: "needs [B, D] outputs with B ≥ 2, got \(z.shape)")
        }
        let n = try noGrad { try z.detached().l2Normalized(axis: 1) }.scalars
        let b = z.shape[0], d = z.shape[1]
        var total = 0.0
        for j in 0..<d {
            var mean = 0.0
            for i in 0..<b { mean += Double(n[i * d + j]) }
            mean /= Double(b)
            var ss = 0.0
            for i in 0..<b { let e = Double(n[i * d + j]) - mean; ss += e * e }
            total += (ss / Double(b - 1)).squareRoot()
        }
        return total / Double(d)
    }
}
