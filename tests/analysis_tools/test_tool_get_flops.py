"""tools/analysis_tools/get_flops.py and the attention MAC handle."""
import re

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from analysis_testing import DEMO_CONFIG, run_quietly
from mmengine.analysis import FlopAnalyzer, get_model_complexity_info
from mmengine.config import Config

from mmseg.registry import MODELS
from mmseg_dplnet.evaluation import flop_analyzer, measure_complexity

TOOL = 'tools/analysis_tools/get_flops.py'
SDPA = 'scaled_dot_product_attention'


class TwoAttentions(nn.Module):
    """A linear layer, then attention with 4 heads over 10 keys and with
    2 heads of 6-dim values (grouped-query shapes, key/value broadcast)."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def forward(self, x):  # x: (2, 12, 16)
        q = self.proj(x).view(2, 12, 4, 4).transpose(1, 2)  # (2, 4, 12, 4)
        k = torch.ones(2, 4, 10, 4)
        v = torch.ones(2, 4, 10, 8)
        first = F.scaled_dot_product_attention(q, k, v)  # (2, 4, 12, 8)
        k2 = torch.ones(1, 1, 5, 4)
        v2 = torch.ones(1, 1, 5, 6)
        second = F.scaled_dot_product_attention(q, k2, v2)  # (2, 4, 12, 6)
        return first.sum() + second.sum()


def test_attention_handle_counts_both_products():
    model = TwoAttentions().eval()
    inputs = (torch.randn(2, 12, 16), )
    counted = flop_analyzer(model, inputs).by_operator()
    # q @ k^T and attn @ v: batch 2 x heads 4 x L 12 x S x (E + Ev)
    assert counted[SDPA] == 2 * 4 * 12 * (10 * (4 + 8) + 5 * (4 + 6))
    assert counted['linear'] == 2 * 12 * 16 * 16


def test_mmengine_alone_does_not_count_attention():
    """Why the tool adds a handle (fails if mmengine starts counting it:
    then drop ours, or attention would be counted twice)."""
    model = TwoAttentions().eval()
    inputs = (torch.randn(2, 12, 16), )
    analyzer = FlopAnalyzer(model, inputs)
    analyzer.unsupported_ops_warnings(False)
    assert SDPA not in analyzer.by_operator()
    assert analyzer.unsupported_ops()['aten::' + SDPA] == 2
    assert get_model_complexity_info(
        model, inputs=inputs, show_table=False,
        show_arch=False)['flops'] == 2 * 12 * 16 * 16


def test_dplnet_count_is_mmengines_plus_attention():
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    inputs = (torch.randn(1, 4, 64, 80), )  # RGB + depth
    with torch.no_grad():
        ours = measure_complexity(model, inputs, max_depth=1)
        plain = get_model_complexity_info(
            model, inputs=inputs, show_table=False, show_arch=False)['flops']
        assert flop_analyzer(
            model, inputs, with_attention=False).total() == plain
    attention = ours.macs_by_operator[SDPA]
    assert attention > 0
    assert ours.macs == plain + attention
    assert 'aten::' + SDPA not in ours.uncounted_ops
    assert ours.params == sum(p.numel() for p in model.parameters())
    assert 0 < ours.learnable_params < ours.params  # the encoder is frozen


def report(shape):
    out = run_quietly([
        TOOL, DEMO_CONFIG, '--shape', *map(str, shape), '--max-depth', '2',
        '--cfg-options', 'model.backbone.init_cfg.checkpoint=/absent.pth'
    ])
    numbers = {
        name: int(value)
        for name, value in re.findall(
            r'^(Total MACs|Total params|Learnable params): (\d+)$', out, re.M)
    }
    operators = {
        name: int(value)
        for name, value in re.findall(r'^  (\w+): (\d+) \(', out, re.M)
    }
    assert len(numbers) == 3 and SDPA in operators, out[-3000:]
    return out, numbers, operators


@pytest.fixture(scope='module')
def two_sizes():
    return report((128, 160)), report((256, 320))


def test_output_states_what_is_counted(two_sizes):
    (out, numbers, operators), _ = two_sizes
    assert 'Input shape: 1x4x128x160' in out  # RGB + depth
    assert 'multiply-adds (MACs' in out and 'one fused multiply-add' in out
    assert 'Not counted' in out and 'aten::gelu' in out
    # the per-module table, depth-limited to backbone.<child>
    assert '| model ' in out and 'backbone.blocks ' in out
    assert 'backbone.blocks.0' not in out
    assert sum(operators.values()) == numbers['Total MACs']
    assert 0 < numbers['Learnable params'] < numbers['Total params']


def test_total_grows_with_the_input_area(two_sizes):
    (_, small, small_ops), (_, large, large_ops) = two_sizes
    assert small['Total params'] == large['Total params']
    # 4x the pixels: 4x the convolutions (the token counts of every stage
    # are exactly 4x at these sizes) ...
    assert large_ops['conv'] == 4 * small_ops['conv']
    # ... a little less than 4x the linear layers and norms (the key /
    # value projections and norms of the 30 prompt tokens do not grow) ...
    for name in ('linear', 'layer_norm'):
        assert 3.75 < large_ops[name] / small_ops[name] < 4, name
    # ... and more than 4x the attention: the main branch's tokens attend to
    # 4x as many (reduced) keys, 16x; the prompt branch to 30 tokens, 4x
    ratio = large_ops[SDPA] / small_ops[SDPA]
    assert 4.5 < ratio < 16, ratio
    total_ratio = large['Total MACs'] / small['Total MACs']
    assert 4 < total_ratio < 4.5, total_ratio
