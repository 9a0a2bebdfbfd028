import Foundation
import Pretext

/// The built-in components, registered once.
let registry: Registry = {
    let r = Registry()
    try! Builtins.register(in: r)
    return r
}()

let parameters: [(key: String, tensor: Tensor)] = [("w", Tensor.zeros([2, 3])), ("b", Tensor.zeros([3]))]

/// Bytes, decoded as UTF-8 (invalid sequences replaced), through `ConfigFile.parse` (YAML via Yams,
/// with its size, depth and alias-expansion limits); then the typed getters of the `train`, `data` and
/// `eval` sections (`TrainingSettings`, `EvaluationSettings`), and the built-in view preset, schedule
/// and optimizer the `views`, `schedule` and `optimizer` sections name, built from their keys (no model,
/// no data), each section then `validate()`d. Any input must give a config or throw, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let tree = try? ConfigFile.parse(text, file: "fuzz.yaml") else { return 0 }
    _ = ConfigFile.yaml(tree)
    let spec = RunSpec(tree: tree)
    let train = spec.section("train"), data = spec.section("data"), eval = spec.section("eval")
    _ = try? TrainingSettings(train: train, data: data)
    _ = try? EvaluationSettings(eval: eval)
    var sections = [train, data, eval]
    let context = BuildContext(registry: registry, seed: 0)
    context.stepsPerEpoch = 100
    context.epochs = 10
    let views = spec.section("views"), schedule = spec.section("schedule"), optimizer = spec.section("optimizer")
    if let preset = try? views.string("preset", "simclr"), registry.entry(.transform, preset) != nil {
        _ = try? registry.makeTransform(preset, views, context)
        sections.append(views)
    }
    if let name = try? schedule.string("name", "cosine"), registry.entry(.schedule, name) != nil {
        _ = try? registry.makeSchedule(name, schedule, context)
        sections.append(schedule)
    }
    if let name = try? optimizer.string("name", "sgd"), registry.entry(.optimizer, name) != nil {
        let groups = [ParameterGroup(name: "all", parameters: parameters)]
        _ = try? registry.makeOptimizer(name, optimizer, groups: groups, context)
        sections.append(optimizer)
    }
    for section in sections {
        try? section.validate()
        _ = section.commentedYAML()
        _ = section.resolvedValue
    }
    return 0
}
