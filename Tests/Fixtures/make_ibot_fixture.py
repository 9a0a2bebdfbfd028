"""Reference values for iBOT's parts (Zhou et al. 2022, arXiv:2111.07832) from Lightly 1.6 + timm + PyTorch.
Writes Tests/Fixtures/kit/ibot.json.

    $PEER/bin/python Tests/Fixtures/make_ibot_fixture.py     # PEER: venv with torch, timm, lightly==1.6.0

- patch_loss: Lightly's IBOTPatchLoss on teacher/student outputs of the masked patches, a [B, H, W] mask with an
  unmasked image, a non-zero centre and an explicit teacher temperature (and a second case at the defaults):
  loss, gradient with respect to the student outputs, centre after the call (Lightly updates it in forward).
- step_shared / step_separate: one iBOT step as Lightly's benchmark (benchmarks/imagenet/vitb16/ibot.py) at a toy
  size: student = MaskedVisionTransformerTIMM(timm ViT 16 px, patch 4, width 16, depth 2, 2 heads, learned
  position embedding, pos_embed_initialization="skip"), its mask token random; teacher = a perturbed copy (as
  after some EMA steps); heads DINOProjectionHead(16, 32, 8, 24), the student's norm_last_layer=False; views 2
  global 16 px + 2 local 8 px crops of 2 images; the mask from random_block_mask over both global crops; DINOLoss
  + IBOTPatchLoss at teacher temperature 0.05. Every weight, the outputs, both losses, every student gradient and
  both centres after the step (computed in float64 from the float32 weights and inputs). step_separate uses separate class and patch heads.
"""
import copy, json, os, random
import torch
from timm.models.vision_transformer import VisionTransformer
from lightly.loss import DINOLoss, IBOTPatchLoss
from lightly.models.modules import DINOProjectionHead, MaskedVisionTransformerTIMM
from lightly.models.utils import random_block_mask

torch.manual_seed(11)
random.seed(11)
out = {"generator": "Tests/Fixtures/make_ibot_fixture.py", "lightly": __import__("lightly").__version__,
       "vit": {"image_size": 16, "patch_size": 4, "dim": 16, "depth": 2, "heads": 2},
       "head": {"input_dim": 16, "hidden_dim": 32, "bottleneck_dim": 8, "output_dim": 24}}


def tensor(t):
    """Shape and float32 values (9 significant digits: exact for float32)."""
    return {"shape": list(t.shape), "values": [float(f"{v:.9g}") for v in t.detach().flatten().tolist()]}


def patch_case(teacher_temp, center):
    k = 6
    mask = torch.zeros(3, 2, 2, dtype=torch.bool)
    mask[0, 0, 1] = mask[0, 1, 0] = True                      # 2 masked
    mask[2, 0, 0] = mask[2, 1, 0] = mask[2, 1, 1] = True      # 3 masked, image 1 none
    m = int(mask.sum())
    teacher = torch.randn(m, k) * 2
    student = (torch.randn(m, k) * 2).requires_grad_()
    crit = IBOTPatchLoss(output_dim=k)
    if center is not None:
        crit.center.center = center.clone()
    before = crit.center.value.clone()
    loss = crit(teacher_out=teacher, student_out=student, mask=mask, teacher_temp=teacher_temp)
    loss.backward()
    return {"teacher_temp": teacher_temp, "mask": tensor(mask.float()), "teacher": tensor(teacher), "student": tensor(student),
            "center_before": tensor(before), "loss": loss.item(), "grad_student": tensor(student.grad),
            "center_after": tensor(crit.center.value)}


out["patch_loss"] = [patch_case(0.05, torch.randn(1, 6)), patch_case(None, None)]


def head_state(h):
    s = {k: v for k, v in h.state_dict().items() if not k.startswith("last_layer")}
    s["last_layer.weight_g"] = h.last_layer.weight_g
    s["last_layer.weight_v"] = h.last_layer.weight_v
    return {k: tensor(v) for k, v in s.items()}


def head_grads(h, prefix):
    g = {prefix + k: tensor(p.grad) for k, p in h.named_parameters() if p.grad is not None}
    return g


def perturb(module, scale=0.05):
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape) * scale)


vit = VisionTransformer(img_size=16, patch_size=4, embed_dim=16, depth=2, num_heads=2, num_classes=0, dynamic_img_size=True)
student = MaskedVisionTransformerTIMM(vit=vit, pos_embed_initialization="skip")
with torch.no_grad():
    student.mask_token.normal_(0, 0.5)
teacher = copy.deepcopy(student)
perturb(teacher)
head = DINOProjectionHead(16, 32, 8, 24, norm_last_layer=False)
t_head = DINOProjectionHead(16, 32, 8, 24)
t_head.load_state_dict(head.state_dict())
perturb(t_head)
sep_head = DINOProjectionHead(16, 32, 8, 24, norm_last_layer=False)
t_sep_head = DINOProjectionHead(16, 32, 8, 24)
t_sep_head.load_state_dict(sep_head.state_dict())
perturb(t_sep_head)
for p in list(teacher.parameters()) + list(t_head.parameters()) + list(t_sep_head.parameters()):
    p.requires_grad = False
out["weights"] = {
    "student": {k[4:]: tensor(v) for k, v in student.state_dict().items() if k.startswith("vit.")},
    "mask_token": tensor(student.mask_token),
    "teacher": {k[4:]: tensor(v) for k, v in teacher.state_dict().items() if k.startswith("vit.")},
    "head": head_state(head), "teacher_head": head_state(t_head),
    "patch_head": head_state(sep_head), "teacher_patch_head": head_state(t_sep_head),
}
# The steps run in float64 on these float32 weights and inputs: the reference is then the exact result, and the
# test's 1e-5 measures Pretext's float32 error alone (not the sum of two float32 errors through 2 blocks and heads).
for m in (student, teacher, head, t_head, sep_head, t_sep_head):
    m.double()


def step_case(separate):
    for m in (student, head, sep_head):
        m.zero_grad(set_to_none=True)
    patch_head, t_patch_head = (sep_head, t_sep_head) if separate else (head, t_head)
    b = 2
    views = [torch.randn(b, 3, s, s).double() for s in (16, 16, 8, 8)]
    global_views = torch.cat(views[:2])
    block_mask = random_block_mask(size=(2 * b, 4, 4), min_num_masks_per_block=1)
    mask = torch.zeros(2 * b, 17, dtype=torch.bool)
    mask[:, 1:] = block_mask.flatten(start_dim=1)
    assert mask.any()

    with torch.no_grad():
        t_features = teacher.encode(global_views)
        t_cls_out = t_head(t_features[:, 0])
        t_masked_out = t_patch_head(t_features[mask])
    s_features = student.encode(global_views, mask=mask)
    s_cls_out = head(s_features[:, 0])
    s_masked_out = patch_head(s_features[mask])
    s_local_out = head(student.encode(torch.cat(views[2:]))[:, 0])
    student_cls_out = torch.cat([s_cls_out, s_local_out])
    cls_crit, patch_crit = DINOLoss(output_dim=24, teacher_temp=0.07).double(), IBOTPatchLoss(output_dim=24, teacher_temp=0.07).double()
    cls_loss = cls_crit(teacher_out=list(t_cls_out.chunk(2)), student_out=list(student_cls_out.chunk(len(views))), teacher_temp=0.05)
    patch_loss = patch_crit(teacher_out=t_masked_out, student_out=s_masked_out, mask=block_mask, teacher_temp=0.05)
    (cls_loss + patch_loss).backward()

    grads = {"mask_token": tensor(student.mask_token.grad)}
    grads.update({k: tensor(p.grad) for k, p in student.vit.named_parameters() if p.grad is not None})
    grads.update(head_grads(head, "head."))
    if separate:
        grads.update(head_grads(patch_head, "patch_head."))
    case = {
        "views": [tensor(v) for v in views], "mask": tensor(block_mask.flatten(start_dim=1).float()),
        "teacher_temp": 0.05, "teacher_class": tensor(t_cls_out), "student_class": tensor(student_cls_out),
        "teacher_patches": tensor(t_masked_out), "student_patches": tensor(s_masked_out),
        "class_loss": cls_loss.item(), "patch_loss": patch_loss.item(), "grads": grads,
        "class_center": tensor(cls_crit.center), "patch_center": tensor(patch_crit.center.value),
    }
    return case


out["step_shared"] = step_case(False)
out["step_separate"] = step_case(True)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kit", "ibot.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path, {k: (out[k]["class_loss"], out[k]["patch_loss"], out[k]["mask"]["values"].count(1.0)) for k in ["step_shared", "step_separate"]},
      [c["loss"] for c in out["patch_loss"]])
