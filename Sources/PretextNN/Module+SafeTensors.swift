import Foundation
import PretextTensor

extension Module {
    /// Saves the state dict (parameters and buffers, PyTorch keys) as safetensors, atomically: the file
    /// loads with `safetensors.torch.load_file` + `load_state_dict(strict=True)` into the matching
    /// torchvision/timm model.
    public func saveSafeTensors(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads weights from a safetensors file (e.g. saved by PyTorch with
    /// `safetensors.torch.save_file(model.state_dict(), path)`). `stripPrefix` removes a leading key
    /// prefix ("module.", "backbone."); keys starting with one of `ignoring` (e.g. "fc.", "head.") are
    /// dropped before a strict check. Returns the load report.
    @discardableResult
    public func loadSafeTensors(from url: URL, strict: Bool = true, stripPrefix: String? = nil,
                                ignoring: [String] = []) throws -> StateDictReport {
        let file = try SafeTensors.read(from: url)
        var state: [String: Tensor] = [:]
        for (k, t) in file.tensors {
            var key = k
            if let p = stripPrefix, key.hasPrefix(p) { key.removeFirst(p.count) }
            if ignoring.contains(where: { key.hasPrefix($0) }) { continue }
            state[key] = t
        }
        return try loadStateDict(state, strict: strict, source: url.path)
    }
}
