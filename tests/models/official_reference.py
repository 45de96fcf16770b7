"""An independent, literal re-implementation of the official DPLNet forward
pass, written from tests/fixtures/official_dplnet/README.md and working on
the official checkpoint's own key names. It shares no code with the
package, so agreeing with it (and with the official logits) is evidence."""
import os.path as osp
from typing import Dict, Tuple

import torch
import torch.nn.functional as F

from dplnet_testing import OFFICIAL_DIR, load_script

WIDTHS = (64, 128, 320, 512)
HEADS = (1, 2, 5, 8)
REDUCTIONS = (8, 4, 2, 1)
DEPTHS = (3, 6, 40, 3)

StateDict = Dict[str, torch.Tensor]


def load_detweights():
    """Import the reference weight generator shipped with the fixtures."""
    return load_script(osp.join(OFFICIAL_DIR, 'detweights.py'))


def manifest_path() -> str:
    return osp.join(OFFICIAL_DIR, 'dplnet_b5_official_keys.tsv')


def _ln(x, sd, key, eps):
    return F.layer_norm(x, x.shape[-1:], sd[key + '.weight'],
                        sd[key + '.bias'], eps)


def _linear(x, sd, key):
    return F.linear(x, sd[key + '.weight'], sd.get(key + '.bias'))


def _embed(image, sd, key, stride, kernel) -> Tuple[torch.Tensor, int, int]:
    y = F.conv2d(image, sd[key + '.proj.weight'], sd[key + '.proj.bias'],
                 stride=stride, padding=kernel // 2)
    _, _, h, w = y.shape
    return _ln(y.flatten(2).transpose(1, 2), sd, key + '.norm', 1e-5), h, w


def _attend(q, k, v, heads, scale):
    b, n, c = q.shape
    q = q.reshape(b, n, heads, -1).permute(0, 2, 1, 3)
    k = k.reshape(b, k.shape[1], heads, -1).permute(0, 2, 1, 3)
    v = v.reshape(b, v.shape[1], heads, -1).permute(0, 2, 1, 3)
    attn = (q @ k.transpose(-2, -1) * scale).softmax(dim=-1)
    return (attn @ v).permute(0, 2, 1, 3).reshape(b, n, -1)


def _attention(x, h, w, prompt, sd, key, width, heads, sr):
    b = x.shape[0]
    scale = (width // heads)**-0.5
    q = _linear(x, sd, key + '.q')
    source = x
    if sr > 1:
        grid = x.transpose(1, 2).reshape(b, width, h, w)
        source = F.conv2d(grid, sd[key + '.sr.weight'], sd[key + '.sr.bias'],
                          stride=sr).flatten(2).transpose(1, 2)
        source = _ln(source, sd, key + '.norm', 1e-5)
    kv = _linear(source, sd, key + '.kv')
    out = _linear(_attend(q, kv[..., :width], kv[..., width:], heads, scale),
                  sd, key + '.proj')
    kv_prompt = _linear(prompt, sd, key + '.kv_prompt').expand(b, -1, -1)
    qp = _linear(q, sd, key + '.q_prompt')
    kp = _linear(kv_prompt[..., :width], sd, key + '.k_prompt')
    vp = _linear(kv_prompt[..., width:], sd, key + '.v_prompt')
    return out + _linear(_attend(qp, kp, vp, heads, scale), sd,
                         key + '.proj_prompt')


def _ffn(x, h, w, sd, key):
    y = _linear(x, sd, key + '.fc1')
    b, n, c = y.shape
    y = y.transpose(1, 2).reshape(b, c, h, w)
    y = F.conv2d(y, sd[key + '.dwconv.dwconv.weight'],
                 sd[key + '.dwconv.dwconv.bias'], padding=1, groups=c)
    y = F.gelu(y.flatten(2).transpose(1, 2))
    return _linear(y, sd, key + '.fc2')


def official_forward(sd: StateDict, rgb: torch.Tensor,
                     aux: torch.Tensor) -> torch.Tensor:
    """The official model's eval-mode output, (B, 41, 4 h1, 4 w1)."""
    prompt_tokens = sd['learnable_prompt']
    x_in, p_in = rgb, aux
    features = []
    for i in range(4):
        stride, kernel = (4, 7) if i == 0 else (2, 3)
        x, h, w = _embed(x_in, sd, f'rgb.patch_embed{i + 1}', stride, kernel)
        d, _, _ = _embed(p_in, sd, f'patch_embed{i + 1}', stride, kernel)
        p = _linear(
            _linear(d, sd, f'ada{i + 1}.conv0_0') +
            _linear(x, sd, f'ada{i + 1}.conv0_1'), sd, f'ada{i + 1}.conv')
        x = x + p
        for j in range(DEPTHS[i]):
            key = f'rgb.block{i + 1}.{j}'
            prompt = _ln(prompt_tokens, sd, key + '.norm_prompt', 1e-6)
            x = x + _attention(
                _ln(x, sd, key + '.norm1', 1e-6), h, w, prompt, sd,
                key + '.attn', WIDTHS[i], HEADS[i], REDUCTIONS[i])
            x = x + _ffn(_ln(x, sd, key + '.norm2', 1e-6), h, w, sd,
                         key + '.mlp')
        x = _ln(x, sd, f'rgb.norm{i + 1}', 1e-6)
        b = x.shape[0]
        x_in = x.transpose(1, 2).reshape(b, WIDTHS[i], h, w)
        p_in = p.transpose(1, 2).reshape(b, WIDTHS[i], h, w)
        features.append(x_in)
    size = features[0].shape[2:]
    decoded = []
    for i in (3, 2, 1, 0):
        f = features[i]
        y = _linear(f.flatten(2).transpose(1, 2), sd,
                    f'head.linear_c{i + 1}.proj')
        y = y.transpose(1, 2).reshape(f.shape[0], -1, *f.shape[2:])
        decoded.append(
            F.interpolate(y, size=size, mode='bilinear', align_corners=False))
    y = F.conv2d(torch.cat(decoded, 1), sd['head.linear_fuse.conv.weight'])
    y = F.batch_norm(y, sd['head.linear_fuse.bn.running_mean'],
                     sd['head.linear_fuse.bn.running_var'],
                     sd['head.linear_fuse.bn.weight'],
                     sd['head.linear_fuse.bn.bias'], False, 0., 1e-5)
    y = F.conv2d(F.relu(y), sd['head.linear_pred.weight'],
                 sd['head.linear_pred.bias'])
    y = F.interpolate(y, scale_factor=4, mode='bilinear')
    return F.conv2d(y, sd['conv1.weight'], sd['conv1.bias'])
