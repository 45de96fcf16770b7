from .learnable_only_constructor import LearnableOnlyOptimWrapperConstructor

__all__ = ['LearnableOnlyOptimWrapperConstructor']
