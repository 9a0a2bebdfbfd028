import PretextMaskedModeling
import PretextNN
import PretextTensor

/// iBOT's forward pass (Zhou et al. 2022, "iBOT: Image BERT Pre-Training with Online Tokenizer",
/// arXiv:2111.07832), as Lightly's iBOT benchmark (`benchmarks/imagenet/vitb16/ibot.py`):
///
/// - the teacher (an EMA of the student, no gradient) encodes the two global crops unmasked; its head maps
///   their class tokens and, at the masked positions, their patch tokens to K-way outputs;
/// - the student encodes the same global crops with the masked patches replaced by its mask token
///   (`VisionTransformer.encode(_:mask:maskToken:)`), and its head(s) map the class tokens and the masked
///   patch tokens; the local crops go through the student unmasked, class token only;
/// - DINO's loss over the class outputs (`DINOLoss`: teacher global views vs every student view) plus the
///   masked-patch loss (`IBOTPatchLoss`: teacher vs student output of each masked patch).
///
/// The patch head is the class head (`patchHead === head`, Lightly's benchmark and the paper's default
/// `shared_head`) or a head of its own (with its own teacher copy). The mask is [2B, L] over the two global
/// crops concatenated (crop 1's images, then crop 2's), e.g. `PatchMask.randomBlock`.
public final class IBOTModel {
    public let student: VisionTransformer
    public let maskToken: MaskToken
    public let head: DINOHead
    public let patchHead: DINOHead
    public let teacher: VisionTransformer
    public let teacherHead: DINOHead
    public let teacherPatchHead: DINOHead
    /// Same-size local crops run as one batch (nothing in a ViT or a DINO head without batch-norm uses
    /// batch statistics).
    public var batchLocalViews = true

    public init(student: VisionTransformer, maskToken: MaskToken, head: DINOHead, patchHead: DINOHead? = nil,
                teacher: VisionTransformer, teacherHead: DINOHead, teacherPatchHead: DINOHead? = nil) throws {
        guard (patchHead == nil) == (teacherPatchHead == nil) else {
            throw TensorError.invalidArgument(op: "ibot", detail: "a separate patch head needs a teacher patch head too")
        }
        guard maskToken.dim == student.dim, teacher.dim == student.dim else {
            throw TensorError.invalidArgument(op: "ibot", detail: "student (\(student.dim)), teacher (\(teacher.dim)) and mask token (\(maskToken.dim)) widths differ")
        }
        self.student = student
        self.maskToken = maskToken
        self.head = head
        self.patchHead = patchHead ?? head
        self.teacher = teacher
        self.teacherHead = teacherHead
        self.teacherPatchHead = teacherPatchHead ?? teacherHead
    }

    public var sharedHead: Bool { patchHead === head }

    /// Everything the two losses compare.
    public struct Outputs {
        /// Teacher class outputs, one [B, K] per global crop.
        public var teacherClass: [Tensor]
        /// Student class outputs, one [B, K] per view (the global crops first, masked).
        public var studentClass: [Tensor]
        /// Teacher / student outputs of the masked patches [M, K], image by image, patches ascending.
        public var teacherPatches: Tensor
        public var studentPatches: Tensor
    }

    /// `views`: the two global crops (same size) then the local ones, each [B, 3, H, W]; `mask` [2B, L] over
    /// the global crops' patches. While `freezeLastLayer`, the student heads' last layers are used detached
    /// (no gradient: Lightly's `cancel_last_layer_gradients`).
    public func outputs(_ views: [Tensor], mask: Tensor, freezeLastLayer: Bool = false) throws -> Outputs {
        guard views.count >= 2, views[0].shape == views[1].shape else {
            throw TensorError.invalidArgument(op: "ibot", detail: "needs two global crops of one size first, got \(views.map(\.shape))")
        }
        let b = views[0].shape[0]
        let globals = try Tensor.cat([views[0], views[1]], axis: 0)
        let l = try student.patchEmbed.grid(height: globals.shape[2], width: globals.shape[3])
        guard mask.shape == [2 * b, l.0 * l.1] else {
            throw TensorError.invalidArgument(op: "ibot", detail: "mask must be [\(2 * b), \(l.0 * l.1)] (both global crops' patches), got \(mask.shape)")
        }
        let masked = PatchMask.indices(mask)
        func classToken(_ tokens: Tensor) throws -> Tensor {
            try tokens.narrowed(axis: 1, start: 0, length: 1).reshaped([tokens.shape[0], tokens.shape[2]])
        }
        func project(_ h: DINOHead, _ x: Tensor, frozen: Bool) throws -> Tensor {
            guard frozen else { return try h(x) }
            let z = try h.layers(x).l2Normalized(axis: -1, eps: 1e-12)
            return try z.linear(weight: noGrad { try h.lastLayer.weight() }, bias: nil)
        }
        let (teacherClass, teacherPatches) = try noGrad { () throws -> (Tensor, Tensor) in
            let t = try teacher.encode(globals)
            return (try teacherHead(classToken(t)), try teacherPatchHead(PatchMask.select(t, masked, offset: 1)))
        }
        let s = try student.encode(globals, mask: mask, maskToken: maskToken)
        let studentGlobal = try project(head, classToken(s), frozen: freezeLastLayer)
        let studentPatches = try project(patchHead, PatchMask.select(s, masked, offset: 1), frozen: freezeLastLayer)
        let locals = try MultiCrop.apply(Array(views.dropFirst(2)), concatenate: batchLocalViews) {
            try project(head, student($0), frozen: freezeLastLayer)
        }
        return Outputs(teacherClass: try teacherClass.chunked(size: b, axis: 0),
                       studentClass: try studentGlobal.chunked(size: b, axis: 0) + locals,
                       teacherPatches: teacherPatches, studentPatches: studentPatches)
    }

    /// The class (DINO) and patch (iBOT) losses of `outputs` at one teacher temperature; the patch loss is 0
    /// when nothing is masked.
    public static func losses(_ o: Outputs, mask: Tensor, classLoss: DINOLoss, patchLoss: IBOTPatchLoss,
                              teacherTemperature t: Float) throws -> (classLoss: Tensor, patchLoss: Tensor) {
        let c = try classLoss(teacher: o.teacherClass, student: o.studentClass, teacherTemperature: t)
        guard o.teacherPatches.shape[0] > 0 else { return (c, Tensor(shape: [], scalars: [0])) }
        return (c, try patchLoss(teacher: o.teacherPatches, student: o.studentPatches, mask: mask, teacherTemperature: t))
    }
}
