from .rgbx_data_preprocessor import RGBXDataPreProcessor

__all__ = ['RGBXDataPreProcessor']
