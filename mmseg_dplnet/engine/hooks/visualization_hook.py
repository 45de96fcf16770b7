"""mmseg's visualization hook, safe to use when only testing."""
from typing import Sequence

from mmseg.engine.hooks import SegVisualizationHook
from mmseg.registry import HOOKS
from mmseg.structures import SegDataSample


class _RunnerAtLoggedIter:
    """A runner whose ``iter`` is the iteration logged in its message hub.

    mmengine's ``runner.iter`` builds the training loop (and with it the
    training set) when it was not built yet, as in a test run.
    """

    def __init__(self, runner) -> None:
        self._runner = runner

    def __getattr__(self, name: str):
        return getattr(self._runner, name)

    @property
    def iter(self) -> int:
        return self._runner.message_hub.get_info('iter', 0)


@HOOKS.register_module()
class RGBXSegVisualizationHook(SegVisualizationHook):
    """:class:`SegVisualizationHook` that draws a test run without its
    training set.

    The stock hook labels each drawing with ``runner.iter``, which builds
    the training set at test time, so ``tools/test.py --show-dir`` fails
    when only the test set is present. This one takes the iteration the
    runner last logged (0 in a test run). The drawing itself is the
    configured visualiser's (``MultimodalSegLocalVisualizer`` draws RGB |
    auxiliary | ground truth | prediction).

    Args:
        See :class:`SegVisualizationHook`.
    """

    def _after_iter(self,
                    runner,
                    batch_idx: int,
                    data_batch: dict,
                    outputs: Sequence[SegDataSample],
                    mode: str = 'val') -> None:
        super()._after_iter(
            _RunnerAtLoggedIter(runner), batch_idx, data_batch, outputs, mode)
