// The plugin-facing surface: `import PretextSDK` in a method plugin brings in tensors, networks, data,
// the host protocols and registry, and the shared kit — not the runner (training loop, evaluation,
// sweeps), which is the host's business. `ssl-run` and tools use `import Pretext`, which adds it.
@_exported import PretextTensor
@_exported import PretextNN
@_exported import PretextData
@_exported import PretextCore
@_exported import PretextKit
