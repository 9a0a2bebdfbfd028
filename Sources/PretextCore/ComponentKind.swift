import PretextTensor
/// The kinds of thing the registry holds, each keyed by a lowercase name.
public enum ComponentKind: String, CaseIterable, Comparable, Sendable {
    case backbone, head, loss, transform, schedule, optimizer, method

    public static func < (a: ComponentKind, b: ComponentKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
