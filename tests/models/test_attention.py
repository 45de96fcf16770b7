"""The attention of the model's main branch (``layers/attention.py``)."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_dplnet.models.layers import attention as attention_module
from mmseg_dplnet.models.layers.attention import MatmulAttention, attention


def inputs(dtype, batch=2, heads=3, queries=50, keys=7, dims=8,
           broadcast=False):
    generator = torch.Generator().manual_seed(0)
    query = torch.randn(batch, heads, queries, dims, generator=generator)
    key, value = (torch.randn(1 if broadcast else batch, heads, keys, dims,
                              generator=generator) for _ in range(2))
    grad = torch.randn(batch, heads, queries, dims, generator=generator)
    return [t.to(dtype) for t in (query, key, value, grad)]


def output_and_grads(fn, query, key, value, grad):
    leaves = [t.clone().requires_grad_() for t in (query, key, value)]
    query, key, value = leaves
    batch = query.shape[0]
    out = fn(query, key.expand(batch, -1, -1, -1),
             value.expand(batch, -1, -1, -1))
    out.backward(grad)
    return [out.detach()] + [t.grad for t in leaves]


@pytest.mark.parametrize('chunk', [1 << 23, 100])  # one chunk, or many
@pytest.mark.parametrize('broadcast', [False, True])
def test_matmul_attention_is_sdpa_with_its_gradients(monkeypatch, chunk,
                                                     broadcast):
    """In float64 the products give SDPA's output and the gradients of
    queries, keys and values (broadcast keys as the prompt branch's),
    in one chunk of queries or many."""
    monkeypatch.setattr(attention_module, '_CHUNK_ELEMENTS', chunk)
    tensors = inputs(torch.float64, broadcast=broadcast)
    expected = output_and_grads(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, scale=0.3),
        *tensors)
    ours = output_and_grads(
        lambda q, k, v: MatmulAttention.apply(q, k, v, 0.3), *tensors)
    for a, b in zip(ours, expected):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_bf16_on_cpu_takes_the_products_and_stays_close():
    query, key, value, grad = inputs(torch.float64, queries=400, keys=60,
                                     dims=32)
    expected = output_and_grads(F.scaled_dot_product_attention, query, key,
                                value, grad)
    low = [t.bfloat16() for t in (query, key, value, grad)]
    leaf = low[0].clone().requires_grad_()
    assert type(attention(leaf, *low[1:3]).grad_fn).__name__ == (
        'MatmulAttentionBackward')
    ours = output_and_grads(attention, *low)
    fused = output_and_grads(F.scaled_dot_product_attention, *low)
    for a, b, reference in zip(ours, fused, expected):
        assert a.dtype == torch.bfloat16
        scale = reference.abs().max()
        # as close to the float64 result as the fused bf16 kernel
        error = (a.double() - reference).abs().max() / scale
        assert error <= max(2 * (b.double() - reference).abs().max() / scale,
                            1e-2)


def test_other_dtypes_and_dropout_take_sdpa():
    query, key, value, _ = inputs(torch.float32)
    leaf = query.clone().requires_grad_()
    assert 'MatmulAttention' not in type(
        attention(leaf, key, value).grad_fn).__name__
    low = leaf.detach().bfloat16().requires_grad_()
    assert 'MatmulAttention' not in type(
        attention(low, key.bfloat16(), value.bfloat16(),
                  dropout_p=0.1).grad_fn).__name__
