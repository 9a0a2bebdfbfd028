// The Runner layer of Pretext (see DESIGN.md); filled in by its issue.
@_exported import PretextTensor
