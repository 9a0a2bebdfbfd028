import PretextTensor

/// Batch normalisation (Ioffe & Szegedy 2015, arXiv:1502.03167) over [N, C] (`BatchNorm1d`) or
/// [N, C, H, W] (`BatchNorm2d`), as PyTorch: affine `weight` (1) and `bias` (0); buffers
/// `running_mean` (0), `running_var` (1) and `num_batches_tracked` (0, a scalar); momentum 0.1, eps 1e-5.
///
/// In training mode (`isTraining`) it normalises with the batch statistics and updates the running
/// statistics in place (unbiased variance, as PyTorch) and counts the batch; in evaluation mode it uses
/// the running statistics. With `trackRunningStats: false` it always uses batch statistics and has no
/// buffers; with `affine: false` it has no parameters (MAE's linear-probe BN).
public final class BatchNorm: Module, Layer {
    public let weight: Tensor?
    public let bias: Tensor?
    public let runningMean: Buffer?
    public let runningVar: Buffer?
    public let numBatchesTracked: Buffer?
    public let momentum: Float
    public let eps: Float
    public let numFeatures: Int
    /// Split batch-norm (Lightly's `SplitBatchNorm`): in training, statistics are computed separately
    /// over `splits` groups of the batch (image i in group i mod splits) and the running statistics are
    /// the mean over groups. 1 = ordinary batch norm.
    public var splits = 1
    /// Synchronised batch norm (`train.sync_bn`): in training, statistics over the batches of every rank
    /// of this group (PyTorch's `SyncBatchNorm`). nil = this process's batch only (DDP's default).
    public var syncGroup: ProcessGroup?
    public override var excludedKeys: Set<String> { ["splits", "syncGroup"] }

    public init(_ numFeatures: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) {
        self.numFeatures = numFeatures
        weight = affine ? Tensor.ones([numFeatures], requiresGrad: true) : nil
        bias = affine ? Tensor.zeros([numFeatures], requiresGrad: true) : nil
        runningMean = trackRunningStats ? Buffer(Tensor.zeros([numFeatures])) : nil
        runningVar = trackRunningStats ? Buffer(Tensor.ones([numFeatures])) : nil
        numBatchesTracked = trackRunningStats ? Buffer(Tensor.zeros([])) : nil
        self.momentum = momentum
        self.eps = eps
        super.init()
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        if splits > 1 && isTraining {
            if syncGroup?.isDistributed == true {
                throw TensorError.invalidArgument(op: "batch norm", detail: "split batch norm (\(splits) splits) and synchronised batch norm (train.sync_bn) exclude each other; turn one off")
            }
            return try splitForward(x)
        }
        let useBatchStats = isTraining || runningMean == nil
        let out = try x.batchNorm(weight: weight, bias: bias, runningMean: runningMean?.value,
                                  runningVar: runningVar?.value, training: useBatchStats, momentum: momentum, eps: eps,
                                  syncGroup: isTraining ? syncGroup : nil)
        if isTraining, let n = numBatchesTracked { n.value.storage.pointer[0] += 1 }
        return out
    }

    /// Training forward over `splits` groups: x [N, C, …] viewed as [N/s, s·C, …] (so image i lands in
    /// group i mod s, as Lightly's `input.view(-1, C * s, H, W)`), normalised with per-group statistics.
    private func splitForward(_ x: Tensor) throws -> Tensor {
        let n = x.shape[0], c = numFeatures, s = splits
        guard n % s == 0 else {
            throw TensorError.invalidArgument(op: "split batch norm", detail: "batch of \(n) does not divide into \(s) splits; use a batch size that is a multiple of \(s)")
        }
        var shape = x.shape
        shape[0] = n / s
        shape[1] = c * s
        func tiled(_ t: Tensor) throws -> Tensor { try Tensor.cat([Tensor](repeating: t, count: s), axis: 0) }
        let rm = try runningMean.map { b in try noGrad { try tiled(b.value) } }
        let rv = try runningVar.map { b in try noGrad { try tiled(b.value) } }
        let out = try x.reshaped(shape).batchNorm(weight: try weight.map(tiled), bias: try bias.map(tiled),
                                                  runningMean: rm, runningVar: rv, training: true, momentum: momentum, eps: eps)
        if let rm, let rv, let m = runningMean, let v = runningVar {
            try noGrad {
                m.value.assign(try rm.reshaped([s, c]).mean(axes: [0]))
                v.value.assign(try rv.reshaped([s, c]).mean(axes: [0]))
            }
        }
        if let nb = numBatchesTracked { nb.value.storage.pointer[0] += 1 }
        return try out.reshaped(x.shape)
    }
}
