// PretextData: image decoding, datasets, augmentations, multi-view presets and the prefetching loader.
//
// Data flow: file --ImageDecoder (C shim)--> Image (UInt8 RGB HWC) --Transform (multi-view preset)-->
// Views {[C,H,W] tensors, labels} --DataLoader (worker threads, bounded prefetch)--> Batch.
//
// Augmentations work on `FloatImage` (float32 CHW in [0, 1]) with the semantics of
// torchvision.transforms.v2.functional on float tensors; see `ImageOps`.

// Batches carry tensors and transforms draw from `RNG`: users of the data module get both.
@_exported import PretextTensor
